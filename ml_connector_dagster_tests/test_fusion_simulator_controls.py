"""The Fusion simulator's suppliers, invoices, account combinations and cost centers steered over real HTTP:
touches, enabling and disabling, the per-resource knobs, the seed routes and the stats."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ml_connector_dagster.fusion.simulator import FusionSimSettings, FusionSimulator
from ml_connector_dagster.simulation.server import LoopbackServer
from ml_connector_dagster_tests.fusion_pod import (
    END,
    INVOICES,
    LOV,
    START,
    SUPPLIERS,
    VALUE_SETS,
    body,
    href,
    open_client,
    read_by_keyset,
    read_by_offset,
    running_pod,
    stamp,
)


@pytest.fixture(scope="module")
def pod() -> Iterator[tuple[FusionSimulator, str]]:
    with running_pod() as running:
        yield running


def test_touch_moves_suppliers_and_invoices_to_a_later_window_over_http() -> None:
    simulator = FusionSimulator()
    simulator.seed_suppliers(5, START, END)
    simulator.seed_invoices(5, START, END)
    later = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
    with LoopbackServer(simulator.app) as server, open_client(server.url) as client:
        supplier = read_by_keyset(client, SUPPLIERS, START - timedelta(seconds=1), END)[0]
        invoice = read_by_keyset(client, INVOICES, START - timedelta(seconds=1), END)[0]
        touched = [
            httpx.post(
                f"{server.url}/__sim__/suppliers/{supplier['SupplierId']}/touch", json={"at": later.isoformat()}
            ),
            httpx.post(f"{server.url}/__sim__/invoices/{invoice['InvoiceId']}/touch", json={"at": later.isoformat()}),
        ]
        assert [response.json()["LastUpdateDate"] for response in touched] == ["2026-04-02T09:30:00.000+00:00"] * 2
        assert httpx.post(f"{server.url}/__sim__/invoices/1/touch").status_code == 404
        old = {item["SupplierId"] for item in read_by_keyset(client, SUPPLIERS, START - timedelta(seconds=1), END)}
        moved = read_by_keyset(client, SUPPLIERS, END, later + timedelta(days=1))
        moved_invoice = read_by_keyset(client, INVOICES, END, later + timedelta(days=1))
        addresses = f"{SUPPLIERS}/{supplier['SupplierId']}/child/addresses"
        address = body(client.get(addresses, params={"orderBy": "SupplierAddressId"}))["items"][0]
        lines = body(client.get(href(moved_invoice[0], "invoiceLines"), params={"orderBy": "LineNumber"}))
    assert supplier["SupplierId"] not in old and [item["SupplierId"] for item in moved] == [supplier["SupplierId"]]
    assert [item["InvoiceId"] for item in moved_invoice] == [invoice["InvoiceId"]]
    assert address["AddressLine2"] == "Suite 101" and lines["items"][0]["Description"].endswith(" (rev 1)")


def test_accounts_and_cost_centers_are_enabled_and_disabled_over_http() -> None:
    simulator = FusionSimulator()
    with LoopbackServer(simulator.app) as server, open_client(server.url) as client:
        account = body(client.get(LOV, params={"q": "_SEGMENT1='101' and _SEGMENT2='10'", "limit": 1}))["items"][0]
        control = f"{server.url}/__sim__"
        ccid = account["_CODE_COMBINATION_ID"]
        assert httpx.put(f"{control}/account-combinations/{ccid}/enabled", json={"enabled": False}).status_code == 200
        assert httpx.put(f"{control}/cost-centers/20/enabled", json={"enabled": False}).status_code == 200
        assert httpx.put(f"{control}/cost-centers/95/enabled", json={"enabled": True}).status_code == 404
        assert httpx.put(f"{control}/account-combinations/1/enabled", json={"enabled": True}).status_code == 404
        assert httpx.put(f"{control}/cost-centers/20/enabled", json={"enabled": "maybe"}).status_code == 400
        again = body(client.get(f"{LOV}/{ccid}"))
        values = body(client.get(f"{VALUE_SETS}/CORP_COST_CENTER/child/values", params={"q": "Value='20'"}))
    assert again["EnabledFlag"] is False and values["items"][0]["EnabledFlag"] is False


def test_cost_center_value_set_code_is_a_setting() -> None:
    simulator = FusionSimulator(FusionSimSettings(cost_center_value_set="XX_CC"))
    simulator.set_cost_center_enabled("10", False)
    with LoopbackServer(simulator.app) as server, open_client(server.url) as client:
        codes = [
            item["ValueSetCode"] for item in body(client.get(VALUE_SETS, params={"orderBy": "ValueSetId"}))["items"]
        ]
        values = body(client.get(f"{VALUE_SETS}/XX_CC/child/values", params={"orderBy": "ValueId:asc"}))["items"]
    assert codes == ["CORP_COMPANY", "XX_CC", "CORP_ACCOUNT"] and values[0]["EnabledFlag"] is False


def test_edits_during_read_apply_to_invoice_windows() -> None:
    simulator = FusionSimulator(FusionSimSettings(edits_during_read=2))
    simulator.seed_invoices(40, START, END)
    with LoopbackServer(simulator.app) as server, open_client(server.url) as client:
        window = f"LastUpdateDate > '{stamp(START - timedelta(seconds=1))}' and LastUpdateDate <= '{stamp(END)}'"
        by_offset = read_by_offset(
            client, INVOICES, {"q": window, "orderBy": "LastUpdateDate:asc,InvoiceId:asc", "limit": 8}
        )
    assert len({item["InvoiceId"] for item in by_offset}) < 40, "edited rows left the window and shifted offsets"


def test_missing_and_renamed_attributes_work_for_every_resource() -> None:
    settings = FusionSimSettings(
        missing_attributes={"sites": ["InactiveDate"], "accountCombinationsLOV": ["AccountType"]},
        renamed_attributes={
            "invoices": {"InvoiceAmount": "InvoiceTotal"},
            "invoiceDistributions": {"DistributionCombination": "Account"},
        },
    )
    simulator = FusionSimulator(settings)
    simulator.seed_suppliers(2, START, END)
    simulator.seed_invoices(4, START, END)
    with LoopbackServer(simulator.app) as server, open_client(server.url) as client:
        supplier = body(client.get(SUPPLIERS, params={"expand": "sites", "limit": 1, "orderBy": "SupplierId"}))[
            "items"
        ][0]
        invoice = body(
            client.get(INVOICES, params={"orderBy": "InvoiceTotal:desc", "expand": "invoiceLines.invoiceDistributions"})
        )["items"][0]
        refused = client.get(LOV, params={"q": "AccountType='E'"})
        assert client.get(INVOICES, params={"q": "InvoiceAmount > 0"}).status_code == 400
    assert "InactiveDate" not in supplier["sites"]["items"][0] and "InvoiceAmount" not in invoice
    distribution = invoice["invoiceLines"]["items"][0]["invoiceDistributions"]["items"][0]
    assert "Account" in distribution and "DistributionCombination" not in distribution
    assert refused.status_code == 400 and "not recognized" in refused.json()["o:errorDetails"][0]["detail"]
    with pytest.raises(ValueError, match="cannot lack its key"):
        FusionSimSettings(missing_attributes={"suppliers": ["SupplierId"]})


def test_seed_routes_take_their_counts_and_refuse_nonsense() -> None:
    simulator = FusionSimulator()
    with LoopbackServer(simulator.app) as server:
        window = {"start": "2026-06-01T00:00:00Z", "end": "2026-06-02T00:00:00Z"}
        suppliers = httpx.post(f"{server.url}/__sim__/suppliers/seed", json={**window, "count": 0})
        again = httpx.post(f"{server.url}/__sim__/suppliers/seed", json={**window, "count": 0})
        invoices = httpx.post(
            f"{server.url}/__sim__/invoices/seed",
            json={**window, "count": 6, "unmapped": 2, "canceled": 2, "malformed": 2},
        )
        too_many = httpx.post(f"{server.url}/__sim__/invoices/seed", json={**window, "count": 2, "canceled": 3})
        naive = httpx.post(f"{server.url}/__sim__/invoices/seed", json={"count": 2, "start": "2026-06-01T00:00:00"})
    assert suppliers.status_code == 200 and suppliers.json()["restamped"] == 12 and suppliers.json()["created"] == 0
    assert again.status_code == 400, "nothing left to seed"
    assert invoices.json() | {"first_update": None, "last_update": None} == {
        "created": 6,
        "malformed": 2,
        "unmapped": 2,
        "canceled": 2,
        "first_update": None,
        "last_update": None,
    }
    assert too_many.status_code == naive.status_code == 400
    assert simulator.stats()["invoices"] == 6 and simulator.stats()["suppliers"] == 12


def test_stats_count_records_and_collection_requests_per_resource(pod: tuple[FusionSimulator, str]) -> None:
    simulator, url = pod
    before = simulator.stats()
    with open_client(url) as client:
        body(client.get(SUPPLIERS, params={"limit": 1}))
        body(client.get(LOV, params={"limit": 1}))
        body(client.get(f"{VALUE_SETS}/CORP_COST_CENTER/child/values"))
    after = simulator.stats()
    assert (after["suppliers"], after["invoices"], after["account_combinations"], after["value_sets"]) == (
        42,
        80,
        144,
        3,
    )
    grew = {name for name in after if after[name] != before[name]}
    assert grew == {
        "requests",
        "supplier_collection_requests",
        "account_combination_collection_requests",
        "child_collection_requests",
    }
