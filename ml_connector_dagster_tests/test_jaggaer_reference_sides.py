"""JAGGAER's half of two-way reference data: company profiles and custom-field values read as shared views,
written back so they read as equal views, edited by users in the simulator. Real HTTP to the simulator."""

from datetime import UTC, datetime

import httpx
import pytest

from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.jaggaer.reference_sides import JaggaerSupplierSide, JaggaerValueSide, cost_centers, gl_values
from ml_connector_dagster.jaggaer.simulator import JaggaerSimulator
from ml_connector_dagster.records.shared import AddressView, SupplierView, ValueView

from .test_jaggaer_client import on, tenant

HQ = AddressView(address_name="HQ", address_line1="1 Main St", city="Austin", postal_code="78701", country="US")
PLANT = AddressView(address_name="PLANT", address_line1="9 Mill Rd", city="Dallas", country="US")


def acme(**changes: object) -> SupplierView:
    fields: dict[str, object] = {
        "supplier_number": "S-1",
        "name": "Acme",
        "status": "ACTIVE",
        "addresses": (HQ, PLANT),
    }
    return SupplierView.model_validate({**fields, **changes})


def stored_company(simulator: JaggaerSimulator, ext_code: str) -> dict[str, object]:
    [document] = [d for d in simulator.companies.collection.documents() if d.get("extCode") == ext_code]
    return document


def test_profiles_read_as_views_with_their_modified_time_and_without_foreign_profiles() -> None:
    with tenant(page_size=2) as (simulator, _, client):
        addresses = [
            {"addressCode": "PLANT", "address": "9 Mill Rd", "address2": "Gate 4", "city": "", "isoCountry": "US"},
            {"address": "no code, made in JAGGAER"},
            {"addressCode": "HQ", "address": "1 Main St", "city": "Austin", "zip": 78701, "isoCountry": "US"},
        ]
        client.suppliers.upsert({"extCode": "S-1", "companyName": "Acme", "addressList": {"address": addresses}})
        client.suppliers.upsert({"extCode": "S-2", "companyName": "Beta", "status": "inactive"})
        simulator.add_company(companyName="Registered in JAGGAER only")
        read = JaggaerSupplierSide(client).read_all()
        stamps = {d.get("extCode"): d["lastModTime"] for d in simulator.companies.collection.documents()}
    assert set(read) == {"S-1", "S-2"}
    plant = AddressView(address_name="PLANT", address_line1="9 Mill Rd", country="US")
    hq = HQ.model_copy(update={"postal_code": "78701"})
    assert read["S-1"].view == SupplierView(supplier_number="S-1", name="Acme", status="ACTIVE", addresses=(hq, plant))
    assert read["S-2"].view == SupplierView(supplier_number="S-2", name="Beta", status="INACTIVE")
    for number in ("S-1", "S-2"):
        assert read[number].changed_at == datetime.fromisoformat(str(stamps[number])).astimezone(UTC)


def test_written_views_read_back_equal_and_keep_members_this_side_does_not_manage() -> None:
    with tenant() as (simulator, _, client):
        side = JaggaerSupplierSide(client)
        side.write(acme(), None)
        assert side.read_all()["S-1"].view == acme()
        # What a user added in JAGGAER that the ERP does not hold: a second address line, a state, an uncoded
        # address, another member of the profile.
        document = stored_company(simulator, "S-1")
        hq, plant = document["addressList"]["address"]  # type: ignore[index]
        uncoded = {"address": "Dock 7"}
        added = {"address": [{**hq, "address2": "Suite 5", "state": "TX"}, plant, uncoded]}
        simulator.edit_company("S-1", addressList=added, type="SELLER")
        current = side.read_all()["S-1"].view
        moved = HQ.model_copy(update={"city": None, "postal_code": "78702"})
        depot = AddressView(address_name="DEPOT", city="Waco")
        changed = acme(name="Acme Holdings", status="INACTIVE", addresses=(depot, moved))
        side.write(changed, current)
        assert side.read_all()["S-1"].view == changed
        stored = stored_company(simulator, "S-1")
    assert stored["type"] == "SELLER" and stored["companyName"] == "Acme Holdings"
    assert stored["addressList"] == {
        "address": [
            {"addressCode": "DEPOT", "city": "Waco"},
            {"addressCode": "HQ", "address": "1 Main St", "address2": "Suite 5", "state": "TX", "zip": "78702"}
            | {"isoCountry": "US"},
            uncoded,
        ]
    }


