"""Suppliers and invoices read window by window, GL accounts and cost centers read whole, from the simulated pod
over loopback: children complete, malformed records quarantined naming the attribute, flags in both formats."""

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import httpx
import pytest

from ml_connector_dagster.cli.simulators import LocalSimulators, running_simulators
from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.connection import FusionConnection
from ml_connector_dagster.fusion.feeds import (
    FusionCostCenterFeed,
    FusionGLAccountFeed,
    FusionInvoiceFeed,
    FusionSupplierFeed,
)
from ml_connector_dagster.fusion.links import link
from ml_connector_dagster.fusion.reference import CostCenterMapping, GLAccountMapping
from ml_connector_dagster.fusion.simulator import FusionSimSettings
from ml_connector_dagster.http.errors import CheckFailed
from ml_connector_dagster.records import InvalidRecord
from ml_connector_dagster.store import AuditStatus, Store
from ml_connector_dagster.sync.pull import Pull

from .conftest import hours_ago

LO, HI = hours_ago(3), hours_ago(2)


def client_of(sims: LocalSimulators, **settings: Any) -> FusionClient:
    """The connector's client on the pod, as a local user (HTTP Basic), with the given connection settings."""
    connection = FusionConnection(
        base_url=sims.fusion_url, auth="basic", username="integration.user", password="Welcome1", **settings
    )
    return FusionClient(connection)


def pod(sims: LocalSimulators) -> httpx.Client:
    """The pod asked directly, as a person checking it would."""
    return httpx.Client(
        base_url=f"{sims.fusion_url}/fscmRestApi/resources/11.13.18.05",
        auth=("integration.user", "Welcome1"),
        headers={"REST-Framework-Version": "6"},
    )


def total(sims: LocalSimulators, href: str, **params: str) -> int:
    answer = pod(sims).get(href, params={**params, "limit": 1, "totalResults": "true"})
    return int(answer.raise_for_status().json()["totalResults"])


def in_window(lo: datetime, hi: datetime) -> str:
    return f"LastUpdateDate >= '{lo.isoformat()}' and LastUpdateDate < '{hi.isoformat()}'"


def pull(store: Store, feed: Any, lo: datetime = LO, hi: datetime = HI) -> tuple[Any, list[Any]]:
    """Runs the engine's pull of one window; returns its report and the audit rows it quarantined."""
    run_id = f"test-{feed.entity}"
    report = Pull(store, feed, target_system="jaggaer", run_id=run_id).run(lo, hi)
    return report, store.audit.query(run_id=run_id, status=AuditStatus.QUARANTINED)


@pytest.fixture
def yn_sims() -> Iterator[LocalSimulators]:
    """A pod that sends its flags as "Y"/"N"."""
    with running_simulators(fusion_settings=FusionSimSettings(flag_format="yn")) as running:
        yield running


@pytest.mark.parametrize("children", ["expand", "links"])
def test_suppliers_come_by_keyset_with_both_child_collections(sims: LocalSimulators, children: str) -> None:
    sims.fusion.seed_suppliers(300, LO, HI)
    client = client_of(sims, children=children, expanded_page_size=40, page_size=40, max_concurrent_requests=3)
    feed = FusionSupplierFeed(client)

    raws = list(feed.changed(LO, HI))

    suppliers = [feed.convert(raw)[0] for raw in raws]
    ids = [supplier.source_id for supplier in suppliers]
    assert len(ids) == len(set(ids)) == total(sims, "suppliers", q=in_window(LO, HI)) == 312
    assert {f"{n}" for n in range(1001, 1013)} <= {s.supplier_number for s in suppliers}, "the 12 base suppliers"
    for raw, supplier in list(zip(raws, suppliers, strict=True))[::15]:
        self_href = link(raw, "self")
        assert self_href
        assert len(supplier.sites) == total(sims, f"{self_href}/child/sites") >= 1
        assert len(supplier.addresses) == total(sims, f"{self_href}/child/addresses") >= 1
        assert {site.address_id for site in supplier.sites} <= {a.address_id for a in supplier.addresses}


