"""Fusion purchase orders → JAGGAER through the real Dagster job, simulators and store."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import dagster as dg
import httpx
import pytest

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.store import AuditStatus, Store

from .conftest import POST_ASSET, PULL_ASSET, ConnectorEnv, current_hour, hours_ago, run_purchase_orders


def test_a_window_syncs_valid_orders_and_quarantines_bad_ones(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(40, hours_ago(6), hours_ago(2), malformed=4)
    result = run_purchase_orders(instance, hours_ago(6), hours_ago(2))

    assert result.success, result.failure
    counts = result.counts
    assert (counts.pulled, counts.posted, counts.quarantined, counts.failed) == (40, 36, 4, 0)
    assert sims.jaggaer.purchase_order_stats().stored == 36

    quarantined = store.audit.query(run_id=result.run_id, status=AuditStatus.QUARANTINED)
    assert len(quarantined) == 4
    for row in quarantined:
        assert row.reason and "POHeaderId" in row.reason
        assert any(field in row.reason for field in ("CurrencyCode", "Supplier", "CreationDate", "Total"))
    assert len(store.quarantine.list_open()) == 4
    posted = store.audit.counts(result.run_id, system="jaggaer")
    assert posted[AuditStatus.POSTED] == 36

    # Every hourly partition of the range is materialized, with counts a person can read in the UI.
    materialized = instance.get_materialized_partitions(POST_ASSET)
    assert len(materialized) == 4
    event = instance.get_latest_materialization_event(PULL_ASSET)
    assert event is not None and event.asset_materialization is not None
    metadata = event.asset_materialization.metadata
    assert metadata["pulled"].value == 40 and metadata["quarantined"].value == 4
    assert "preview" in metadata and "problems" in metadata


def test_a_rerun_posts_nothing_and_a_change_is_an_update(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(10, hours_ago(5), hours_ago(4))
    assert run_purchase_orders(instance, hours_ago(5), hours_ago(4)).counts.posted == 10

    again = run_purchase_orders(instance, hours_ago(5), hours_ago(4))
    assert (again.counts.posted, again.counts.skipped) == (0, 10)

    changed = next(iter(sims.jaggaer.purchase_orders()))
    po_header_id = int(changed["externalId"])
    sims.fusion.touch_purchase_order(po_header_id, at=hours_ago(3) + timedelta(minutes=5))
    update = run_purchase_orders(instance, hours_ago(3), hours_ago(2))
    assert update.counts.posted == 1
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (10, 0)
    [document] = sims.jaggaer.purchase_orders(changed["poNumber"])
    assert document["poId"] == changed["poId"]
    assert document["erpLastUpdate"] != changed["erpLastUpdate"]


def test_a_backfill_of_an_old_window_never_overwrites_a_newer_version(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(5, hours_ago(8), hours_ago(7))
    assert run_purchase_orders(instance, hours_ago(8), hours_ago(7)).counts.posted == 5
    target = sims.jaggaer.purchase_orders()[0]
    sims.fusion.touch_purchase_order(int(target["externalId"]), at=hours_ago(4) + timedelta(minutes=1))
    assert run_purchase_orders(instance, hours_ago(4), hours_ago(3)).counts.posted == 1
    [newest] = sims.jaggaer.purchase_orders(target["poNumber"])

    backfill = run_purchase_orders(instance, hours_ago(8), hours_ago(7))

    assert backfill.success and backfill.counts.posted == 0
    [after] = sims.jaggaer.purchase_orders(target["poNumber"])
    assert after == newest, "JAGGAER still holds the newer version"
    reasons = [row.reason for row in store.audit.query(run_id=backfill.run_id, record_key=target["externalId"])]
    assert reasons and "older than the version already written" in reasons[0]


def test_a_window_that_has_not_settled_is_refused(store: Store, instance: dg.DagsterInstance) -> None:
    current = current_hour()
    result = run_purchase_orders(instance, current, current + timedelta(hours=1))
    assert not result.success
    assert result.failure and "can be read from" in result.failure


def test_paging_reads_every_order_of_a_large_window_once(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(1200, hours_ago(3), hours_ago(2))
    result = run_purchase_orders(instance, hours_ago(3), hours_ago(2))
    assert (result.counts.pulled, result.counts.posted) == (1200, 1200)
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (1200, 0)


def test_a_crash_between_the_write_and_its_record_leaves_no_duplicate(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance, connector_env: ConnectorEnv, tmp_path: Path
) -> None:
    sims.fusion.seed_purchase_orders(6, hours_ago(4), hours_ago(3))
    # JAGGAER commits the first create, then holds its answer: the connector is killed while it waits.
    hold = {"mode": "slow_answer", "method": "POST", "path_contains": "purchaseorders", "hold_seconds": 5}
    httpx.put(f"{sims.jaggaer_url}/__sim__/faults", json={"rules": [hold]}).raise_for_status()
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    command = [
        str(Path(sys.executable).parent / "ml-connector"),
        "sync",
        "purchase-orders",
        "--start",
        hours_ago(4).strftime("%Y-%m-%d %H:%M:%S"),
        "--end",
        hours_ago(3).strftime("%Y-%m-%d %H:%M:%S"),
    ]
    process = subprocess.Popen(
        command,
        env={**os.environ, "DAGSTER_HOME": str(dagster_home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while sims.jaggaer.purchase_order_stats().writes < 1:
            assert process.poll() is None, "the sync ended before its first write"
            assert time.monotonic() < deadline, "no write reached JAGGAER"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)

    # The batch's intents were committed before its first write; none of its outcomes was.
    assert len(store.ledger.open_intents("fusion", "jaggaer", "purchase_orders")) == 6
    assert 1 <= sims.jaggaer.purchase_order_stats().stored <= 6

    rerun = run_purchase_orders(instance, hours_ago(4), hours_ago(3))

    assert rerun.success and rerun.counts.posted == 6
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (6, 0)
    assert store.ledger.open_intents("fusion", "jaggaer", "purchase_orders") == []


@pytest.mark.parametrize("upsert_supported", [True, False])
def test_both_jaggaer_write_modes_are_idempotent(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance, upsert_supported: bool
) -> None:
    sims.jaggaer.settings.po_upsert_supported = upsert_supported
    stored = store.vault.get("jaggaer", "default")
    assert stored is not None
    store.vault.put(
        "jaggaer", "default", {**stored.settings, "po_upsert_supported": str(upsert_supported).lower()}, stored.secrets
    )
    sims.fusion.seed_purchase_orders(8, hours_ago(3), hours_ago(2))
    # The ledger is lost (a new install on an old JAGGAER tenant): writes must still not duplicate.
    assert run_purchase_orders(instance, hours_ago(3), hours_ago(2)).counts.posted == 8
    store.engine.dispose()
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM ledger WHERE entity = 'purchase_orders'")
    assert run_purchase_orders(instance, hours_ago(3), hours_ago(2)).counts.posted == 8
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (8, 0)


def test_no_secret_reaches_the_dagster_event_log(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(5, hours_ago(3), hours_ago(2), malformed=1)
    result = run_purchase_orders(instance, hours_ago(3), hours_ago(2))
    assert result.success
    cached = [store.vault.load_token(system, "default") for system in ("fusion", "jaggaer")]
    secrets = [sims.fusion.settings.client_secret, sims.jaggaer.settings.client_secret]
    secrets += [token.access_token for token in cached if token is not None]
    assert len(secrets) == 4, "both tokens were cached in the store"
    logged = "\n".join(str(entry) for entry in instance.all_logs(result.run_id))
    assert "pulled" in logged
    for secret in secrets:
        assert secret not in logged


def test_throttled_concurrent_writes_all_land_once(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(40, hours_ago(3), hours_ago(2))
    stored = store.vault.get("jaggaer", "default")
    assert stored is not None
    settings = {**stored.settings, "max_concurrent_requests": "8", "write_rate_per_second": "200"}
    store.vault.put("jaggaer", "default", settings, stored.secrets)
    # JAGGAER throttles three writes: every writer waits it out, none is lost or sent twice.
    throttle = {"status": 429, "retry_after": 0.3, "times": 3, "method": "POST", "path_contains": "purchaseorders"}
    httpx.put(f"{sims.jaggaer_url}/__sim__/faults", json={"rules": [throttle]}).raise_for_status()

    result = run_purchase_orders(instance, hours_ago(3), hours_ago(2))

    assert result.success and (result.counts.posted, result.counts.failed) == (40, 0)
    assert httpx.get(f"{sims.jaggaer_url}/__sim__/faults").json()["rules"] == [], "the 429s were answered"
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates, stats.writes) == (40, 0, 40)
