"""The deployment (deploy/): the Helm values and the process topology describe one system, and that system runs.

The first tests read deploy/helm/values.yaml, deploy/processes/ (dagster.yaml, workspace.yaml, start.sh) and
deploy/Dockerfile: the same PostgreSQL storage, run-queue limits per external system, run monitoring, pool
limit and code location, and docs/deployment.md explains every value.

The last one starts deploy/processes/start.sh on this machine (gRPC code server, dagster-daemon and
dagster-webserver on a fresh PostgreSQL database, the simulators in this process): the daemon launches a
schedule tick, whose run worker is killed mid-run while a sensor-requested run waits in the queue behind it.
With the default run launcher the run worker is a child of the code server, which fails the run as soon as the
worker dies (the daemon's run monitoring cannot check a worker's health with this launcher, and the
`abandoned_runs` sensor only acts when the code server went down too); the daemon's run monitoring then frees
the pool slot the dead run still holds, the queued run completes, and JAGGAER holds every order once.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import httpx
import pytest
import yaml
from dagster._core.scheduler.instigation import InstigatorType, ScheduleInstigatorData
from dagster._utils.schedules import get_latest_completed_cron_tick, get_next_cron_tick

from ml_connector_dagster.cli.simulators import LocalSimulators, running_simulators
from ml_connector_dagster.defs.partitions import SYNC_WINDOWS
from ml_connector_dagster.defs.runs.owner import PID_TAG
from ml_connector_dagster.defs.runs.pools import POOLS
from ml_connector_dagster.defs.runs.system_tags import system_tag, system_tags
from ml_connector_dagster.flows import FLOWS
from ml_connector_dagster.store import MasterKeys, Store
from ml_connector_dagster_tests.cli_fixtures import PROJECT_DAGSTER_YAML, ConnectorCli
from ml_connector_dagster_tests.postgres import throwaway_database
from ml_connector_dagster_tests.references import post_reference_data
from ml_connector_dagster_tests.test_dagster_postgres import instance_env

PROJECT = Path(__file__).resolve().parents[1]
DEPLOY = PROJECT / "deploy"
START = DEPLOY / "processes" / "start.sh"
BIN = Path(sys.executable).parent
VALUES = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
INSTANCE = yaml.safe_load((DEPLOY / "processes" / "dagster.yaml").read_text())
WORKSPACE = yaml.safe_load((DEPLOY / "processes" / "workspace.yaml").read_text())
[USER_DEPLOYMENT] = VALUES["dagster-user-deployments"]["deployments"]
DAEMON = VALUES["dagsterDaemon"]
LOCATION = USER_DEPLOYMENT["name"]
SCHEDULE = "fusion_to_jaggaer_hourly"
SENSOR = "purchase_orders_changes"
PARTITION = "dagster/partition"
ORDERS = 12
QUEUE_WATCH_SECONDS = 10
# From the start of the test to the daemon launching the owed tick: the topology's start, up to a minute's wait
# for the scheduler's iteration, and room for a loaded machine.
TICK_MARGIN_SECONDS = 240
DONE = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_both_topologies_keep_the_instance_in_postgres_through_psycopg2() -> None:
    assert VALUES["postgresql"]["enabled"] is False, "an existing PostgreSQL server, not one the chart deploys"
    assert VALUES["generatePostgresqlPasswordSecret"] is False
    [(kind, block)] = INSTANCE["storage"].items()
    assert (kind, set(block)) == ("postgres", {"postgres_db"})
    assert block["postgres_db"]["scheme"] == VALUES["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"


def test_both_topologies_queue_runs_with_one_limit_per_external_system() -> None:
    coordinator = DAEMON["runCoordinator"]
    assert (coordinator["enabled"], coordinator["type"]) == (True, "QueuedRunCoordinator")
    assert INSTANCE["run_coordinator"] == {"module": "dagster.core.run_coordinator", "class": "QueuedRunCoordinator"}
    runs, limits = INSTANCE["concurrency"]["runs"], VALUES["concurrency"]["runs"]
    assert VALUES["concurrency"]["enabled"] is True
    assert runs["max_concurrent_runs"] == limits["maxConcurrentRuns"]
    assert runs["tag_concurrency_limits"] == limits["tagConcurrencyLimits"]
    # Every system a flow touches has a limit, under the tag its jobs carry.
    systems = {system for flow in FLOWS for system in (flow.source, flow.target)}
    assert {limit["key"] for limit in runs["tag_concurrency_limits"]} == {system_tag(s) for s in systems}
    assert set(system_tags(FLOWS)) == {system_tag(s) for s in systems}


def test_both_topologies_monitor_runs_and_limit_pools_alike() -> None:
    assert INSTANCE["run_monitoring"] == {_snake(key): value for key, value in DAEMON["runMonitoring"].items()}
    assert INSTANCE["run_retries"] == {_snake(key): value for key, value in DAEMON["runRetries"].items()}
    pools = INSTANCE["concurrency"]["pools"]
    assert pools == {_snake(key): value for key, value in VALUES["concurrency"]["pools"].items()}
    assert pools == yaml.safe_load(PROJECT_DAGSTER_YAML.read_text())["concurrency"]["pools"]


def test_both_topologies_serve_the_same_code_location() -> None:
    module = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["dagster"]["module_name"]
    port = USER_DEPLOYMENT["port"]
    [entry] = WORKSPACE["load_from"]
    assert entry["grpc_server"]["location_name"] == LOCATION
    assert USER_DEPLOYMENT["dagsterApiGrpcArgs"] == ["-m", module]
    script = START.read_text()
    assert f"dagster api grpc -m {module} " in script
    assert f"ML_CONNECTOR_CODE_SERVER_PORT:-{port}}}" in script
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert f'CMD ["dagster", "api", "grpc", "-m", "{module}", "-h", "0.0.0.0", "-p", "{port}"]' in dockerfile
    assert f"EXPOSE {port}\n" in dockerfile
    assert "USER 10001:10001" in dockerfile and USER_DEPLOYMENT["podSecurityContext"]["runAsUser"] == 10001
    assert "pip install --no-deps --require-hashes -r requirements.lock" in dockerfile


def test_the_docs_explain_every_helm_value_and_create_every_secret() -> None:
    docs = (PROJECT / "docs" / "deployment.md").read_text()
    missing = [path for path in _value_paths(VALUES) if f"`{path}`" not in docs]
    assert missing == [], "keys of deploy/helm/values.yaml that docs/deployment.md does not explain"
    for secret in [VALUES["global"]["postgresqlSecretName"], *(s["name"] for s in USER_DEPLOYMENT["envSecrets"])]:
        assert f"kubectl create secret generic {secret} " in docs, secret


def _value_paths(values: Any, prefix: str = "") -> Iterator[str]:
    """Dotted paths of every value; `[]` stands for the items of a list of mappings."""
    if isinstance(values, dict):
        for key, value in values.items():
            yield from _value_paths(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(values, list) and values and all(isinstance(item, dict) for item in values):
        for item in values:
            yield from _value_paths(item, f"{prefix}[]")
    else:
        yield prefix


@dataclass
class Topology:
    process: subprocess.Popen[bytes]
    log: Path
    webserver: str

    def tail(self, lines: int = 80) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def graphql(self, query: str, **variables: object) -> dict[str, Any]:
        answer = httpx.post(f"{self.webserver}/graphql", json={"query": query, "variables": variables}, timeout=30)
        answer.raise_for_status()
        body = answer.json()
        assert "errors" not in body, body
        return body["data"]

    def wait_for(self, condition_met: Callable[[], object], what: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not condition_met():
            assert self.process.poll() is None, f"the topology exited before {what}:\n{self.tail()}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{self.tail()}"
            time.sleep(0.5)


@contextmanager
def running_topology(env: dict[str, str], log: Path) -> Iterator[Topology]:
    """start.sh in a session of its own, so that stopping it ends every process it started."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(START)], env=env, cwd=log.parent, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    topology = Topology(process, log, f"http://127.0.0.1:{env['ML_CONNECTOR_WEBSERVER_PORT']}")
    try:
        yield topology
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        finally:
            # Run workers the code server started are in the same session.
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_tree(root: int) -> list[int]:
    """`root` and every process descending from it (a run worker and its step processes)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


LOCATION_QUERY = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
DAEMONS_QUERY = "{ instance { daemonHealth { allDaemonStatuses { daemonType healthy } } } }"
START_SCHEDULE = """mutation($selector: ScheduleSelector!) { startSchedule(scheduleSelector: $selector) {
  __typename ... on ScheduleStateResult { scheduleState { status } } ... on PythonError { message } } }"""
START_SENSOR = """mutation($selector: SensorSelector!) { startSensor(sensorSelector: $selector) {
  __typename ... on Sensor { sensorState { status } } ... on PythonError { message } } }"""
# With run monitoring enabled the daemon runs these beside the scheduler and the sensors.
DAEMONS = {"SCHEDULER", "SENSOR", "QUEUED_RUN_COORDINATOR", "MONITORING"}


def ready(topology: Topology) -> bool:
    try:
        entries = topology.graphql(LOCATION_QUERY)["workspaceOrError"]["locationEntries"]
        daemons = topology.graphql(DAEMONS_QUERY)["instance"]["daemonHealth"]["allDaemonStatuses"]
    except httpx.HTTPError:
        return False
    loaded = [e for e in entries if e["name"] == LOCATION and e["loadStatus"] == "LOADED"]
    assert all(e["locationOrLoadError"]["__typename"] == "RepositoryLocation" for e in loaded), entries
    healthy = {d["daemonType"] for d in daemons if d["healthy"]}
    return bool(loaded) and healthy >= DAEMONS


def selector(**name: str) -> dict[str, str]:
    return {"repositoryLocationName": LOCATION, "repositoryName": "__repository__", **name}


def owe_the_last_tick(topology: Topology, instance: dg.DagsterInstance, last_tick: datetime) -> None:
    """Turns the schedule on (through the webserver, as a person would) as if that had been done before its last
    tick: the daemon launches the tick it owes at its next iteration instead of waiting for the next :11.

    The scheduler iterates at each minute's start; turning on and backdating in between keeps it from seeing
    the schedule with today's start."""
    if datetime.now(UTC).second > 45:
        time.sleep(62 - datetime.now(UTC).second)
    started = topology.graphql(START_SCHEDULE, selector=selector(scheduleName=SCHEDULE))["startSchedule"]
    assert started.get("scheduleState") == {"status": "RUNNING"}, started
    [state] = [
        s
        for s in instance.all_instigator_state(instigator_type=InstigatorType.SCHEDULE)
        if s.instigator_name == SCHEDULE
    ]
    data = state.instigator_data
    assert isinstance(data, ScheduleInstigatorData)
    backdated = ScheduleInstigatorData(data.cron_schedule, start_timestamp=last_tick.timestamp() - 60)
    instance.update_instigator_state(state.with_data(backdated))


