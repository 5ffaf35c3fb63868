"""The Dagster instance on PostgreSQL, configured exactly as dagster.yaml documents it: the sync job runs there
and the fusion_api/jaggaer_api pools hold one step at a time across runs.

Each test gets a database of its own on ML_CONNECTOR_TEST_POSTGRES_URL's server, dropped afterwards; it is
skipped when that server is unreachable, unless ML_CONNECTOR_REQUIRE_POSTGRES=1 (CI) makes that a failure.
"""

import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import dagster as dg
import httpx
import pytest
import yaml
from dagster._utils.concurrency import PendingStepInfo
from sqlalchemy.engine import URL

from ml_connector_dagster.cli.exit_codes import ExitCode
from ml_connector_dagster.cli.simulators import LocalSimulators, running_simulators
from ml_connector_dagster.defs.runs.pools import POOLS, ensure_pools
from ml_connector_dagster_tests.cli_fixtures import PROJECT_DAGSTER_YAML, ConnectorCli
from ml_connector_dagster_tests.conftest import hours_ago
from ml_connector_dagster_tests.postgres import throwaway_database

POSTGRES_URL_ENV = "ML_CONNECTOR_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "ML_CONNECTOR_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def documented_storage_blocks() -> list[dict[str, object]]:
    """The `storage:` blocks commented out in dagster.yaml, uncommented: `#   ` starts each of their lines."""
    blocks: list[list[str]] = []
    previous_was_block = False
    for line in PROJECT_DAGSTER_YAML.read_text().splitlines():
        in_block = line.startswith("#   ")
        if in_block and not previous_was_block:
            blocks.append([])
        if in_block:
            blocks[-1].append(line.removeprefix("#   "))
        previous_was_block = in_block
    return [yaml.safe_load("\n".join(block))["storage"] for block in blocks]


@pytest.fixture
def database() -> Iterator[URL]:
    """An empty database for this test."""
    with throwaway_database("mlc_dagster") as url:
        yield url


def instance_env(database: URL) -> dict[str, str]:
    """The variables the documented blocks read, for this database."""
    return {
        "DAGSTER_PG_HOST": database.host or "127.0.0.1",
        "DAGSTER_PG_PORT": str(database.port or 5432),
        "DAGSTER_PG_USER": database.username or "postgres",
        "DAGSTER_PG_PASSWORD": database.password or "",
        "DAGSTER_PG_DB": database.database or "",
        "DAGSTER_PG_URL": database.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False),
    }


@pytest.fixture
def sims() -> Iterator[LocalSimulators]:
    with running_simulators() as running:
        yield running


def machine_on(tmp_path: Path, sims: LocalSimulators, storage: dict[str, object]) -> ConnectorCli:
    """A machine whose Dagster instance is the project's dagster.yaml with `storage` in place of SQLite."""
    cli = ConnectorCli(tmp_path)
    config = yaml.safe_load(PROJECT_DAGSTER_YAML.read_text())
    config["storage"] = storage
    (cli.dagster_home / "dagster.yaml").write_text(yaml.safe_dump(config))
    cli.point_at(sims)
    cli.post_reference_data(sims)
    return cli


