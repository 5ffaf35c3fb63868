"""A sync killed at any point never blocks a later one, and one stopped by SIGTERM says what it did.

Each test runs `ml-connector sync` (or Dagster's own run worker) in a subprocess against the simulators, on a
Dagster instance configured by the project's dagster.yaml (pools limited to one step), and kills or stops it
mid-run.
"""

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import httpx
import pytest

from ml_connector_dagster.cli.exit_codes import ExitCode
from ml_connector_dagster.cli.simulators import LocalSimulators, running_simulators
from ml_connector_dagster.defs.runs.owner import PID_TAG
from ml_connector_dagster.defs.runs.sensors import abandoned_runs_sensor
from ml_connector_dagster_tests.cli_fixtures import ConnectorCli
from ml_connector_dagster_tests.conftest import hours_ago

DAGSTER = str(Path(sys.executable).parent / "dagster")
PROJECT_ROOT = Path(__file__).resolve().parents[1]
# A new process, its imports and a small sync: seconds, not the minutes a blocked sync would wait.
NEXT_SYNC_SECONDS = 30
WAIT_SECONDS = 60
KILL_WITHIN_SECONDS = 5
JOB = "purchase_orders_sync"


@pytest.fixture
def sims() -> Iterator[LocalSimulators]:
    with running_simulators() as running:
        yield running


@pytest.fixture
def cli(tmp_path: Path, sims: LocalSimulators, monkeypatch: pytest.MonkeyPatch) -> ConnectorCli:
    machine = ConnectorCli(tmp_path)
    machine.use_project_instance_config()
    machine.point_at(sims)
    machine.post_reference_data(sims)
    # The test reads the same instance as the commands it runs.
    monkeypatch.setenv("DAGSTER_HOME", str(machine.dagster_home))
    return machine


@pytest.fixture
def instance(cli: ConnectorCli) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.get() as opened:
        yield opened


def sync_args(start: datetime, end: datetime) -> tuple[str, ...]:
    return ("sync", "purchase-orders", "--start", f"{start:%Y-%m-%d %H:%M}", "--end", f"{end:%Y-%m-%d %H:%M}")


def hold(url: str, method: str, path: str, seconds: float, times: int = 1) -> None:
    rule = {"mode": "slow_answer", "method": method, "path_contains": path, "hold_seconds": seconds, "times": times}
    httpx.put(f"{url}/__sim__/faults", json={"rules": [rule]}).raise_for_status()