def runs_of(instance: dg.DagsterInstance, tag: str, name: str) -> list[dg.DagsterRun]:
    return list(instance.get_runs(filters=dg.RunsFilter(tags={tag: name})))


def slot_holders(instance: dg.DagsterInstance) -> set[str]:
    return {
        slot.run_id for pool in POOLS for slot in instance.event_log_storage.get_concurrency_info(pool).claimed_slots
    }


def prepare_store(cli: ConnectorCli, sims: LocalSimulators) -> None:
    store = Store.open(f"sqlite:///{cli.db_path}", MasterKeys.from_env_value(cli.master_key))
    try:
        sims.store_credentials(store)
        post_reference_data(store, sims)
    finally:
        store.close()


def the_last_tick() -> datetime:
    """When the schedule last fired (or would have, had it been on), once the next tick is far enough away for the
    daemon to launch the owed one first: the scheduler launches only the newest tick it owes, so a test that
    reached the schedule after the next tick would wait for a run that never comes."""
    from ml_connector_dagster.definitions import defs

    schedule = defs.resolve_schedule_def(SCHEDULE)
    cron, zone = str(schedule.cron_schedule), schedule.execution_timezone
    next_tick = get_next_cron_tick(cron, datetime.now(UTC), zone)
    if (next_tick - datetime.now(UTC)).total_seconds() < TICK_MARGIN_SECONDS:
        time.sleep(max((next_tick - datetime.now(UTC)).total_seconds(), 0) + 5)
    return get_latest_completed_cron_tick(cron, datetime.now(UTC), zone)