def test_an_unchanged_view_sends_nothing_and_an_unchanged_write_keeps_the_modified_time() -> None:
    with tenant() as (simulator, _, client):
        side = JaggaerSupplierSide(client)
        side.write(acme(), None)
        before = side.read_all()["S-1"]
        requests = simulator.collection_stats()["suppliers"].requests
        side.write(acme(), before.view)
        assert simulator.collection_stats()["suppliers"].requests == requests
        # A view the tenant already holds, written against a stale `current`: sent, and changes nothing stored.
        side.write(acme(), acme(name="Stale"))
        after = side.read_all()["S-1"]
        stats = simulator.collection_stats()["suppliers"]
        sim_stats = httpx.get(f"{client.connection.api_base_url}/__sim__/stats").json()["suppliers"]
    assert after == before
    assert (stats.writes, stats.unchanged_writes) == (2, 1)
    assert "unchanged_writes" not in sim_stats and sim_stats["writes"] == 2


def test_user_edits_appear_with_a_newer_change_time() -> None:
    with tenant() as (simulator, _, client):
        side = JaggaerSupplierSide(client)
        side.write(acme(), None)
        before = side.read_all()["S-1"]
        simulator.edit_company("S-1", companyName="Acme (renamed in JAGGAER)", status="INACTIVE")
        edited = side.read_all()["S-1"]
        earlier = datetime(2020, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)
        simulator.edit_company("S-1", at=earlier, status=None)
        back_dated = side.read_all()["S-1"]
    assert edited.view == acme(name="Acme (renamed in JAGGAER)", status="INACTIVE")
    assert before.changed_at is not None and edited.changed_at is not None
    assert edited.changed_at > before.changed_at
    assert back_dated == (acme(name="Acme (renamed in JAGGAER)"), earlier)


def test_refusals_and_unreadable_profiles_name_the_record() -> None:
    with tenant() as (simulator, proxy, client):
        side = JaggaerSupplierSide(client)
        proxy.rewrite = on("POST", lambda _: {"returnCode": 50, "returnMessage": "Invalid companyName"})
        with pytest.raises(RequestRejected) as refused:
            side.write(acme(), None)
        proxy.rewrite = None
        client.suppliers.upsert({"extCode": "S-9", "companyName": "Pending Inc", "status": "PENDING"})
        with pytest.raises(RequestRejected, match="company S-9 has status 'PENDING', neither ACTIVE nor INACTIVE"):
            side.read_all()
        simulator.edit_company("S-9", status="ACTIVE", companyName="")
        with pytest.raises(RequestRejected, match="company S-9 cannot be read: name: "):
            side.read_all()
    assert str(refused.value) == "jaggaer: company S-1: company CREATEUPDATE: returnCode 50: Invalid companyName"
    assert refused.value.code == "50"


def test_values_read_write_back_equal_and_follow_user_edits() -> None:
    with tenant(page_size=2) as (simulator, _, client):
        side = cost_centers(client)
        assert (side.field_name, gl_values(client).field_name) == ("Cost Center", "Account")
        for value in ("10", "20", "30"):
            side.write(ValueView(value=value, description=f"Center {value}", enabled=True), None)
        gl_values(client).write(ValueView(value="5000", enabled=True), None)
        first = side.read_all()
        assert {key: record.view for key, record in first.items()} == {
            value: ValueView(value=value, description=f"Center {value}", enabled=True) for value in ("10", "20", "30")
        }
        assert gl_values(client).read_all()["5000"].view == ValueView(value="5000", enabled=True)
        renamed = ValueView(value="10", description="Research", enabled=False)
        side.write(renamed, first["10"].view)
        cleared = ValueView(value="20", enabled=True)
        side.write(cleared, first["20"].view)
        requests = simulator.collection_stats()["custom_field_values"].requests
        side.write(first["30"].view, first["30"].view)
        assert simulator.collection_stats()["custom_field_values"].requests == requests
        second = side.read_all()
        simulator.edit_custom_field_value("Cost Center", "30", description="Edited in JAGGAER", active=False)
        third = side.read_all()
        # The tenant already holds it: counted as a write that changed nothing, its modified time kept.
        side.write(renamed, None)
        fourth = side.read_all()
        stats = simulator.collection_stats()["custom_field_values"]
    assert (second["10"].view, second["20"].view, second["30"]) == (renamed, cleared, first["30"])
    assert third["30"].view == ValueView(value="30", description="Edited in JAGGAER", enabled=False)
    assert third["30"].changed_at is not None and first["30"].changed_at is not None
    assert third["30"].changed_at > first["30"].changed_at
    assert fourth["10"] == second["10"]
    assert stats.unchanged_writes == 1


def test_a_value_of_a_field_the_tenant_lacks_is_refused_naming_it() -> None:
    with (
        tenant() as (_, _, client),
        pytest.raises(RequestRejected, match="custom field 'Fund' value '7' CREATEUPDATE: returnCode 60"),
    ):
        JaggaerValueSide(client, "Fund").write(ValueView(value="7", enabled=True), None)
