"""The whole code location loads, and its wiring is what review expects."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from ml_connector_dagster.definitions import defs

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_wiring_snapshot() -> None:
    graph = defs.resolve_asset_graph()
    assert sorted(key.to_user_string() for key in graph.get_all_asset_keys()) == [
        "fusion/purchase_orders",
        "jaggaer/purchase_orders",
    ]
    assert graph.get(dg.AssetKey(["jaggaer", "purchase_orders"])).parent_keys == {
        dg.AssetKey(["fusion", "purchase_orders"])
    }
    job = defs.resolve_job_def("purchase_orders_sync")
    assert job.partitions_def is not None
    schedule = defs.resolve_schedule_def("purchase_orders_hourly")
    assert schedule.job_name == "purchase_orders_sync"
    assert schedule.cron_schedule == "11 * * * *", "one minute after the default ten-minute settle lag"
    assert set(defs.resources or {}) == {"store", "fusion", "jaggaer"}
    sensor = defs.resolve_sensor_def("abandoned_runs")
    assert sensor.minimum_interval_seconds == 30
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING, "recovery needs no one to turn it on"
    # Runs the daemon and the UI launch name the process that executes them, as CLI runs do.
    assert job.executor_def.name == "recovering_multi_or_in_process"
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == job.executor_def.name


def test_every_asset_backfills_in_a_single_run() -> None:
    # Mixed policies make Dagster fall back to one run per partition for the whole backfill.
    for asset in defs.resolve_asset_graph().assets_defs:
        assert asset.backfill_policy == dg.BackfillPolicy.single_run()


def test_no_secret_is_resource_config() -> None:
    for resource in (defs.resources or {}).values():
        fields = type(resource).model_fields
        assert not {"master_key", "client_secret", "password"} & set(fields)


def test_dagster_definitions_validate(tmp_path: Path) -> None:
    dagster = str(Path(sys.executable).parent / "dagster")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
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
