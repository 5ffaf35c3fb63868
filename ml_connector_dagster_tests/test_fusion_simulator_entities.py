"""The Fusion simulator's suppliers, invoices, accountCombinationsLOV and valueSets over real HTTP: paging by
offset and by keyset windows, expand of several and nested children, describe, value set lookup, flags in both
formats and coherent seeding."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from ml_connector_dagster.fusion.simulator import FusionSimSettings, FusionSimulator
from ml_connector_dagster.simulation.server import LoopbackServer
from ml_connector_dagster_tests.fusion_pod import (
    END,
    INVOICES,
    LOV,
    ROOT,
    SEGMENTS,
    START,
    SUPPLIERS,
    VALUE_SETS,
    body,
    href,
    open_client,
    read_by_keyset,
    read_by_offset,
    running_pod,
)


@pytest.fixture(scope="module")
def pod() -> Iterator[tuple[FusionSimulator, str]]:
    with running_pod() as running:
        yield running


def test_suppliers_read_by_keyset_windows_and_by_offset_agree(pod: tuple[FusionSimulator, str]) -> None:
    simulator, url = pod
    with open_client(url) as client:
        middle = START + (END - START) / 2
        halves = read_by_keyset(client, SUPPLIERS, START - timedelta(seconds=1), middle)
        halves += read_by_keyset(client, SUPPLIERS, middle, END)
        ordered = read_by_offset(client, SUPPLIERS, {"orderBy": "LastUpdateDate:asc,SupplierId:asc", "limit": 9})
        base = body(client.get(SUPPLIERS, params={"q": "SupplierNumber < '1013'", "orderBy": "SupplierNumber"}))
    assert simulator.stats()["suppliers"] == 42
    assert [item["SupplierId"] for item in halves] == [item["SupplierId"] for item in ordered]
    assert len({item["SupplierId"] for item in halves}) == 42, "the 12 base suppliers were stamped into the window"
    assert [item["SupplierNumber"] for item in base["items"]] == [str(number) for number in range(1001, 1013)]
    assert base["items"][0]["Supplier"] == "Lee Supplies" and base["items"][0]["SupplierId"] == 300100009441125
    assert sum("SupplierNumber" not in item or item["Supplier"] is None for item in ordered) >= 1


def test_invoices_read_by_keyset_windows_match_suppliers_orders_and_accounts(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with open_client(url) as client:
        invoices = read_by_keyset(client, INVOICES, START - timedelta(seconds=1), END, limit=11)
        full = read_by_offset(
            client,
            INVOICES,
            {"orderBy": "LastUpdateDate:asc,InvoiceId:asc", "limit": 25, "expand": "invoiceLines.invoiceDistributions"},
        )
        suppliers = {
            item["SupplierNumber"]: item["Supplier"]
            for item in read_by_offset(client, SUPPLIERS, {"orderBy": "SupplierId", "limit": 50})
            if "SupplierNumber" in item
        }
        orders = read_by_offset(client, f"{ROOT}/purchaseOrders", {"orderBy": "POHeaderId", "limit": 200})
        lov = read_by_offset(client, LOV, {"orderBy": "_CODE_COMBINATION_ID:asc", "limit": 50})
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
    with open_client(url) as client:
        lov = read_by_offset(client, LOV, {"orderBy": "_CODE_COMBINATION_ID:asc", "limit": 40})
        orders = read_by_offset(
            client,
            f"{ROOT}/purchaseOrders",
            {"orderBy": "POHeaderId", "limit": 100, "expand": "lines.schedules.distributions"},
        )
        cost_centers = body(client.get(f"{VALUE_SETS}/CORP_COST_CENTER/child/values", params={"limit": 100}))
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
    with open_client(url) as client:
        found = body(client.get(VALUE_SETS, params={"q": "ValueSetCode='CORP_COST_CENTER'"}))
        assert found["count"] == 1 and found["items"][0]["ValueSetCode"] == "CORP_COST_CENTER"
        values_href = f"{href(found['items'][0], 'valueSets')}/child/values"
        values = read_by_offset(client, values_href, {"orderBy": "Value:asc", "limit": 2})
        by_code = body(client.get(f"{VALUE_SETS}/CORP_COST_CENTER"))
        by_id = body(client.get(f"{VALUE_SETS}/{found['items'][0]['ValueSetId']}"))
        disabled = body(client.get(values_href, params={"q": "EnabledFlag = false"}))
        assert client.get(f"{VALUE_SETS}/NO_SUCH_SET").status_code == 404
        v1 = client.get(VALUE_SETS, params={"q": "ValueSetCode=CORP_ACCOUNT"}, headers={"REST-Framework-Version": "1"})
    assert [item["Value"] for item in values] == ["10", "20", "30", "40", "90"]
    assert by_code["ValueSetId"] == by_id["ValueSetId"] == found["items"][0]["ValueSetId"]
    assert href(by_code, "valueSets") == href(by_id, "valueSets"), "links name the item by its id"
    assert [item["Value"] for item in disabled["items"]] == ["90"]
    assert [item["ValueSetCode"] for item in body(v1)["items"]] == ["CORP_ACCOUNT"]


def test_describe_lists_every_resource_and_its_children(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with open_client(url) as client:
        suppliers = body(client.get(f"{SUPPLIERS}/describe"))["Resources"]["suppliers"]
        invoices = body(client.get(f"{INVOICES}/describe"))["Resources"]["invoices"]
        lov = body(client.get(f"{LOV}/describe"))["Resources"]["accountCombinationsLOV"]
        value_sets = body(client.get(f"{VALUE_SETS}/describe"))["Resources"]["valueSets"]
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
    with LoopbackServer(simulator.app) as server, open_client(server.url) as client:
        items = read_by_offset(client, SUPPLIERS, {"orderBy": "SupplierId", "expand": "sites,addresses", "limit": 50})
        lee = next(item for item in items if item["Supplier"] == "Lee Supplies")
        addresses = read_by_offset(client, href(lee["addresses"], "addresses"), {"orderBy": "SupplierAddressId"})
        site = lee["sites"]["items"][0]
        item = body(client.get(href(site, "sites")))
    assert len(items) == 32
    assert lee["addresses"]["hasMore"] is True and lee["addresses"]["count"] == 1 and len(addresses) == 2
    assert site["SupplierAddressId"] in {address["SupplierAddressId"] for address in addresses}
    assert href(site, "sites").endswith(f"/suppliers/{lee['SupplierId']}/child/sites/{site['SupplierSiteId']}")
    assert item["SupplierSite"] == "LEE US1" and "SupplierId" not in item
    assert any(item["sites"]["hasMore"] for item in items), "some seeded supplier has several sites"


def test_expand_invoice_lines_with_distributions_pages_a_large_collection() -> None:
    simulator = FusionSimulator()
    simulator.seed_invoices(8, START, END, max_lines=60)
    with LoopbackServer(simulator.app) as server, open_client(server.url) as client:
        expand = {"expand": "invoiceLines.invoiceDistributions", "orderBy": "InvoiceId"}
        invoices = body(client.get(INVOICES, params=expand))["items"]
        big = max(invoices, key=lambda invoice: int(invoice["invoiceLines"]["hasMore"]))
        lines = read_by_offset(
            client,
            href(big["invoiceLines"], "invoiceLines"),
            {"orderBy": "LineNumber", "expand": "invoiceDistributions"},
        )
        found = body(client.get(INVOICES, params={"finder": f"PrimaryKey;InvoiceId={big['InvoiceId']}"}))
    assert big["invoiceLines"]["hasMore"] is True and big["invoiceLines"]["count"] == 25
    assert [line["LineNumber"] for line in lines] == list(range(1, len(lines) + 1)) and len(lines) > 25
    assert sum(line["LineAmount"] for line in lines) == big["InvoiceAmount"]
    assert all(line["invoiceDistributions"]["count"] >= 1 for line in lines)
    item_href = href(found["items"][0], "invoices")
    assert str(big["InvoiceId"]) not in item_href, "invoices are addressed by an opaque UniqID"


def test_flags_follow_the_flag_format_setting() -> None:
    simulator = FusionSimulator(FusionSimSettings(flag_format="yn"))
    simulator.seed_invoices(10, START, END, canceled=3)
    with LoopbackServer(simulator.app) as server, open_client(server.url) as client:
        invoices = read_by_offset(client, INVOICES, {"orderBy": "InvoiceId"})
        canceled = body(client.get(INVOICES, params={"q": "CanceledFlag = 'Y'", "orderBy": "InvoiceId"}))
        disabled = body(client.get(LOV, params={"q": "EnabledFlag='N'", "limit": 100}))
        described = body(client.get(f"{INVOICES}/describe"))["Resources"]["invoices"]["attributes"]
        simulator.settings.flag_format = "boolean"
        booleans = body(client.get(INVOICES, params={"q": "CanceledFlag = true"}))
    assert sorted(item["CanceledFlag"] for item in invoices) == ["N"] * 7 + ["Y"] * 3
    assert [item["InvoiceAmount"] for item in canceled["items"]] == [Decimal("0.00")] * 3
    assert {item["EnabledFlag"] for item in disabled["items"]} == {"N"} and disabled["count"] == 24
    assert {"name": "CanceledFlag", "type": "string", "queryable": True} in described
    assert {item["CanceledFlag"] for item in booleans["items"]} == {True} and booleans["count"] == 3


def test_seeding_counts_unmapped_canceled_and_malformed(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with open_client(url) as client:
        invoices = read_by_offset(
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