def wait_for(condition_met: Callable[[], object], what: str, process: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition_met():
        assert process is None or process.poll() is None, f"the process ended before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def fusion_slot_holders(instance: dg.DagsterInstance) -> list[str]:
    return [slot.run_id for slot in instance.event_log_storage.get_concurrency_info("fusion_api").claimed_slots]


def test_a_sync_killed_mid_pull_never_blocks_the_next_one(
    cli: ConnectorCli, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    start, end = hours_ago(4), hours_ago(3)
    sims.fusion.seed_purchase_orders(30, start, end)
    # Fusion holds its answer to the first read of purchase orders: the sync is killed while it waits. (Long
    # enough to kill it in; short, because stopping the simulator waits for the held answer.)
    hold(sims.fusion_url, "GET", "purchaseOrders", seconds=KILL_WITHIN_SECONDS)
    killed = cli.start(*sync_args(start, end))
    try:
        wait_for(lambda: sims.fusion.faults.fired >= 1 and fusion_slot_holders(instance), "the pull", killed)
        killed.send_signal(signal.SIGKILL)
    finally:
        killed.wait(timeout=30)
    [dead_run_id] = fusion_slot_holders(instance)
    dead = instance.get_run_by_id(dead_run_id)
    assert dead is not None and dead.status == dg.DagsterRunStatus.STARTED, "the killed run holds the slot"
    assert dead.tags[PID_TAG] == str(killed.pid)

    began = time.monotonic()
    after = cli.run(*sync_args(start, end), timeout=NEXT_SYNC_SECONDS)
    took = time.monotonic() - began

    assert after.code == ExitCode.OK, after.describe()
    assert "Traceback" not in after.output, after.describe()
    assert after.stdout.strip().splitlines()[-1] == (
        "purchase_orders: pulled=30 posted=30 skipped=0 quarantined=0 failed=0 pending=0"
    ), after.describe()
    assert after.stderr.strip() == (
        f"run {dead_run_id} (purchase_orders_sync) marked failed: its process (pid {killed.pid} on "
        f"{dead.tags['ml_connector/host']}) is gone, so its pool slots were freed"
    ), after.describe()
    assert took < NEXT_SYNC_SECONDS
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (30, 0)
    failed = instance.get_run_by_id(dead_run_id)
    assert failed is not None and failed.status == dg.DagsterRunStatus.FAILURE
    assert fusion_slot_holders(instance) == []


def start_run_worker(cli: ConnectorCli, start: datetime, end: datetime) -> subprocess.Popen[str]:
    """The job executed by Dagster's own run worker, with the code location's executor, as the daemon and the UI
    launch runs: in a session of its own, so it can be killed with its step processes."""
    last = end - timedelta(hours=1)
    tags = json.dumps(
        {
            "dagster/asset_partition_range_start": f"{start:%Y-%m-%d-%H:%M}",
            "dagster/asset_partition_range_end": f"{last:%Y-%m-%d-%H:%M}",
        }
    )
    return subprocess.Popen(
        [DAGSTER, "job", "execute", "-m", "ml_connector_dagster.definitions", "-j", JOB, "--tags", tags],
        cwd=PROJECT_ROOT,
        env=cli.env(cli.master_key),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def kill_run_worker_mid_pull(cli: ConnectorCli, sims: LocalSimulators, instance: dg.DagsterInstance) -> str:
    """Starts a run worker for a window whose Fusion read is held, kills it with its steps; the dead run's id."""
    start, end = hours_ago(6), hours_ago(5)
    sims.fusion.seed_purchase_orders(12, start, end)
    hold(sims.fusion_url, "GET", "purchaseOrders", seconds=KILL_WITHIN_SECONDS)
    worker = start_run_worker(cli, start, end)
    try:
        wait_for(lambda: sims.fusion.faults.fired >= 1 and fusion_slot_holders(instance), "the pull", worker)
        os.killpg(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    [dead_run_id] = fusion_slot_holders(instance)
    dead = instance.get_run_by_id(dead_run_id)
    assert dead is not None and dead.status == dg.DagsterRunStatus.STARTED
    assert dead.tags[PID_TAG] == str(worker.pid), "the run worker named itself"
    return dead_run_id


def test_the_sensor_fails_a_dead_run_worker_and_frees_its_slot(
    cli: ConnectorCli, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    dead_run_id = kill_run_worker_mid_pull(cli, sims, instance)

    tick = abandoned_runs_sensor(dg.build_sensor_context(instance=instance))

    assert isinstance(tick, dg.SkipReason) and dead_run_id in (tick.skip_message or "")
    failed = instance.get_run_by_id(dead_run_id)
    assert failed is not None and failed.status == dg.DagsterRunStatus.FAILURE
    assert fusion_slot_holders(instance) == []
    quiet = abandoned_runs_sensor(dg.build_sensor_context(instance=instance))
    assert isinstance(quiet, dg.SkipReason) and quiet.skip_message == "no abandoned run"


def test_the_next_daemon_launched_run_recovers_by_itself(
    cli: ConnectorCli, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    """No sensor tick: the next run's own worker fails the dead run before its steps claim a slot."""
    dead_run_id = kill_run_worker_mid_pull(cli, sims, instance)

    began = time.monotonic()
    worker = start_run_worker(cli, hours_ago(6), hours_ago(5))
    assert worker.wait(timeout=NEXT_SYNC_SECONDS) == 0
    assert time.monotonic() - began < NEXT_SYNC_SECONDS

    [run] = [r for r in instance.get_runs() if r.run_id != dead_run_id]
    assert run.status == dg.DagsterRunStatus.SUCCESS
    failed = instance.get_run_by_id(dead_run_id)
    assert failed is not None and failed.status == dg.DagsterRunStatus.FAILURE
    warnings = [entry.user_message for entry in instance.all_logs(run.run_id) if entry.level == logging.WARNING]
    assert any(f"run {dead_run_id} (purchase_orders_sync) marked failed" in message for message in warnings)
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (12, 0)


def test_a_live_run_is_never_taken_for_an_abandoned_one(
    cli: ConnectorCli, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    start, end = hours_ago(8), hours_ago(7)
    sims.fusion.seed_purchase_orders(5, start, end)
    hold(sims.fusion_url, "GET", "purchaseOrders", seconds=4)
    running = cli.start(*sync_args(start, end))
    wait_for(lambda: fusion_slot_holders(instance), "the pull", running)

    tick = abandoned_runs_sensor(dg.build_sensor_context(instance=instance))

    assert isinstance(tick, dg.SkipReason) and tick.skip_message == "no abandoned run"
    finished = cli.finish(running, sync_args(start, end))
    assert finished.code == ExitCode.OK and finished.stderr == "", finished.describe()
    assert sims.jaggaer.purchase_order_stats().stored == 5


def test_sigterm_ends_the_sync_cleanly_with_its_true_counts(
    cli: ConnectorCli, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    start, end = hours_ago(4), hours_ago(3)
    sims.fusion.seed_purchase_orders(40, start, end)
    # Every write answers slowly, so SIGTERM arrives while the post is part-way through.
    hold(sims.jaggaer_url, "POST", "purchaseorders", seconds=0.3, times=1000)
    args = sync_args(start, end)
    stopped = cli.start(*args)
    wait_for(lambda: sims.jaggaer.purchase_order_stats().writes >= 5, "the first writes", stopped)
    stopped.send_signal(signal.SIGTERM)
    result = cli.finish(stopped, args)

    stored = sims.jaggaer.purchase_order_stats().stored
    assert result.code == ExitCode.INTERRUPTED, result.describe()
    assert "Traceback" not in result.output, result.describe()
    run_line, counts_line = result.stdout.strip().splitlines()
    assert re.fullmatch(r"run [0-9a-f-]{36}", run_line), result.describe()
    assert 0 < stored < 40, "stopped part-way"
    assert counts_line == f"purchase_orders: pulled=40 posted={stored} skipped=0 quarantined=0 failed=0 pending=0"
    run_id = run_line.removeprefix("run ")
    assert result.stderr.strip() == (
        f"Error: run {run_id} was interrupted: stopped by SIGINT or SIGTERM during jaggaer__purchase_orders"
    )
    assert fusion_slot_holders(instance) == []

    httpx.put(f"{sims.jaggaer_url}/__sim__/faults", json={"rules": []}).raise_for_status()
    rest = cli.run(*args, timeout=NEXT_SYNC_SECONDS)
    assert rest.code == ExitCode.OK, rest.describe()
    assert f"posted={40 - stored} skipped={stored}" in rest.stdout, rest.describe()
    assert (sims.jaggaer.purchase_order_stats().stored, sims.jaggaer.purchase_order_stats().duplicates) == (40, 0)
