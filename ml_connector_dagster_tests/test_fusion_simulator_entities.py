"""The Fusion simulator's suppliers, invoices, accountCombinationsLOV and valueSets over real HTTP: paging by
offset and by keyset windows, expand of several and nested children, describe, value set lookup, flags in both
formats, coherent seeding, touches and the per-resource knobs."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ml_connector_dagster.fusion.simulator import FusionSimSettings, FusionSimulator
from ml_connector_dagster.simulation.server import LoopbackServer

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 3, 15, tzinfo=UTC)
ROOT = "/fscmRestApi/resources/11.13.18.05"
SUPPLIERS, INVOICES = f"{ROOT}/suppliers", f"{ROOT}/invoices"
LOV, VALUE_SETS = f"{ROOT}/accountCombinationsLOV", f"{ROOT}/valueSets"
KEYS = {SUPPLIERS: "SupplierId", INVOICES: "InvoiceId"}
SEGMENTS = [f"_SEGMENT{number}" for number in range(1, 7)]


def _body(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def _client(url: str) -> httpx.Client:
    headers = {"Accept": "application/json", "REST-Framework-Version": "4"}
    return httpx.Client(base_url=url, auth=("integration.user", "Welcome1"), headers=headers, timeout=10)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _by_offset(client: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = _body(client.get(path, params={**params, "offset": len(items)}))
        items.extend(page["items"])
        if not page["hasMore"]:
            return items


def _by_keyset(client: httpx.Client, path: str, lo: datetime, hi: datetime, limit: int = 7) -> list[dict[str, Any]]:
    """A window read as the connector reads it: (LastUpdateDate, key) keyset pages, never an offset."""
    key = KEYS[path]
    window = f"LastUpdateDate <= '{_stamp(hi)}'"
    after = f"LastUpdateDate > '{_stamp(lo)}'"
    items: list[dict[str, Any]] = []
    while True:
        params = {"q": f"({after}) and {window}", "orderBy": f"LastUpdateDate:asc,{key}:asc", "limit": limit}
        page = _body(client.get(path, params=params))
        items.extend(page["items"])
        if not page["hasMore"]:
            return items
        last = page["items"][-1]
        at = last["LastUpdateDate"]
        after = f"LastUpdateDate > '{at}' or (LastUpdateDate = '{at}' and {key} > {last[key]})"


def _href(item: dict[str, Any], name: str) -> str:
    return next(link["href"] for link in item["links"] if link["name"] == name)


@pytest.fixture(scope="module")
def pod() -> Iterator[tuple[FusionSimulator, str]]:
    """Read-only: 150 orders, 30 more suppliers (2 malformed), 80 invoices (3 malformed, 4 unmapped, 5 canceled)."""
    simulator = FusionSimulator()
    simulator.seed_purchase_orders(150, START, END)
    simulator.seed_suppliers(30, START, END, malformed=2)
    simulator.seed_invoices(80, START, END, malformed=3, unmapped=4, canceled=5)
    with LoopbackServer(simulator.app) as server:
        yield simulator, server.url


def test_suppliers_read_by_keyset_windows_and_by_offset_agree(pod: tuple[FusionSimulator, str]) -> None:
    simulator, url = pod
    with _client(url) as client:
        middle = START + (END - START) / 2
        halves = _by_keyset(client, SUPPLIERS, START - timedelta(seconds=1), middle)
        halves += _by_keyset(client, SUPPLIERS, middle, END)
        ordered = _by_offset(client, SUPPLIERS, {"orderBy": "LastUpdateDate:asc,SupplierId:asc", "limit": 9})
        base = _body(client.get(SUPPLIERS, params={"q": "SupplierNumber < '1013'", "orderBy": "SupplierNumber"}))
    assert simulator.stats()["suppliers"] == 42
    assert [item["SupplierId"] for item in halves] == [item["SupplierId"] for item in ordered]
    assert len({item["SupplierId"] for item in halves}) == 42, "the 12 base suppliers were stamped into the window"
    assert [item["SupplierNumber"] for item in base["items"]] == [str(number) for number in range(1001, 1013)]
    assert base["items"][0]["Supplier"] == "Lee Supplies" and base["items"][0]["SupplierId"] == 300100009441125
    assert sum("SupplierNumber" not in item or item["Supplier"] is None for item in ordered) >= 1


def test_invoices_read_by_keyset_windows_match_suppliers_orders_and_accounts(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with _client(url) as client:
        invoices = _by_keyset(client, INVOICES, START - timedelta(seconds=1), END, limit=11)
        full = _by_offset(
            client,
            INVOICES,
            {"orderBy": "LastUpdateDate:asc,InvoiceId:asc", "limit": 25, "expand": "invoiceLines.invoiceDistributions"},
        )
        suppliers = {
            item["SupplierNumber"]: item["Supplier"]
            for item in _by_offset(client, SUPPLIERS, {"orderBy": "SupplierId", "limit": 50})
            if "SupplierNumber" in item
        }
        orders = _by_offset(client, f"{ROOT}/purchaseOrders", {"orderBy": "POHeaderId", "limit": 200})
        lov = _by_offset(client, LOV, {"orderBy": "_CODE_COMBINATION_ID:asc", "limit": 50})
    assert [item["InvoiceId"] for item in invoices] == [item["InvoiceId"] for item in full] and len(full) == 80
    combinations = {".".join(item[name] for name in SEGMENTS): item for item in lov}
    order_numbers = {order["OrderNumber"]: order["Supplier"] for order in orders}
    matched = 0
    for invoice in full:
        if invoice.get("SupplierNumber") is not None:
            assert suppliers[invoice["SupplierNumber"]] == invoice["Supplier"]
        for line in invoice["invoiceLines"]["items"]:
            distributions = line["invoiceDistributions"]["items"]
            assert sum(item["DistributionAmount"] for item in distributions) == line["LineAmount"]
            assert all(combinations[item["DistributionCombination"]]["EnabledFlag"] is True for item in distributions)
            if line["PurchaseOrderNumber"] is not None:
                matched += 1
                assert order_numbers[line["PurchaseOrderNumber"]] == invoice["Supplier"]
    assert matched > 10, "lines are matched to seeded orders of the same supplier"


def test_every_charged_account_is_in_the_lov_with_the_orders_id(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with _client(url) as client:
        lov = _by_offset(client, LOV, {"orderBy": "_CODE_COMBINATION_ID:asc", "limit": 40})
        orders = _by_offset(
            client,
            f"{ROOT}/purchaseOrders",
            {"orderBy": "POHeaderId", "limit": 100, "expand": "lines.schedules.distributions"},
        )
        cost_centers = _body(client.get(f"{VALUE_SETS}/CORP_COST_CENTER/child/values", params={"limit": 100}))
    ids = {".".join(item[name] for name in SEGMENTS): item["_CODE_COMBINATION_ID"] for item in lov}
    assert [item["_CODE_COMBINATION_ID"] for item in lov] == sorted(ids.values()) and len(lov) == 144
    charged = {
        (distribution["POChargeAccount"], distribution["POChargeAccountId"])
        for order in orders
        for line in order["lines"]["items"]
        for schedule in line["schedules"]["items"]
        for distribution in schedule["distributions"]["items"]
    }
    assert all(ids[account] == account_id for account, account_id in charged)
    values = {item["Value"]: item["EnabledFlag"] for item in cost_centers["items"]}
    assert values == {"10": True, "20": True, "30": True, "40": True, "90": False}
    enabled_centers = {item["_SEGMENT2"] for item in lov if item["EnabledFlag"]}
    assert enabled_centers - set(values) == {"95"}, "only the unmapped cost center is missing from the value set"
    assert {item["_SEGMENT2"] for item in lov if not item["EnabledFlag"]} == {"90"}


def test_value_set_lookup_by_code_then_its_values(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with _client(url) as client:
        found = _body(client.get(VALUE_SETS, params={"q": "ValueSetCode='CORP_COST_CENTER'"}))
        assert found["count"] == 1 and found["items"][0]["ValueSetCode"] == "CORP_COST_CENTER"
        values_href = f"{_href(found['items'][0], 'valueSets')}/child/values"
        values = _by_offset(client, values_href, {"orderBy": "Value:asc", "limit": 2})
        by_code = _body(client.get(f"{VALUE_SETS}/CORP_COST_CENTER"))
        by_id = _body(client.get(f"{VALUE_SETS}/{found['items'][0]['ValueSetId']}"))
        disabled = _body(client.get(values_href, params={"q": "EnabledFlag = false"}))
        assert client.get(f"{VALUE_SETS}/NO_SUCH_SET").status_code == 404
        v1 = client.get(VALUE_SETS, params={"q": "ValueSetCode=CORP_ACCOUNT"}, headers={"REST-Framework-Version": "1"})
    assert [item["Value"] for item in values] == ["10", "20", "30", "40", "90"]
    assert by_code["ValueSetId"] == by_id["ValueSetId"] == found["items"][0]["ValueSetId"]
    assert _href(by_code, "valueSets") == _href(by_id, "valueSets"), "links name the item by its id"
    assert [item["Value"] for item in disabled["items"]] == ["90"]
    assert [item["ValueSetCode"] for item in _body(v1)["items"]] == ["CORP_ACCOUNT"]


def test_describe_lists_every_resource_and_its_children(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with _client(url) as client:
        suppliers = _body(client.get(f"{SUPPLIERS}/describe"))["Resources"]["suppliers"]
        invoices = _body(client.get(f"{INVOICES}/describe"))["Resources"]["invoices"]
        lov = _body(client.get(f"{LOV}/describe"))["Resources"]["accountCombinationsLOV"]
        value_sets = _body(client.get(f"{VALUE_SETS}/describe"))["Resources"]["valueSets"]
    assert suppliers["key"] == "SupplierId" and set(suppliers["children"]) == {"sites", "addresses"}
    assert "SupplierId" not in [a["name"] for a in suppliers["children"]["sites"]["attributes"]]
    lines = invoices["children"]["invoiceLines"]
    assert set(lines["children"]) == {"invoiceDistributions"}
    assert {"name": "CanceledFlag", "type": "boolean", "queryable": True} in invoices["attributes"]
    assert lov["key"] == "_CODE_COMBINATION_ID" and [a["name"] for a in lov["attributes"]][-6:] == SEGMENTS
    assert value_sets["children"]["values"]["key"] == "ValueId"


def test_expand_both_supplier_children_paged_with_has_more() -> None:
    simulator = FusionSimulator(FusionSimSettings(default_limit=1))
    simulator.seed_suppliers(20, START, END)
    with LoopbackServer(simulator.app) as server, _client(server.url) as client:
        items = _by_offset(client, SUPPLIERS, {"orderBy": "SupplierId", "expand": "sites,addresses", "limit": 50})
        lee = next(item for item in items if item["Supplier"] == "Lee Supplies")
        addresses = _by_offset(client, _href(lee["addresses"], "addresses"), {"orderBy": "SupplierAddressId"})
        site = lee["sites"]["items"][0]
        item = _body(client.get(_href(site, "sites")))
    assert len(items) == 32
    assert lee["addresses"]["hasMore"] is True and lee["addresses"]["count"] == 1 and len(addresses) == 2
    assert site["SupplierAddressId"] in {address["SupplierAddressId"] for address in addresses}
    assert _href(site, "sites").endswith(f"/suppliers/{lee['SupplierId']}/child/sites/{site['SupplierSiteId']}")
    assert item["SupplierSite"] == "LEE US1" and "SupplierId" not in item
    assert any(item["sites"]["hasMore"] for item in items), "some seeded supplier has several sites"


def test_expand_invoice_lines_with_distributions_pages_a_large_collection() -> None:
    simulator = FusionSimulator()
    simulator.seed_invoices(8, START, END, max_lines=60)
    with LoopbackServer(simulator.app) as server, _client(server.url) as client:
        expand = {"expand": "invoiceLines.invoiceDistributions", "orderBy": "InvoiceId"}
        invoices = _body(client.get(INVOICES, params=expand))["items"]
        big = max(invoices, key=lambda invoice: int(invoice["invoiceLines"]["hasMore"]))
        lines = _by_offset(
            client,
            _href(big["invoiceLines"], "invoiceLines"),
            {"orderBy": "LineNumber", "expand": "invoiceDistributions"},
        )
        found = _body(client.get(INVOICES, params={"finder": f"PrimaryKey;InvoiceId={big['InvoiceId']}"}))
    assert big["invoiceLines"]["hasMore"] is True and big["invoiceLines"]["count"] == 25
    assert [line["LineNumber"] for line in lines] == list(range(1, len(lines) + 1)) and len(lines) > 25
    assert sum(line["LineAmount"] for line in lines) == big["InvoiceAmount"]
    assert all(line["invoiceDistributions"]["count"] >= 1 for line in lines)
    item_href = _href(found["items"][0], "invoices")
    assert str(big["InvoiceId"]) not in item_href, "invoices are addressed by an opaque UniqID"


def test_flags_follow_the_flag_format_setting() -> None:
    simulator = FusionSimulator(FusionSimSettings(flag_format="yn"))
    simulator.seed_invoices(10, START, END, canceled=3)
    with LoopbackServer(simulator.app) as server, _client(server.url) as client:
        invoices = _by_offset(client, INVOICES, {"orderBy": "InvoiceId"})
        canceled = _body(client.get(INVOICES, params={"q": "CanceledFlag = 'Y'", "orderBy": "InvoiceId"}))
        disabled = _body(client.get(LOV, params={"q": "EnabledFlag='N'", "limit": 100}))
        described = _body(client.get(f"{INVOICES}/describe"))["Resources"]["invoices"]["attributes"]
        simulator.settings.flag_format = "boolean"
        booleans = _body(client.get(INVOICES, params={"q": "CanceledFlag = true"}))
    assert sorted(item["CanceledFlag"] for item in invoices) == ["N"] * 7 + ["Y"] * 3
    assert [item["InvoiceAmount"] for item in canceled["items"]] == [Decimal("0.00")] * 3
    assert {item["EnabledFlag"] for item in disabled["items"]} == {"N"} and disabled["count"] == 24
    assert {"name": "CanceledFlag", "type": "string", "queryable": True} in described
    assert {item["CanceledFlag"] for item in booleans["items"]} == {True} and booleans["count"] == 3


def test_seeding_counts_unmapped_canceled_and_malformed(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with _client(url) as client:
        invoices = _by_offset(
            client, INVOICES, {"orderBy": "InvoiceId", "limit": 100, "expand": "invoiceLines.invoiceDistributions"}
        )
    unmapped = [
        invoice
        for invoice in invoices
        if any(
            distribution["DistributionCombination"].split(".")[1] == "95"
            for line in invoice["invoiceLines"]["items"]
            for distribution in line["invoiceDistributions"]["items"]
        )
    ]
    canceled = [invoice for invoice in invoices if invoice["CanceledFlag"] is True]
    malformed = [
        invoice
        for invoice in invoices
        if "InvoiceCurrency" not in invoice
        or invoice["SupplierNumber"] is None
        or invoice["InvoiceDate"] == "2026-02-30"
        or not isinstance(invoice["InvoiceAmount"], Decimal)
        or invoice["InvoiceNumber"] is None
    ]
    assert (len(unmapped), len(canceled), len(malformed)) == (4, 5, 3)
    assert all(invoice["InvoiceAmount"] == 0 for invoice in canceled)
    assert not {invoice["InvoiceId"] for invoice in unmapped} & {invoice["InvoiceId"] for invoice in canceled}


def test_touch_moves_suppliers_and_invoices_to_a_later_window_over_http() -> None:
    simulator = FusionSimulator()
    simulator.seed_suppliers(5, START, END)
    simulator.seed_invoices(5, START, END)
    later = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)
    with LoopbackServer(simulator.app) as server, _client(server.url) as client:
        supplier = _by_keyset(client, SUPPLIERS, START - timedelta(seconds=1), END)[0]
        invoice = _by_keyset(client, INVOICES, START - timedelta(seconds=1), END)[0]
        touched = [
            httpx.post(
                f"{server.url}/__sim__/suppliers/{supplier['SupplierId']}/touch", json={"at": later.isoformat()}
            ),
            httpx.post(f"{server.url}/__sim__/invoices/{invoice['InvoiceId']}/touch", json={"at": later.isoformat()}),
        ]
        assert [response.json()["LastUpdateDate"] for response in touched] == ["2026-04-02T09:30:00.000+00:00"] * 2
        assert httpx.post(f"{server.url}/__sim__/invoices/1/touch").status_code == 404
        old = {item["SupplierId"] for item in _by_keyset(client, SUPPLIERS, START - timedelta(seconds=1), END)}
        moved = _by_keyset(client, SUPPLIERS, END, later + timedelta(days=1))
        moved_invoice = _by_keyset(client, INVOICES, END, later + timedelta(days=1))
        addresses = f"{SUPPLIERS}/{supplier['SupplierId']}/child/addresses"
        address = _body(client.get(addresses, params={"orderBy": "SupplierAddressId"}))["items"][0]
        lines = _body(client.get(_href(moved_invoice[0], "invoiceLines"), params={"orderBy": "LineNumber"}))
    assert supplier["SupplierId"] not in old and [item["SupplierId"] for item in moved] == [supplier["SupplierId"]]
    assert [item["InvoiceId"] for item in moved_invoice] == [invoice["InvoiceId"]]
    assert address["AddressLine2"] == "Suite 101" and lines["items"][0]["Description"].endswith(" (rev 1)")


def test_accounts_and_cost_centers_are_enabled_and_disabled_over_http() -> None:
    simulator = FusionSimulator()
    with LoopbackServer(simulator.app) as server, _client(server.url) as client:
        account = _body(client.get(LOV, params={"q": "_SEGMENT1='101' and _SEGMENT2='10'", "limit": 1}))["items"][0]
        control = f"{server.url}/__sim__"
        ccid = account["_CODE_COMBINATION_ID"]
        assert httpx.put(f"{control}/account-combinations/{ccid}/enabled", json={"enabled": False}).status_code == 200
        assert httpx.put(f"{control}/cost-centers/20/enabled", json={"enabled": False}).status_code == 200
        assert httpx.put(f"{control}/cost-centers/95/enabled", json={"enabled": True}).status_code == 404
        assert httpx.put(f"{control}/account-combinations/1/enabled", json={"enabled": True}).status_code == 404
        assert httpx.put(f"{control}/cost-centers/20/enabled", json={"enabled": "maybe"}).status_code == 400
        again = _body(client.get(f"{LOV}/{ccid}"))
        values = _body(client.get(f"{VALUE_SETS}/CORP_COST_CENTER/child/values", params={"q": "Value='20'"}))
    assert again["EnabledFlag"] is False and values["items"][0]["EnabledFlag"] is False


def test_cost_center_value_set_code_is_a_setting() -> None:
    simulator = FusionSimulator(FusionSimSettings(cost_center_value_set="XX_CC"))
    simulator.set_cost_center_enabled("10", False)
    with LoopbackServer(simulator.app) as server, _client(server.url) as client:
        codes = [
            item["ValueSetCode"] for item in _body(client.get(VALUE_SETS, params={"orderBy": "ValueSetId"}))["items"]
        ]
        values = _body(client.get(f"{VALUE_SETS}/XX_CC/child/values", params={"orderBy": "ValueId:asc"}))["items"]
    assert codes == ["CORP_COMPANY", "XX_CC", "CORP_ACCOUNT"] and values[0]["EnabledFlag"] is False


def test_edits_during_read_apply_to_invoice_windows() -> None:
    simulator = FusionSimulator(FusionSimSettings(edits_during_read=2))
    simulator.seed_invoices(40, START, END)
    with LoopbackServer(simulator.app) as server, _client(server.url) as client:
        window = f"LastUpdateDate > '{_stamp(START - timedelta(seconds=1))}' and LastUpdateDate <= '{_stamp(END)}'"
        by_offset = _by_offset(
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
    with LoopbackServer(simulator.app) as server, _client(server.url) as client:
        supplier = _body(client.get(SUPPLIERS, params={"expand": "sites", "limit": 1, "orderBy": "SupplierId"}))[
            "items"
        ][0]
        invoice = _body(
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
    with _client(url) as client:
        _body(client.get(SUPPLIERS, params={"limit": 1}))
        _body(client.get(LOV, params={"limit": 1}))
        _body(client.get(f"{VALUE_SETS}/CORP_COST_CENTER/child/values"))
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
