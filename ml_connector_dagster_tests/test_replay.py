"""Replay after a fix: what JAGGAER refused, what was quarantined for a pod's other attribute name, what waited
on a GL mapping. Simulators on loopback, a real store, a real Dagster instance, the installed command."""

import json
from pathlib import Path

import dagster as dg
import httpx

from ml_connector_dagster.cli.runs import SyncRunResult, run_flows, run_replay
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.defs.flows.replay import ReplayConfig
from ml_connector_dagster.flows import flow_named
from ml_connector_dagster.store import AuditStatus, Store
from ml_connector_dagster_tests.cli_fixtures import ConnectorCli

from .conftest import ConnectorEnv, hours_ago, run_purchase_orders
from .test_fusion_pull import set_profile

START, END = hours_ago(3), hours_ago(2)


def refuse_purchase_orders(sims: LocalSimulators, times: int) -> None:
    """JAGGAER answers 400 to the next `times` purchase-order writes: a refusal, not retried in-run."""
    rule = {"mode": "respond", "status": 400, "method": "POST", "path_contains": "purchaseorders", "times": times}
    httpx.put(f"{sims.jaggaer_url}/__sim__/faults", json={"rules": [rule]}).raise_for_status()


def keys_with(store: Store, run_id: str, status: AuditStatus, system: str = "jaggaer") -> set[str]:
    return {row.record_key for row in store.audit.query(run_id=run_id, system=system, status=status, limit=1000)}


def run_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("run ")).removeprefix("run ")


def test_refused_records_are_failed_then_replayed_once_naming_the_run(
    store: Store,
    sims: LocalSimulators,
    instance: dg.DagsterInstance,
    connector_env: ConnectorEnv,
    tmp_path: Path,
) -> None:
    sims.fusion.seed_purchase_orders(6, START, END)
    refuse_purchase_orders(sims, times=2)

    synced = run_purchase_orders(instance, START, END)

    assert synced.success, synced.failure
    assert (synced.counts.posted, synced.counts.failed) == (4, 2)
    failed = keys_with(store, synced.run_id, AuditStatus.FAILED)
    assert len(failed) == 2
    assert sims.jaggaer.purchase_order_stats().stored == 4

    # The user's command, on the same store (same file, same key), with a Dagster home of its own.
    cli = ConnectorCli(tmp_path, master_key=connector_env.master_key)
    replayed = cli.ok("replay", "--entity", "purchase_orders", "--run-id", synced.run_id).stdout
    assert "purchase_orders: pulled=0 posted=2 skipped=0 quarantined=0 failed=0 pending=0" in replayed, replayed
    replay_id = run_line(replayed)
    posted = store.audit.query(run_id=replay_id, status=AuditStatus.POSTED, limit=100)
    assert {row.record_key for row in posted} == failed
    # Each row names the JAGGAER id written and the run the replay repairs.
    assert all(row.reason and row.reason.endswith(f"; replay of run {synced.run_id}") for row in posted), posted
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (6, 0)

    # Again: everything is written, so nothing is sent and JAGGAER holds what it held.
    requests_before = httpx.get(f"{sims.jaggaer_url}/__sim__/stats").json()
    again = run_replay(instance, ReplayConfig(entity="purchase_orders", run_id=synced.run_id))
    assert again.success, again.failure
    counts = again.by_entity["purchase_orders"]
    assert (counts.posted, counts.skipped, counts.failed) == (0, 2, 0)
    assert keys_with(store, again.run_id, AuditStatus.POSTED) == set()
    assert sims.jaggaer.purchase_order_stats() == stats
    assert httpx.get(f"{sims.jaggaer_url}/__sim__/stats").json() == requests_before


def quarantine_for_a_renamed_attribute(store: Store, sims: LocalSimulators, instance: dg.DagsterInstance) -> str:
    """Four orders quarantined because the pod calls lines.Description `ItemDescription`; the run's id."""
    sims.fusion.seed_purchase_orders(4, START, END)
    sims.fusion.settings.renamed_attributes = {"lines": {"Description": "ItemDescription"}}
    synced = run_purchase_orders(instance, START, END)
    assert synced.success, synced.failure
    assert (synced.counts.quarantined, synced.counts.posted) == (4, 0)
    return synced.run_id


def fix_the_profile(store: Store) -> None:
    set_profile(store, "fusion", attribute_names=json.dumps({"lines.Description": "ItemDescription"}))