def test_invoices_come_with_every_line_and_distribution(sims: LocalSimulators) -> None:
    sims.fusion.seed_purchase_orders(40, LO, HI)
    sims.fusion.seed_invoices(15, LO, HI, max_lines=40)
    feed = FusionInvoiceFeed(client_of(sims, expanded_page_size=5))

    raws = list(feed.changed(LO, HI))

    invoices = [feed.convert(raw)[0] for raw in raws]
    assert len({i.source_id for i in invoices}) == len(invoices) == 15
    assert max(len(i.lines) for i in invoices) > 25, "some invoices have more lines than one expanded page holds"
    for raw, invoice in zip(raws, invoices, strict=True):
        lines_href = link(raw, "child", "invoiceLines")
        assert lines_href and len(invoice.lines) == total(sims, lines_href)
        assert [line.line_number for line in invoice.lines] == sorted(line.line_number for line in invoice.lines)
        for raw_line, line in zip(raw["invoiceLines"], invoice.lines, strict=True):
            assert line.distributions, f"invoice {invoice.invoice_number} line {line.line_number}"
            assert sum(d.amount for d in line.distributions) == line.amount
            if len(invoice.lines) > 25:
                distributions = link(raw_line, "child", "invoiceDistributions")
                assert distributions and len(line.distributions) == total(sims, distributions)


def test_malformed_suppliers_and_invoices_are_quarantined_naming_the_attribute(
    store: Store, sims: LocalSimulators
) -> None:
    sims.fusion.seed_suppliers(20, LO, HI, malformed=4)
    sims.fusion.seed_invoices(20, LO, HI, malformed=5)
    client = client_of(sims)

    suppliers, quarantined_suppliers = pull(store, FusionSupplierFeed(client))
    invoices, quarantined_invoices = pull(store, FusionInvoiceFeed(client))

    # The fourth malformation breaks CreationDate, which the canonical Supplier does not carry: it syncs.
    in_pod = total(sims, "suppliers", q=in_window(LO, HI))
    assert in_pod >= 20 and (suppliers.counts.pulled, suppliers.counts.quarantined) == (in_pod, 3)
    reasons = sorted(str(row.reason) for row in quarantined_suppliers)
    assert any("SupplierNumber is missing (the pod did not send it)" in r for r in reasons), reasons
    assert any(": Supplier is empty" in r for r in reasons), reasons
    assert any("Status input should be a valid string" in r for r in reasons), reasons
    assert all(r.startswith("supplier ") and "(SupplierId " in r for r in reasons), reasons

    assert (invoices.counts.pulled, invoices.counts.quarantined, invoices.counts.staged) == (20, 5, 15)
    reasons = sorted(str(row.reason) for row in quarantined_invoices)
    for expected in (
        "InvoiceCurrency is missing (the pod did not send it)",
        "SupplierNumber is empty",
        "InvoiceDate input should be a valid date",
        "InvoiceAmount input should be a valid decimal",
        "InvoiceNumber is empty",
    ):
        assert sum(expected in r for r in reasons) == 1, (expected, reasons)
    assert all(r.startswith("invoice ") and "(InvoiceId " in r for r in reasons), reasons
    assert all(row.record_key.isdigit() for row in quarantined_invoices), "keyed by InvoiceId"


def test_an_invoice_attribute_the_pod_lacks_quarantines_or_is_counted(store: Store, sims: LocalSimulators) -> None:
    sims.fusion.seed_invoices(6, LO, HI)
    sims.fusion.settings.missing_attributes = {"invoices": ["SupplierNumber"], "invoiceLines": ["UnitPrice"]}
    feed = FusionInvoiceFeed(client_of(sims))

    raws = list(feed.changed(LO, HI))

    assert len(raws) == 6
    for raw in raws:
        with pytest.raises(InvalidRecord, match=r"SupplierNumber is missing \(the pod did not send it\)"):
            feed.convert(raw)
    sims.fusion.settings.missing_attributes = {"invoiceLines": ["UnitPrice"]}
    report, quarantined = pull(store, feed)
    assert (report.counts.staged, quarantined) == (6, [])
    assert set(report.missing) == {"invoiceLines.UnitPrice"}


