"""The whole code location loads, and its wiring is what review expects."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from ml_connector_dagster.definitions import defs
from ml_connector_dagster.defs.flows.jobs import hourly_schedule
from ml_connector_dagster.defs.partitions import sync_windows
from ml_connector_dagster.settings import ConnectorSettings

PROJECT_ROOT = Path(__file__).resolve().parents[1]


OUTBOUND = ["cost_centers", "gl_accounts", "invoices", "purchase_orders", "suppliers"]
INBOUND = ["acknowledgments", "payables_invoices", "receipts"]
NETSUITE_DIMENSIONS = ["netsuite_subsidiaries", "netsuite_departments", "netsuite_classes", "netsuite_locations"]
NETSUITE_REFERENCE = [*NETSUITE_DIMENSIONS, "netsuite_accounts", "netsuite_vendors"]
NETSUITE = [*NETSUITE_REFERENCE, "netsuite_purchase_orders", "netsuite_vendor_bills"]
ENTITIES = OUTBOUND + INBOUND
TWO_WAY = ["suppliers", "cost_centers", "gl_values"]
RECONCILED = ["suppliers", "purchase_orders", "invoices", *INBOUND, *NETSUITE[-3:]]


def test_wiring_snapshot() -> None:
    graph = defs.resolve_asset_graph()
    assert sorted(key.to_user_string() for key in graph.get_all_asset_keys()) == sorted(
        [f"{system}/{entity}" for system in ("fusion", "jaggaer") for entity in ENTITIES]
        + [f"{system}/{entity}" for system in ("netsuite", "jaggaer") for entity in NETSUITE]
        + [f"two_way/{entity}" for entity in TWO_WAY]
        + [f"reconciliation/{entity}" for entity in RECONCILED]
    )
    # NetSuite's bills post after every GL dimension and the vendors of the same run.
    assert graph.get(dg.AssetKey(["jaggaer", "netsuite_vendor_bills"])).parent_keys == {
        dg.AssetKey(["netsuite", "netsuite_vendor_bills"]),
        *(dg.AssetKey(["jaggaer", entity]) for entity in NETSUITE_REFERENCE),
    }
    # Transactions post after the reference data and suppliers they name, when a run holds both.
    assert graph.get(dg.AssetKey(["jaggaer", "invoices"])).parent_keys == {
        dg.AssetKey(["fusion", "invoices"]),
        dg.AssetKey(["jaggaer", "cost_centers"]),
        dg.AssetKey(["jaggaer", "gl_accounts"]),
        dg.AssetKey(["jaggaer", "suppliers"]),
    }
    assert graph.get(dg.AssetKey(["jaggaer", "suppliers"])).parent_keys == {dg.AssetKey(["fusion", "suppliers"])}
    # Back in Fusion, invoices are matched against the receipts of the same run.
    assert graph.get(dg.AssetKey(["fusion", "payables_invoices"])).parent_keys == {
        dg.AssetKey(["jaggaer", "payables_invoices"]),
        dg.AssetKey(["fusion", "receipts"]),
    }
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name == key.path[0], "assets are grouped by system, two-way cycles apart"
        assert node.kinds and node.owners and node.description
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    blocking = {
        (f"fusion/{entity}", name)
        for entity in ("purchase_orders", "invoices")
        for name in ("gl_mapping", "suppliers_in_jaggaer")
    }
    netsuite_blocking = {
        (f"netsuite/{entity}", name)
        for entity in ("netsuite_purchase_orders", "netsuite_vendor_bills")
        for name in ("gl_mapping", "suppliers_in_jaggaer")
    }
    fresh = {
        (f"{'fusion' if entity in INBOUND else 'jaggaer'}/{entity}", "synced_recently")
        for entity in ENTITIES + NETSUITE
    }
    assert checks == (
        blocking | netsuite_blocking | fresh | {(f"jaggaer/{entity}", "orders_known") for entity in INBOUND}
    )
    for key in graph.asset_check_keys:
        spec = graph.get_check_spec(key)
        named = (key.asset_key.to_user_string(), key.name)
        if named not in blocking | netsuite_blocking:
            assert not spec.blocking, "records naming an order Fusion lacks wait when they post: never blocking"
            continue
        assert spec.blocking, f"{key} must stop the post when it fails with ERROR"
        before = ("cost_centers", "gl_accounts", "suppliers") if named in blocking else NETSUITE_REFERENCE
        assert {dep.asset_key for dep in spec.additional_deps} == {
            dg.AssetKey(["jaggaer", entity]) for entity in before
        }, "checked after the reference data and suppliers of the same run have posted"
    for entity in ENTITIES + NETSUITE:
        assert defs.resolve_job_def(f"{entity}_sync").partitions_def is not None
    directions = (("fusion_to_jaggaer", OUTBOUND), ("jaggaer_to_fusion", INBOUND), ("netsuite_to_jaggaer", NETSUITE))
    for direction, entities in directions:
        job = defs.resolve_job_def(direction)
        assert job.partitions_def is not None
        assert {key.path[1] for key in job.asset_layer.selected_asset_keys} == set(entities)
        schedule = defs.resolve_schedule_def(f"{direction}_hourly")
        assert schedule.job_name == direction
        assert schedule.cron_schedule == "11 * * * *", "one minute after the default ten-minute settle lag"
    every = defs.resolve_job_def("all_flows")
    assert {key.path[1] for key in every.asset_layer.selected_asset_keys} == set(ENTITIES + NETSUITE)
    windowed = ("netsuite_vendors", "netsuite_purchase_orders", "netsuite_vendor_bills")
    for entity in ("purchase_orders", "invoices", "suppliers", *INBOUND, *windowed):
        assert defs.resolve_sensor_def(f"{entity}_changes").job_name == f"{entity}_sync"
    sensors = {sensor.name for sensor in defs.sensors or ()}
    assert not {f"{entity}_changes" for entity in NETSUITE_REFERENCE[:-1]} & sensors, "read whole by the schedule"
    for name in ("run_failure_alerts", "check_failure_alerts", "freshness_checks"):
        assert defs.resolve_sensor_def(name).default_status == dg.DefaultSensorStatus.RUNNING
    assert defs.resolve_schedule_def("reconciliation_daily").job_name == "reconciliation"
    pushes = defs.resolve_sensor_def("netsuite_pushes")
    assert sorted(target.job_name for target in pushes.targets) == sorted(f"{entity}_sync" for entity in windowed)
    assert pushes.default_status == dg.DefaultSensorStatus.RUNNING
    two_way = defs.resolve_job_def("two_way_sync")
    assert {key.to_user_string() for key in two_way.asset_layer.selected_asset_keys} == {
        f"two_way/{entity}" for entity in TWO_WAY
    }
    assert defs.resolve_schedule_def("two_way_sync_hourly").job_name == "two_way_sync"
    exports = defs.resolve_sensor_def("document_exports")
    assert [target.job_name for target in exports.targets] == ["payables_invoices_sync"]
    assert exports.default_status == dg.DefaultSensorStatus.RUNNING
    assert defs.resolve_job_def("replay") is not None
    assert set(defs.resources or {}) == {"store", "fusion", "jaggaer", "netsuite"}
    sensor = defs.resolve_sensor_def("abandoned_runs")
    assert sensor.minimum_interval_seconds == 30
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING, "recovery needs no one to turn it on"
    # Runs the daemon and the UI launch name the process that executes them, as CLI runs do.
    assert job.executor_def.name == "recovering_multi_or_in_process"
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == job.executor_def.name


def test_every_asset_backfills_in_a_single_run() -> None:
    # Mixed policies make Dagster fall back to one run per partition for the whole backfill.
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        assert graph.get(key).backfill_policy == dg.BackfillPolicy.single_run(), key


def test_no_secret_is_resource_config() -> None:
    for resource in (defs.resources or {}).values():
        fields = type(resource).model_fields
        assert not {"master_key", "client_secret", "password"} & set(fields)


@pytest.mark.parametrize("cron", ["0 * * * *", "*/5 * * * *"])
def test_dagster_definitions_validate(tmp_path: Path, cron: str) -> None:
    dagster = str(Path(sys.executable).parent / "dagster")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "ML_CONNECTOR_PARTITION_CRON": cron}
    result = subprocess.run(
        [dagster, "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All code locations passed validation" in result.stdout + result.stderr


def test_windows_of_five_minutes_are_each_scheduled_once_after_they_settle() -> None:
    settings = ConnectorSettings(partition_cron="*/5 * * * *", settle_lag_minutes=2)
    windows = sync_windows(settings)

    @dg.asset(partitions_def=windows)
    def synced() -> None: ...

    job = dg.define_asset_job("five_minute_windows", partitions_def=windows)
    schedule = hourly_schedule(job, settings)
    assert isinstance(schedule, dg.ScheduleDefinition) and schedule.cron_schedule == "*/5 * * * *"
    repository = dg.Definitions(assets=[synced], jobs=[job], schedules=[schedule]).get_repository_def()

    def requested(hour: int, minute: int) -> list[str | None]:
        at = datetime(2026, 11, 30, hour, minute, tzinfo=UTC)
        context = dg.build_schedule_context(scheduled_execution_time=at, repository_def=repository)
        result = schedule.evaluate_tick(context)
        return [request.partition_key for request in result.run_requests or []]

    # At 10:05 the window that closed at 10:05 has not settled (2 minutes); the one before has.
    assert requested(10, 5) == ["2026-11-30-09:55"]
    assert requested(10, 10) == ["2026-11-30-10:00"]