def status_of(instance: dg.DagsterInstance, run: dg.DagsterRun) -> dg.DagsterRunStatus | None:
    current = instance.get_run_by_id(run.run_id)
    return current.status if current else None


def kill_the_scheduled_run_behind_a_queued_one(
    topology: Topology, instance: dg.DagsterInstance, last_tick: datetime, partition: str, sims: LocalSimulators
) -> tuple[dg.DagsterRun, dg.DagsterRun]:
    """The schedule's run, killed with its step processes while it waits on Fusion, once the sensor's run is
    queued behind it; returns both runs."""
    owe_the_last_tick(topology, instance, last_tick)

    def reading_fusion() -> list[dg.DagsterRun]:
        # Only the owed tick's run: a test running across the next tick sees that one queued as well.
        runs = [
            run for run in runs_of(instance, "dagster/schedule_name", SCHEDULE) if run.tags.get(PARTITION) == partition
        ]
        return [run for run in runs if sims.fusion.faults.fired >= 1 and run.run_id in slot_holders(instance)]

    topology.wait_for(reading_fusion, "the scheduled run to read from Fusion", seconds=150)
    [scheduled] = reading_fusion()
    started = topology.graphql(START_SENSOR, selector=selector(sensorName=SENSOR))["startSensor"]
    assert started.get("sensorState") == {"status": "RUNNING"}, started
    topology.wait_for(lambda: runs_of(instance, "dagster/sensor_name", SENSOR), "the sensor's run", seconds=60)
    [queued] = runs_of(instance, "dagster/sensor_name", SENSOR)
    topology.wait_for(lambda: status_of(instance, queued) != dg.DagsterRunStatus.NOT_STARTED, "the queue", 30)
    # A run the limits let through leaves the queue at the next dequeue (every 5 s).
    time.sleep(QUEUE_WATCH_SECONDS)
    assert status_of(instance, queued) == dg.DagsterRunStatus.QUEUED, "one run per system at a time: it waits"
    assert status_of(instance, scheduled) == dg.DagsterRunStatus.STARTED

    named = instance.get_run_by_id(scheduled.run_id)
    assert named is not None and PID_TAG in named.tags, "the run worker named itself"
    for pid in process_tree(int(named.tags[PID_TAG])):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return scheduled, queued


