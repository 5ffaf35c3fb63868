"""The pending queue end to end: records waiting on a GL mapping or a supplier are held with a reason, retried
with growing delays, and posted by the first run after what they wait on exists, whatever its window."""

import time
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from ml_connector_dagster.cli.runs import SyncRunResult, run_flows
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.flows import flow_named
from ml_connector_dagster.fusion.simulator.reference import UNMAPPED_COST_CENTER
from ml_connector_dagster.store import AuditStatus, PendingEntry, Store
from ml_connector_dagster_tests.cli_fixtures import ConnectorCli
from ml_connector_dagster_tests.conftest import hours_ago
from ml_connector_dagster_tests.references import RULE

START, END = hours_ago(5), hours_ago(3)
INVOICES = flow_named("invoices")
INVOICE_COUNT = 8
UNMAPPED = 3
# The charge accounts the unmapped invoices use keep their company and natural account; only the cost center
# segment is one JAGGAER does not hold.
UNMAPPED_SEGMENT = f".{UNMAPPED_COST_CENTER}."


def _sync_invoices(instance: dg.DagsterInstance, start: datetime = START, end: datetime = END) -> SyncRunResult:
    result = run_flows(instance, start, end, (INVOICES,))
    assert result.success, result.failure
    return result


def _waiting(store: Store) -> list[PendingEntry]:
    return store.pending.list(entity="invoices")


def _unmapped_accounts(entries: list[PendingEntry]) -> set[str]:
    return {token.removeprefix("account:") for e in entries for token in e.waits_on if token.startswith("account:")}


def _mapping_csv(accounts: set[str], cost_center: str = "10") -> str:
    rows = "".join(f"{account},,{cost_center},{account},cost center 95 closed\n" for account in sorted(accounts))
    return "combination,code_combination_id,cost_center,gl_account,note\n" + rows


