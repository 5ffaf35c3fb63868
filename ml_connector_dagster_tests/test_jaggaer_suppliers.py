"""Suppliers as JAGGAER company profiles: CREATEUPDATE is a native upsert by extCode; lookups go in bulk.
Real HTTP to the simulator on loopback."""

from datetime import UTC, datetime
from typing import Any

import pytest

from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.jaggaer.simulator import JaggaerSimSettings
from ml_connector_dagster.jaggaer.sinks import JaggaerSupplierSink
from ml_connector_dagster.records import Supplier, SupplierAddress

from .test_jaggaer_client import tenant


def supplier(number: str = "S-100", **changes: Any) -> Supplier:
    address = SupplierAddress(address_id=1, address_name="HQ", address_line1="1 Main St", city="Austin", country="US")
    fields: dict[str, Any] = {
        "source_id": 100,
        "supplier_number": number,
        "name": "Acme Supplies",
        "status": "ACTIVE",
        "duns_number": "123456789",
        "last_update_date": datetime(2026, 1, 6, 9, 0, tzinfo=UTC),
        "addresses": (address,),
    }
    return Supplier(**{**fields, **changes})


def test_createupdate_twice_keeps_one_profile_with_a_stable_bravo_id() -> None:
    with tenant() as (simulator, _, client):
        sink = JaggaerSupplierSink(client)
        first = sink.write(supplier(), None)
        second = sink.write(supplier(name="Acme Supplies Inc", status="INACTIVE"), first)
        [stored] = simulator.companies.collection.documents()
        stats = simulator.collection_stats()["suppliers"]
    assert first == second == str(stored["bravoId"])
    assert stored["extCode"] == "S-100" and stored["companyName"] == "Acme Supplies Inc"
    assert stored["type"] == "SELLER" and stored["extUniqueCode"] == "123456789"
    assert stored["addressList"]["address"] == [
        {"addressCode": "HQ", "address": "1 Main St", "city": "Austin", "isoCountry": "US"}
    ]
    assert (stats.stored, stats.distinct_keys, stats.duplicates, stats.writes) == (1, 1, 0, 2)
    assert sink.bulk_lookup is False
    assert sink.target_state(supplier()) == "active"
    assert sink.target_state(supplier(status="INACTIVE")) == "inactive"


def test_supplier_numbers_are_looked_up_in_bulk() -> None:
    with tenant(lookup_batch_size=2) as (simulator, _, client):
        sink = JaggaerSupplierSink(client)
        ids = {number: sink.write(supplier(number), None) for number in ("S-1", "S-2", "S-3", "S 4;x")}
        before = simulator.collection_stats()["suppliers"].requests
        found = sink.find_ids(["S-1", "S-2", "S-3", "S-404", "S 4;x", "S-1"])
        requests = simulator.collection_stats()["suppliers"].requests - before
    assert found == {number: ids[number] for number in ("S-1", "S-2", "S-3", "S 4;x")}
    # (S-1, S-2), (S-3, S-404), and the number with FIQL punctuation alone, quoted.
    assert requests == 3


def test_the_tenant_refuses_a_second_create_and_an_update_of_nothing() -> None:
    with tenant(JaggaerSimSettings(not_found_code=44)) as (simulator, _, client):
        client.upsert_supplier(supplier())
        document = client.suppliers.document(supplier())
        for operation, message in [
            ("CREATE", "returnCode 30: Company with extCode S-100 already exists"),
            ("UPDATE_RESET", None),
        ]:
            body = {"company": {"operationCode": operation, "companyInfo": {**document, "companyName": "Reset"}}}
            answer = client._http.send_json("POST", client.connection.supplier_path, body)
            if message is None:
                assert answer["returnCode"] == 0
            else:
                assert f"returnCode {answer['returnCode']}: {answer['returnMessage']}" == message
        reset = {"company": {"operationCode": "UPDATE_RESET", "companyInfo": {"extCode": "S-100"}}}
        client._http.send_json("POST", client.connection.supplier_path, reset)
        [stored] = simulator.companies.collection.documents()
        assert set(stored) == {"extCode", "bravoId", "lastModTime"}, "UPDATE_RESET replaces every field"
        missing = {"company": {"operationCode": "UPDATE", "companyInfo": {"extCode": "S-404"}}}
        assert client._http.send_json("POST", client.connection.supplier_path, missing)["returnCode"] == 44


def test_a_company_answer_without_bravo_id_fails_the_record_naming_it() -> None:
    with tenant() as (_, proxy, client):
        proxy.rewrite = lambda method, answer: b'{"returnCode": 0, "returnMessage": "OK"}' if method == "POST" else None
        with pytest.raises(RequestRejected) as raised:
            client.upsert_supplier(supplier())
    places = "looked at bravoId and companyInfo.bravoId"
    assert str(raised.value) == f"jaggaer: company CREATEUPDATE answer has no bravoId ({places})"