@pytest.fixture
def instance_vars(database: URL, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    variables = instance_env(database)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return variables


def sync_args(start: datetime, end: datetime) -> tuple[str, ...]:
    return ("sync", "purchase-orders", "--start", f"{start:%Y-%m-%d %H:%M}", "--end", f"{end:%Y-%m-%d %H:%M}")


def open_instance(cli: ConnectorCli, monkeypatch: pytest.MonkeyPatch) -> dg.DagsterInstance:
    monkeypatch.setenv("DAGSTER_HOME", str(cli.dagster_home))
    return dg.DagsterInstance.get()


def run_id_of(stdout: str) -> str:
    match = re.search(r"^run ([0-9a-f-]{36})$", stdout, re.MULTILINE)
    assert match, stdout
    return match.group(1)


def test_dagster_yaml_documents_both_postgres_blocks() -> None:
    db_block, url_block = documented_storage_blocks()
    assert set(db_block["postgres"]["postgres_db"]) == {  # type: ignore[index]
        "hostname",
        "port",
        "username",
        "password",
        "db_name",
        "scheme",
    }
    assert url_block == {"postgres": {"postgres_url": {"env": "DAGSTER_PG_URL"}}}


@pytest.mark.parametrize("block", [0, 1], ids=["postgres_db", "postgres_url"])
def test_the_sync_job_runs_on_the_documented_postgres_instance(
    block: int,
    tmp_path: Path,
    sims: LocalSimulators,
    instance_vars: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli = machine_on(tmp_path, sims, documented_storage_blocks()[block])
    start, end = hours_ago(4), hours_ago(2)
    sims.fusion.seed_purchase_orders(20, start, end, malformed=2)

    synced = cli.run(*sync_args(start, end), extra_env=instance_vars)

    assert synced.code == ExitCode.OK, synced.describe()
    expected = "pulled=20 posted=18 skipped=0 quarantined=2 failed=0 pending=0"
    assert synced.stdout.strip().endswith(expected), synced.describe()
    with open_instance(cli, monkeypatch) as instance:
        assert type(instance.run_storage).__module__.startswith("dagster_postgres")
        run = instance.get_run_by_id(run_id_of(synced.stdout))
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        assert len(instance.get_materialized_partitions(dg.AssetKey(["jaggaer", "purchase_orders"]))) == 2
    assert list(cli.dagster_home.rglob("*.db")) == [], "nothing of the instance is kept in SQLite"


def test_pools_hold_one_step_per_system_across_runs_on_postgres(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sims: LocalSimulators,
    instance_vars: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli = machine_on(tmp_path, sims, documented_storage_blocks()[0])
    first, second = (hours_ago(6), hours_ago(5)), (hours_ago(3), hours_ago(2))
    sims.fusion.seed_purchase_orders(6, *first)
    sims.fusion.seed_purchase_orders(4, *second)
    instance = open_instance(cli, monkeypatch)
    request.addfinalizer(instance.dispose)
    # The first run's pull waits on Fusion, holding the fusion_api slot, long enough for a second `ml-connector`
    # process to start and queue even on a loaded machine.
    rule = {"mode": "slow_answer", "method": "GET", "path_contains": "purchaseOrders", "hold_seconds": 12}
    httpx.put(f"{sims.fusion_url}/__sim__/faults", json={"rules": [rule]}).raise_for_status()
    holder = cli.start(*sync_args(*first), extra_env=instance_vars)
    waiter = None
    try:
        deadline = time.monotonic() + 60
        while not instance.event_log_storage.get_concurrency_info("fusion_api").claimed_slots:
            assert holder.poll() is None and time.monotonic() < deadline, "the first run never took the slot"
            time.sleep(0.05)
        [holding] = instance.event_log_storage.get_concurrency_info("fusion_api").claimed_slots
        waiter = cli.start(*sync_args(*second), extra_env=instance_vars)
        while not (queued := _waiting(instance, "fusion_api")):
            assert waiter.poll() is None and time.monotonic() < deadline, "the second run never queued for the slot"
            time.sleep(0.05)
        [pending] = queued
        assert pending.run_id != holding.run_id and pending.step_key == "fusion__purchase_orders"
        assert [
            slot.run_id for slot in instance.event_log_storage.get_concurrency_info("fusion_api").claimed_slots
        ] == [holding.run_id], "one step holds the pool while the other waits"
        held = cli.finish(holder, sync_args(*first))
        waited = cli.finish(waiter, sync_args(*second))
    finally:
        for process in (holder, waiter):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()

    assert held.code == ExitCode.OK and "posted=6" in held.stdout, held.describe()
    assert waited.code == ExitCode.OK and "posted=4" in waited.stdout, waited.describe()
    assert (run_id_of(held.stdout), run_id_of(waited.stdout)) == (holding.run_id, pending.run_id)
    # The waiting run's pull started only after the holder's pull ended.
    holder_done = _step_time(instance, holding.run_id, dg.DagsterEventType.STEP_SUCCESS)
    waiter_started = _step_time(instance, pending.run_id, dg.DagsterEventType.STEP_START)
    assert waiter_started >= holder_done
    for pool in POOLS:
        info = instance.event_log_storage.get_concurrency_info(pool)
        assert (info.limit, info.claimed_slots, info.pending_steps) == (1, [], []), pool


def _waiting(instance: dg.DagsterInstance, pool: str) -> list[PendingStepInfo]:
    """Steps queued for the pool that have not been given a slot (a step holding one stays listed, assigned)."""
    pending = instance.event_log_storage.get_concurrency_info(pool).pending_steps
    return [step for step in pending if step.assigned_timestamp is None]


def _step_time(instance: dg.DagsterInstance, run_id: str, event_type: dg.DagsterEventType) -> float:
    [entry] = [
        entry for entry in instance.all_logs(run_id, of_type=event_type) if entry.step_key == "fusion__purchase_orders"
    ]
    return entry.timestamp


def test_runs_starting_at_once_on_a_new_instance_both_find_the_pools(
    tmp_path: Path, instance_vars: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dagster creates a pool at its first claim, and two first claims at once abort one run's transaction on
    PostgreSQL; every run creates the pools before its steps, and there losing that race is harmless."""
    home = tmp_path / "dagster"
    home.mkdir()
    config = yaml.safe_load(PROJECT_DAGSTER_YAML.read_text())
    config["storage"] = documented_storage_blocks()[1]
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instances = [dg.DagsterInstance.get() for _ in range(4)]
    start = threading.Barrier(len(instances))
    errors: list[BaseException] = []

    def first_run(instance: dg.DagsterInstance) -> None:
        start.wait()
        try:
            ensure_pools(instance)
        except BaseException as error:  # noqa: BLE001 - any error fails the test below, with its text
            errors.append(error)

    threads = [threading.Thread(target=first_run, args=(instance,)) for instance in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        for pool in POOLS:
            info = instances[0].event_log_storage.get_concurrency_info(pool)
            assert (info.limit, info.slot_count, info.using_default_limit) == (1, 1, True), pool
    finally:
        for instance in instances:
            instance.dispose()