def test_an_order_quarantined_for_the_pods_attribute_name_posts_after_the_profile_is_fixed(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance, connector_env: ConnectorEnv, tmp_path: Path
) -> None:
    run_id = quarantine_for_a_renamed_attribute(store, sims, instance)
    quarantined = keys_with(store, run_id, AuditStatus.QUARANTINED, system="fusion")
    assert len(quarantined) == 4

    # Replayed before the fix: converted again, still quarantined, nothing posted.
    early = run_replay(instance, ReplayConfig(entity="purchase_orders", kinds=["quarantined"]))
    assert early.success and early.counts.posted == 0 and sims.jaggaer.purchase_order_stats().stored == 0
    assert len(store.quarantine.list_open("fusion", "purchase_orders", limit=100)) == 4

    fix_the_profile(store)
    cli = ConnectorCli(tmp_path, master_key=connector_env.master_key)
    replayed = cli.ok("replay", "--entity", "purchase_orders", "--only", "quarantined", in_process=True).stdout

    assert "posted=4 skipped=0 quarantined=0 failed=0 pending=0" in replayed, replayed
    assert keys_with(store, run_line(replayed), AuditStatus.POSTED) == quarantined
    assert not store.quarantine.list_open("fusion", "purchase_orders", limit=100)
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (4, 0)
    documents = sims.jaggaer.purchase_orders()
    assert all(line["description"] for document in documents for line in document["poLineList"]["poLine"])


def test_the_run_that_quarantined_an_order_still_selects_it_after_a_replay_before_the_fix(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    run_id = quarantine_for_a_renamed_attribute(store, sims, instance)
    assert run_replay(instance, ReplayConfig(entity="purchase_orders", kinds=["quarantined"])).success
    fix_the_profile(store)

    fixed = run_replay(instance, ReplayConfig(entity="purchase_orders", run_id=run_id, kinds=["quarantined"]))

    assert fixed.success and fixed.by_entity["purchase_orders"].posted == 4


def test_a_replay_before_the_fix_reports_the_orders_it_quarantined_again(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    quarantine_for_a_renamed_attribute(store, sims, instance)

    early = run_replay(instance, ReplayConfig(entity="purchase_orders", kinds=["quarantined"]))

    assert early.success and len(store.quarantine.list_open("fusion", "purchase_orders", limit=100)) == 4
    assert (early.counts.pulled, early.counts.quarantined) == (4, 4)


def sync_invoices(instance: dg.DagsterInstance) -> SyncRunResult:
    return run_flows(instance, START, END, (flow_named("invoices"),))


def test_pending_invoices_replay_once_their_account_is_mapped(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_invoices(5, START, END, unmapped=2)

    synced = sync_invoices(instance)

    assert synced.success, synced.failure
    assert (synced.counts.posted, synced.counts.pending) == (3, 2)
    waiting = store.pending.for_entity("fusion", "jaggaer", "invoices")
    assert len(waiting) == 2
    accounts = sorted({name.removeprefix("account:") for entry in waiting for name in entry.waits_on})
    assert accounts and all(account.split(".")[1] == "95" for account in accounts), accounts

    # Still unmapped: tried now, whatever the backoff says, and still waiting.
    early = run_replay(instance, ReplayConfig(entity="invoices", kinds=["pending"]))
    assert early.success and (early.counts.posted, early.counts.pending) == (0, 2)

    # Map cost center 95 of each account to cost center 10 and the account JAGGAER holds under it.
    rows = [f"{account},10,{account.replace('.95.', '.10.')},cost center 95 closed" for account in accounts]
    csv = "combination,cost_center,gl_account,note\n" + "\n".join(rows) + "\n"
    summary = store.gl_mappings.import_csv(csv, "tests", "test_replay")
    assert summary.added == len(accounts)

    replayed = run_replay(instance, ReplayConfig(entity="invoices", kinds=["pending"]))

    assert replayed.success, replayed.failure
    assert (replayed.counts.posted, replayed.counts.pending) == (2, 0)
    assert keys_with(store, replayed.run_id, AuditStatus.POSTED) == {e.ref.source_key for e in waiting}
    assert store.pending.for_entity("fusion", "jaggaer", "invoices") == []
    assert sims.jaggaer.collection_stats()["invoices"].stored == 5