@pytest.mark.timeout(480 + TICK_MARGIN_SECONDS)
def test_a_killed_run_is_failed_its_slot_freed_and_the_queued_run_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    last_tick = the_last_tick()
    # The tick runs the window that closed before it; the sensor finds the same orders there.
    partition = SYNC_WINDOWS.get_partition_key_for_timestamp(last_tick.timestamp() - 3600)
    window = SYNC_WINDOWS.time_window_for_partition_key(partition)
    cli = ConnectorCli(tmp_path)
    with throwaway_database("mlc_deploy") as database, running_simulators() as sims:
        prepare_store(cli, sims)
        sims.fusion.seed_purchase_orders(ORDERS, window.start, window.end)
        # Fusion holds its answer to the first read (the scheduled run's first pull): the run is killed while it
        # waits, before it has read any order.
        rule = {"mode": "slow_answer", "method": "GET", "hold_seconds": 60}
        httpx.put(f"{sims.fusion_url}/__sim__/faults", json={"rules": [rule]}).raise_for_status()
        variables = instance_env(database)
        ports = {name: str(free_port()) for name in ("ML_CONNECTOR_CODE_SERVER_PORT", "ML_CONNECTOR_WEBSERVER_PORT")}
        env = {**cli.env(cli.master_key), **variables, **ports, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
        for name, value in {**variables, "DAGSTER_HOME": str(cli.dagster_home)}.items():
            monkeypatch.setenv(name, value)

        with running_topology(env, tmp_path / "topology.log") as topology:
            topology.wait_for(lambda: ready(topology), "the code location and the daemons", seconds=120)
            instance = dg.DagsterInstance.get()
            try:
                scheduled, queued = kill_the_scheduled_run_behind_a_queued_one(
                    topology, instance, last_tick, partition, sims
                )
                topology.wait_for(
                    lambda: status_of(instance, scheduled) == dg.DagsterRunStatus.FAILURE, "the run to fail", 60
                )
                held_when_failed = scheduled.run_id in slot_holders(instance)
                topology.wait_for(
                    lambda: scheduled.run_id not in slot_holders(instance), "run monitoring to free the slot", 120
                )
                freed_at = time.time()
                topology.wait_for(lambda: status_of(instance, queued) in DONE, "the queued run to finish", 180)
                failed = instance.get_run_record_by_id(scheduled.run_id)
                finished = instance.get_run_record_by_id(queued.run_id)
                crash = [entry.message for entry in instance.all_logs(scheduled.run_id)]
                holders = slot_holders(instance)
            finally:
                instance.dispose()

    assert failed is not None and finished is not None
    assert finished.dagster_run.status == dg.DagsterRunStatus.SUCCESS
    # The code server saw its run worker die and failed the run; the slot outlived the run until the daemon's run
    # monitoring freed it (free_slots_after_run_end_seconds after the run ended).
    assert failed.dagster_run.status == dg.DagsterRunStatus.FAILURE
    assert any(f"Run execution process for {scheduled.run_id} was terminated by signal 9" in m for m in crash)
    assert held_when_failed
    assert failed.end_time is not None
    assert freed_at - failed.end_time >= INSTANCE["run_monitoring"]["free_slots_after_run_end_seconds"]
    # The queue held the sensor's run until the killed run had ended.
    assert finished.start_time is not None
    assert finished.start_time >= failed.end_time
    assert holders.isdisjoint({scheduled.run_id, queued.run_id})
    for run in (scheduled, queued):
        assert run.tags[PARTITION] == partition
        assert {system_tag("fusion"), system_tag("jaggaer")} <= set(run.tags)
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (ORDERS, 0)
