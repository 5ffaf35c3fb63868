"""Oracle NetSuite → JAGGAER through the real Dagster jobs, the simulators over loopback HTTP, and the store."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from ml_connector_dagster.cli.runs import run_flows
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.connections import netsuite_client
from ml_connector_dagster.flows import direction_named, flow_named
from ml_connector_dagster.http.pacing import RECOVER_AFTER_ANSWERS
from ml_connector_dagster.netsuite.feeds import NetSuiteVendorFeed
from ml_connector_dagster.netsuite.simulator import RuntimeSettings
from ml_connector_dagster.netsuite.simulator.seeding import RETIRED_ACCOUNT
from ml_connector_dagster.simulation.faults import FaultSettings
from ml_connector_dagster.store import AuditStatus, MappingRule, Store
from ml_connector_dagster.sync.pull import Pull

from .conftest import hours_ago

NETSUITE = direction_named("netsuite_to_jaggaer").flows
RULE = MappingRule(delimiter=".", cost_center_segment=2, gl_account="segment:5")


def _seeded(sims: LocalSimulators, store: Store, start: datetime, end: datetime) -> None:
    store.gl_mappings.set_rule(RULE, "test", "test", erp="netsuite")
    netsuite = sims.netsuite
    netsuite.seed_reference(start - timedelta(days=3))
    netsuite.seed_vendors(8, start, end)
    netsuite.seed_purchase_orders(30, start, end)
    netsuite.seed_vendor_bills(20, start, end, lines=3)


def _companies(sims: LocalSimulators) -> dict[str, dict]:
    return {company["extCode"]: company for company in sims.jaggaer.companies.collection.documents()}


def test_every_entity_syncs_and_bills_on_an_unmapped_account_wait_until_mapped(
    plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    start, end = hours_ago(4), hours_ago(1)
    _seeded(sims, plain_store, start, end)
    sims.netsuite.seed_vendor_bills(4, start, end, lines=2, accounts=[RETIRED_ACCOUNT], seed=3)

    first = run_flows(instance, start, end, NETSUITE)
    assert first.success, first.failure
    counts = first.by_entity
    assert counts["netsuite_departments"].posted == 5 and counts["netsuite_classes"].posted == 4
    assert counts["netsuite_locations"].posted == 3 and counts["netsuite_subsidiaries"].posted == 3
    assert counts["netsuite_accounts"].posted == 10
    assert counts["netsuite_vendors"].posted == 8
    assert (counts["netsuite_purchase_orders"].posted, counts["netsuite_purchase_orders"].failed) == (30, 0)
    bills = counts["netsuite_vendor_bills"]
    assert (bills.pulled, bills.posted, bills.pending, bills.failed) == (24, 20, 4, 0)

    # The retired account (6900) is inactive in JAGGAER: the rule will not place it, so the bills wait and say why.
    waiting = [entry for entry in plain_store.pending.list() if entry.ref.entity == "netsuite_vendor_bills"]
    assert len(waiting) == 4
    assert all("6900" in entry.reason and "not active in JAGGAER" in entry.reason for entry in waiting)
    pending_audit = plain_store.audit.query(run_id=first.run_id, status=AuditStatus.PENDING)
    assert {row.record_key for row in pending_audit} == {entry.ref.source_key for entry in waiting}

    # Orders name their supplier by vendor ID and every distribution its department and account.
    order = sims.jaggaer.purchase_orders()[0]
    assert order["supplier"]["supplierNumber"].startswith("V")
    sets = order["poLineList"]["poLine"][0]["scheduleList"]["schedule"][0]["splittableFieldSetGroupList"]
    values = {
        v["name"]: v["value"]
        for v in sets["splittableFieldSetGroup"][0]["customFieldValueSetList"]["customFieldValueSet"]
    }
    assert values["Account"] in {"5000", "6100", "6200", "6300", "6400", "6500"} and values["Cost Center"] in "12345"

    rows = [
        f"{token.removeprefix('account:')},,{token.split('.')[1]},6100,retired"
        for entry in waiting
        for token in entry.waits_on
    ]
    csv = "combination,code_combination_id,cost_center,gl_account,note\n" + "\n".join(sorted(set(rows))) + "\n"
    plain_store.gl_mappings.import_csv(csv, "test", "test", erp="netsuite")
    after = run_flows(instance, start, end, NETSUITE)
    assert after.success, after.failure
    assert after.by_entity["netsuite_vendor_bills"].posted == 4
    assert not plain_store.pending.list()
    again = run_flows(instance, start, end, NETSUITE)
    assert again.counts.posted == 0
    stats = sims.jaggaer.collection_stats()
    assert stats["invoices"].stored == 24 and stats["invoices"].duplicates == 0
    assert sims.jaggaer.purchase_order_stats().duplicates == 0


def test_a_deleted_vendor_is_deactivated_and_a_voided_or_deleted_bill_cancelled(
    plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    start, end = hours_ago(6), hours_ago(3)
    _seeded(sims, plain_store, start, end)
    spare = sims.netsuite.seed_vendors(2, start, end, seed=5)
    assert run_flows(instance, start, end, NETSUITE).success
    number = f"V{spare.first_id:05d}"
    assert _companies(sims)[number]["status"] == "ACTIVE"

    later_start, later_end = hours_ago(2), hours_ago(1)
    sims.netsuite.delete_vendor(spare.first_id, later_start + timedelta(minutes=5))
    # Deleted before the connector ever read it: nothing to undo, and said so in the audit trail.
    never_read = sims.netsuite.seed_vendors(1, later_start, later_start + timedelta(minutes=1), seed=6)
    sims.netsuite.delete_vendor(never_read.first_id, later_start + timedelta(minutes=10))
    bill = next(i for i in sims.jaggaer.invoices.collection.documents())
    bill_id = int(bill["supplierInvoiceNumber"].removeprefix("INV-"))
    sims.netsuite.void_bill(bill_id, later_start + timedelta(minutes=20))

    later = run_flows(instance, later_start, later_end, NETSUITE)
    assert later.success, later.failure
    assert (later.by_entity["netsuite_vendors"].pulled, later.by_entity["netsuite_vendors"].posted) == (2, 1)
    assert _companies(sims)[number]["status"] == "INACTIVE"
    assert f"V{never_read.first_id:05d}" not in _companies(sims)
    canceled = [
        i for i in sims.jaggaer.invoices.collection.documents() if i["supplierInvoiceNumber"] == f"INV-{bill_id}"
    ]
    assert [i["workflowStatus"] for i in canceled] == ["Canceled"]
    skipped = plain_store.audit.query(run_id=later.run_id, status=AuditStatus.SKIPPED)
    assert any("before the connector read it" in (row.reason or "") for row in skipped)


def test_a_window_of_more_than_100000_changed_vendors_is_read_whole(plain_store: Store, sims: LocalSimulators) -> None:
    start, end = hours_ago(9), hours_ago(8)
    seeded = sims.netsuite.seed_vendors(100_500, start, end)
    client = netsuite_client(plain_store)
    try:
        feed = NetSuiteVendorFeed(client)
        report = Pull(plain_store, feed, target_system="jaggaer", run_id="window-100k").run(start, end)
    finally:
        client.close()
    assert (report.counts.pulled, report.counts.staged, report.counts.quarantined) == (seeded.count, seeded.count, 0)
    stats = sims.netsuite.stats()
    assert stats["suiteql_requests"] < 200  # pages of 1,000, never offset past the ceiling


def test_records_changed_at_local_midnight_and_across_daylight_saving_are_all_synced(
    plain_store: Store, sims: LocalSimulators
) -> None:
    # America/Los_Angeles falls back on 2026-11-01: 01:00-02:00 local happens twice (08:00-10:00 UTC).
    zone_midnight = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)  # 00:00 PDT
    moments = [
        zone_midnight - timedelta(seconds=1),
        zone_midnight,
        datetime(2026, 11, 1, 8, 30, tzinfo=UTC),  # 01:30 PDT, the first occurrence
        datetime(2026, 11, 1, 9, 30, tzinfo=UTC),  # 01:30 PST, the second
        datetime(2026, 11, 1, 10, 0, tzinfo=UTC),  # 02:00 PST
        datetime(2026, 11, 2, 8, 0, tzinfo=UTC),  # the next local midnight (PST)
    ]
    seeded = sims.netsuite.seed_vendors(len(moments), moments[0], moments[-1])
    for offset, moment in enumerate(moments):
        sims.netsuite.touch("vendor", seeded.first_id + offset, moment)
    client = netsuite_client(plain_store)
    try:
        feed = NetSuiteVendorFeed(client)
        hour = timedelta(hours=1)
        window = datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
        while window < datetime(2026, 11, 2, 10, 0, tzinfo=UTC):
            Pull(plain_store, feed, target_system="jaggaer", run_id="dst").run(window, window + hour)
            window += hour
    finally:
        client.close()
    seen = plain_store.staging.latest("netsuite", "netsuite_vendors", [str(seeded.first_id + n) for n in range(6)])
    assert {key: staged.version for key, staged in seen.items()} == {
        str(seeded.first_id + offset): moment for offset, moment in enumerate(moments)
    }


def test_429s_past_the_accounts_concurrency_limit_are_backed_off_and_nothing_is_lost(
    plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    start, end = hours_ago(12), hours_ago(10)
    _seeded(sims, plain_store, start, end)
    sims.netsuite.seed_vendor_bills(1_200, start, end, lines=2, seed=21)
    # The account allows one request at a time; the connector is set to two (its default), each held 30 ms.
    sims.netsuite.update_settings(RuntimeSettings(concurrency_limit=1))
    sims.netsuite.faults.replace(FaultSettings(latency_ms=30))
    result = run_flows(instance, start, end, (flow_named("netsuite_vendors"), flow_named("netsuite_vendor_bills")))
    assert result.success, result.failure
    bills = result.by_entity["netsuite_vendor_bills"]
    assert (bills.pulled, bills.failed) == (1_220, 0)
    stats = sims.netsuite.stats()
    # After the first 429 the connector keeps to what the account allows, and only probes for more now and then.
    assert 0 < stats["throttled"] <= 1 + stats["requests"] // RECOVER_AFTER_ANSWERS, stats


def test_an_account_without_classes_syncs_its_other_dimensions_and_lines_without_a_class(
    plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    start, end = hours_ago(15), hours_ago(14)
    _seeded(sims, plain_store, start, end)
    sims.netsuite.update_settings(RuntimeSettings(features_off=["classification"]))
    result = run_flows(instance, start, end, NETSUITE)
    assert result.success, result.failure
    assert result.by_entity["netsuite_classes"].pulled == 0
    assert result.by_entity["netsuite_departments"].posted == 5
    assert result.by_entity["netsuite_vendor_bills"].posted == 20