def test_an_invoice_attribute_named_differently_is_read_through_the_profile(sims: LocalSimulators) -> None:
    sims.fusion.seed_invoices(4, LO, HI)
    sims.fusion.settings.renamed_attributes = {"invoices": {"InvoiceNumber": "SupplierInvoiceNumber"}}
    renamed = {"invoices.InvoiceNumber": "SupplierInvoiceNumber"}
    feed = FusionInvoiceFeed(client_of(sims, attribute_names=renamed))

    invoices = [feed.convert(raw)[0] for raw in feed.changed(LO, HI)]

    assert len(invoices) == 4 and all(invoice.invoice_number for invoice in invoices)


@pytest.mark.parametrize("flag_format", ["boolean", "yn"])
def test_flags_read_in_either_format(sims: LocalSimulators, yn_sims: LocalSimulators, flag_format: str) -> None:
    pod_sims = yn_sims if flag_format == "yn" else sims
    pod_sims.fusion.seed_invoices(12, LO, HI, canceled=3)
    client = client_of(pod_sims)
    sample = pod(pod_sims).get("invoices", params={"limit": 1, "onlyData": "true"}).json()["items"][0]
    assert isinstance(sample["CanceledFlag"], str if flag_format == "yn" else bool)

    invoices = [FusionInvoiceFeed(client).convert(raw)[0] for raw in FusionInvoiceFeed(client).changed(LO, HI)]
    canceled = [invoice for invoice in invoices if invoice.canceled]
    assert len(canceled) == 3 and all(invoice.amount == 0 for invoice in canceled)

    accounts = FusionGLAccountFeed(client)
    first = accounts.convert(next(iter(accounts.changed(LO, HI))))[0]
    pod_sims.fusion.set_account_enabled(first.code_combination_id, False)
    enabled = {
        account.code_combination_id: account.enabled
        for account in (accounts.convert(raw)[0] for raw in accounts.changed(LO, HI))
    }
    assert enabled[first.code_combination_id] is False and any(enabled.values())

    centers = FusionCostCenterFeed(client)
    pod_sims.fusion.set_cost_center_enabled("30", False)
    by_value = {center.value: center.enabled for center in (centers.convert(raw)[0] for raw in centers.changed(LO, HI))}
    assert (by_value["10"], by_value["30"], by_value["90"]) == (True, False, False)


def test_gl_accounts_and_cost_centers_are_read_whole_page_by_page(sims: LocalSimulators) -> None:
    sims.fusion.seed_purchase_orders(30, LO, HI)
    client = client_of(sims, page_size=7)
    accounts_feed, centers_feed = FusionGLAccountFeed(client), FusionCostCenterFeed(client)

    # The window does not narrow a snapshot: one from long ago reads the same rows.
    accounts = [accounts_feed.convert(raw)[0] for raw in accounts_feed.changed(hours_ago(900), hours_ago(899))]
    centers = [centers_feed.convert(raw)[0] for raw in centers_feed.changed(LO, HI)]

    assert len(accounts) == len({a.code_combination_id for a in accounts}) == total(sims, "accountCombinationsLOV")
    assert len(accounts) > 7
    assert {accounts_feed.record_key(raw) for raw in accounts_feed.changed(LO, HI)} == {
        str(a.code_combination_id) for a in accounts
    }
    assert all(a.combination == ".".join(a.segments) and a.segments[-1] for a in accounts)
    by_id = {a.code_combination_id: a.combination for a in accounts}
    orders = pod(sims).get("purchaseOrders", params={"limit": 30, "expand": "lines.schedules.distributions"})
    charged = {
        (d["POChargeAccountId"], d["POChargeAccount"])
        for order in orders.json()["items"]
        for line in order["lines"]["items"]
        for schedule in line["schedules"]["items"]
        for d in schedule["distributions"]["items"]
    }
    assert charged and all(by_id.get(account_id) == combination for account_id, combination in charged)

    values = [c.value for c in centers]
    assert len(values) == len(set(values)) > 3 and {"10", "20", "30", "40", "90"} <= set(values)
    assert "95" not in values
    assert all(c.value_set_code == "CORP_COST_CENTER" for c in centers)
    assert [centers_feed.natural_key(c) for c in centers] == values
    with pytest.raises(TypeError, match="snapshot"):
        centers_feed.version(centers[0])