def test_invoices_on_unmapped_accounts_wait_with_the_account_named(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_invoices(INVOICE_COUNT, START, END, unmapped=UNMAPPED)
    before = datetime.now(UTC)

    result = _sync_invoices(instance)

    assert (result.counts.posted, result.counts.pending, result.counts.failed) == (
        INVOICE_COUNT - UNMAPPED,
        UNMAPPED,
        0,
    )
    waiting = _waiting(store)
    assert len(waiting) == UNMAPPED
    for entry in waiting:
        accounts = [t.removeprefix("account:") for t in entry.waits_on if t.startswith("account:")]
        assert accounts and all(UNMAPPED_SEGMENT in account for account in accounts)
        assert all(f"no GL mapping for {account}" in entry.reason for account in accounts), entry.reason
        assert entry.attempts == 1 and entry.first_run_id == result.run_id
        assert before <= entry.since <= datetime.now(UTC)
        # The default first delay: five minutes.
        assert entry.next_try_at - entry.last_tried_at == timedelta(seconds=300)
    audited = store.audit.query(run_id=result.run_id, entity="invoices", status=AuditStatus.PENDING)
    assert sorted(row.record_key for row in audited) == sorted(e.ref.source_key for e in waiting)
    assert all(row.reason and row.reason.endswith("(attempt 1)") for row in audited)
    assert sims.jaggaer.collection_stats()["invoices"].stored == INVOICE_COUNT - UNMAPPED


def test_a_rerun_before_the_backoff_is_due_does_not_count_them_again(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_invoices(INVOICE_COUNT, START, END, unmapped=UNMAPPED)
    _sync_invoices(instance)
    held = {e.ref.source_key: e for e in _waiting(store)}

    again = _sync_invoices(instance)

    assert (again.counts.posted, again.counts.pending) == (0, 0)
    assert store.audit.query(run_id=again.run_id, status=AuditStatus.PENDING) == []
    assert {e.ref.source_key: (e.attempts, e.next_try_at) for e in _waiting(store)} == {
        key: (1, e.next_try_at) for key, e in held.items()
    }


def test_once_due_each_try_counts_again_and_the_delay_grows_by_the_factor_up_to_the_cap(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_CONNECTOR_PENDING_FIRST_DELAY_SECONDS", "0.001")
    monkeypatch.setenv("ML_CONNECTOR_PENDING_BACKOFF_FACTOR", "1000")
    monkeypatch.setenv("ML_CONNECTOR_PENDING_CAP_SECONDS", "60")
    sims.fusion.seed_invoices(INVOICE_COUNT, START, END, unmapped=UNMAPPED)
    delays = []
    for attempt in (1, 2, 3):
        result = _sync_invoices(instance)
        assert result.counts.pending == UNMAPPED, attempt
        waiting = _waiting(store)
        assert {e.attempts for e in waiting} == {attempt}
        assert {e.last_run_id for e in waiting} == {result.run_id}
        audited = store.audit.query(run_id=result.run_id, status=AuditStatus.PENDING)
        assert len(audited) == UNMAPPED and all(f"(attempt {attempt})" in (r.reason or "") for r in audited)
        delays.append({e.next_try_at - e.last_tried_at for e in waiting})
        # Due again before the next run: 1 ms after the first try, 1 s after the second.
        time.sleep(1.05 if attempt == 2 else 0.01)
    assert delays == [{timedelta(milliseconds=1)}, {timedelta(seconds=1)}, {timedelta(seconds=60)}]
    assert {e.first_run_id for e in _waiting(store)} != {e.last_run_id for e in _waiting(store)}


def test_importing_the_mapping_posts_the_waiting_invoices_in_a_run_of_another_window(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_invoices(INVOICE_COUNT, START, END, unmapped=UNMAPPED)
    first = _sync_invoices(instance)
    waiting = {e.ref.source_key: e for e in _waiting(store)}
    store.gl_mappings.import_csv(_mapping_csv(_unmapped_accounts(list(waiting.values()))), "tests", "import")

    # A window clear of the first one and of its look-back: nothing of its own to pull.
    later = _sync_invoices(instance, END + timedelta(hours=1), END + timedelta(hours=2))

    assert (later.counts.pulled, later.counts.posted, later.counts.pending) == (0, UNMAPPED, 0)
    assert _waiting(store) == []
    posted = store.audit.query(run_id=later.run_id, entity="invoices", status=AuditStatus.POSTED)
    assert sorted(row.record_key for row in posted) == sorted(waiting)
    for row in posted:
        assert row.run_id == later.run_id
        assert row.reason and f"first held by run {first.run_id}" in row.reason
    stats = sims.jaggaer.collection_stats()["invoices"]
    assert (stats.stored, stats.duplicates) == (INVOICE_COUNT, 0)
    # The waiting invoices carry the imported rows' values: cost center 10 for the closed cost center 95.
    centers = {
        value_set["value"]
        for document in sims.jaggaer.invoices.collection.documents()
        if document["externalId"] in waiting
        for line in document["lineList"]["invoiceLine"]
        for group in line["splittableFieldSetGroupList"]["splittableFieldSetGroup"]
        for value_set in group["customFieldValueSetList"]["customFieldValueSet"]
        if value_set["name"] == "Cost Center"
    }
    assert "10" in centers and UNMAPPED_COST_CENTER not in centers


def test_an_order_waits_for_its_supplier_and_posts_in_the_run_that_posts_the_supplier(
    plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    plain_store.gl_mappings.set_rule(RULE, "tests", "test_pending_queue")
    orders = 5
    sims.fusion.seed_purchase_orders(orders, START, END)
    reference = tuple(flow_named(entity) for entity in ("cost_centers", "gl_accounts", "purchase_orders"))

    first = run_flows(instance, START, END, reference)

    assert first.success, first.failure
    assert (first.by_entity["purchase_orders"].posted, first.by_entity["purchase_orders"].pending) == (0, orders)
    waiting = plain_store.pending.list(entity="purchase_orders")
    assert len(waiting) == orders
    for entry in waiting:
        [token] = entry.waits_on
        supplier_id = token.removeprefix("supplier-id:")
        assert entry.reason == f"waiting: supplier {supplier_id} is not in jaggaer yet"
    assert sims.jaggaer.purchase_order_stats().stored == 0

    # The base suppliers change in Fusion inside the window: the all-flows run posts them, then the orders.
    sims.fusion.seed_suppliers(0, START, END)
    everything = run_flows(instance, START, END)

    assert everything.success, everything.failure
    assert everything.by_entity["suppliers"].posted == 12
    assert everything.by_entity["purchase_orders"].posted == orders
    assert plain_store.pending.list() == []
    posted = plain_store.audit.query(run_id=everything.run_id, entity="purchase_orders", status=AuditStatus.POSTED)
    assert len(posted) == orders
    assert all(f"first held by run {first.run_id}" in (row.reason or "") for row in posted)
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (orders, 0)


def test_the_pending_commands_list_and_retry_what_waits(
    cli: ConnectorCli, sims: LocalSimulators, tmp_path_factory: pytest.TempPathFactory
) -> None:
    cli.point_at(sims)
    cli.post_reference_data(sims)
    sims.fusion.seed_invoices(INVOICE_COUNT, START, END, unmapped=UNMAPPED)
    assert cli.ok("pending", in_process=True).stdout.strip() == "nothing is pending"
    window = ("--start", START.isoformat(), "--end", END.isoformat())
    synced = cli.ok("sync", "invoices", *window, in_process=True)
    assert f"posted={INVOICE_COUNT - UNMAPPED}" in synced.stdout and f"pending={UNMAPPED}" in synced.stdout
    assert "`ml-connector pending` lists them" in synced.stderr

    listed = cli.ok("pending", "--entity", "invoices", in_process=True).stdout
    lines = listed.strip().splitlines()
    assert len(lines) == 1 + UNMAPPED
    assert all(name in lines[0] for name in ("key", "since", "attempts", "next_try", "first_run", "reason"))
    accounts = {word for line in lines[1:] for word in line.split() if UNMAPPED_SEGMENT in word}
    assert accounts and all(f"no GL mapping for {account}" in listed for account in accounts)

    mapping = tmp_path_factory.mktemp("mappings") / "missing.csv"
    mapping.write_text(_mapping_csv(accounts), encoding="utf-8")
    imported = cli.ok("mappings", "import", str(mapping), in_process=True).stdout
    assert f"{UNMAPPED} pending record(s) are due again" in imported

    retried = cli.ok("pending", "retry")
    assert f"invoices: posted={UNMAPPED} still pending=0 failed=0" in retried.stdout
    assert cli.ok("pending", in_process=True).stdout.strip() == "nothing is pending"
    stats = sims.jaggaer.collection_stats()["invoices"]
    assert (stats.stored, stats.duplicates) == (INVOICE_COUNT, 0)