def test_a_shorter_chart_drops_trailing_empty_segments_and_uses_its_delimiter(sims: LocalSimulators) -> None:
    client = client_of(sims, gl_segment_attributes="_SEGMENT1,_SEGMENT2,_SEGMENT3", segment_delimiter="-")
    feed = FusionGLAccountFeed(client)

    accounts = [feed.convert(raw) for raw in feed.changed(LO, HI)]

    assert accounts and all(len(account.segments) == 3 for account, _ in accounts)
    assert all(account.combination == "-".join(account.segments) for account, _ in accounts)
    assert all(missing == [] for _, missing in accounts)


def test_an_account_or_cost_center_counts_as_enabled_only_within_its_active_dates(sims: LocalSimulators) -> None:
    client = client_of(sims)
    rows = list(FusionGLAccountFeed(client).changed(LO, HI))
    values = list(FusionCostCenterFeed(client).changed(LO, HI))
    flagged = {str(row["_CODE_COMBINATION_ID"]) for row in rows if row["EnabledFlag"] is True}
    assert flagged and rows[0]["StartDateActive"] == "2015-01-01"

    def enabled(mapping: Any, raws: list[dict[str, Any]]) -> set[str]:
        return {mapping.record_key(raw) for raw in raws if mapping.convert(raw)[0].enabled}

    for today, expected in ((date(2014, 12, 31), set()), (date(2015, 1, 1), flagged), (date(2040, 1, 1), flagged)):
        assert enabled(GLAccountMapping(today=lambda day=today: day), rows) == expected, today
    before = CostCenterMapping("CORP_COST_CENTER", today=lambda: date(2014, 12, 31))
    assert enabled(before, values) == set()
    assert enabled(CostCenterMapping("CORP_COST_CENTER"), values) >= {"10", "20", "30", "40"}


def test_ping_checks_suppliers_invoices_and_reference_data(sims: LocalSimulators) -> None:
    sims.fusion.seed_purchase_orders(5, hours_ago(30), hours_ago(2))

    lines = client_of(sims).ping()

    text = "\n".join(lines)
    for expected in (
        "read suppliers/describe",
        "suppliers.LastUpdateDate is queryable",
        "read invoices/describe",
        "invoices.LastUpdateDate is queryable",
        "value set 'CORP_COST_CENTER' found",
        "accountCombinationsLOV serves the segment attributes _SEGMENT1,",
        "keyset form 'nested' works",
    ):
        assert expected in text, text

    with pytest.raises(CheckFailed) as wrong_code:
        client_of(sims, cost_center_value_set="CORP_CC").ping()
    assert "no value set with ValueSetCode 'CORP_CC'" in str(wrong_code.value)
    assert "cost_center_value_set" in str(wrong_code.value)

    with pytest.raises(CheckFailed, match="does not serve _SEGMENT7: set gl_segment_attributes"):
        client_of(sims, gl_segment_attributes=[f"_SEGMENT{n}" for n in range(1, 8)]).ping()

    sims.fusion.settings.missing_attributes = {"invoices": ["InvoiceCurrency"], "sites": ["InactiveDate"]}
    with pytest.raises(CheckFailed) as lacking:
        client_of(sims).ping()
    assert "invoices.InvoiceCurrency is not on this pod" in str(lacking.value)
    assert "InactiveDate" not in str(lacking.value), "an optional attribute is a warning, not a failure"


def test_a_cost_center_read_with_a_wrong_value_set_code_fails_naming_the_setting(sims: LocalSimulators) -> None:
    feed = FusionCostCenterFeed(client_of(sims, cost_center_value_set="NO_SUCH_SET"))
    with pytest.raises(CheckFailed, match="ValueSetCode 'NO_SUCH_SET'.*cost_center_value_set"):
        list(feed.changed(LO, HI))
