"""The whole code location loads, and its wiring is what review expects."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from ml_connector_dagster.definitions import defs

PROJECT_ROOT = Path(__file__).resolve().parents[1]


ENTITIES = ["cost_centers", "gl_accounts", "invoices", "purchase_orders", "suppliers"]


def test_wiring_snapshot() -> None:
    graph = defs.resolve_asset_graph()
    assert sorted(key.to_user_string() for key in graph.get_all_asset_keys()) == [
        f"{system}/{entity}" for system in ("fusion", "jaggaer") for entity in ENTITIES
    ]
    # Transactions post after the reference data and suppliers they name, when a run holds both.
    assert graph.get(dg.AssetKey(["jaggaer", "invoices"])).parent_keys == {
        dg.AssetKey(["fusion", "invoices"]),
        dg.AssetKey(["jaggaer", "cost_centers"]),
        dg.AssetKey(["jaggaer", "gl_accounts"]),
        dg.AssetKey(["jaggaer", "suppliers"]),
    }
    assert graph.get(dg.AssetKey(["jaggaer", "suppliers"])).parent_keys == {dg.AssetKey(["fusion", "suppliers"])}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name == key.path[0], "assets are grouped by system"
        assert node.kinds and node.owners and node.description
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert checks == {
        (f"fusion/{entity}", name)
        for entity in ("purchase_orders", "invoices")
        for name in ("gl_mapping", "suppliers_in_jaggaer")
    }
    for key in graph.asset_check_keys:
        spec = graph.get_check_spec(key)
        assert spec.blocking, f"{key} must stop the post when it fails with ERROR"
        assert {dep.asset_key for dep in spec.additional_deps} == {
            dg.AssetKey(["jaggaer", entity]) for entity in ("cost_centers", "gl_accounts", "suppliers")
        }, "checked after the reference data and suppliers of the same run have posted"
    for entity in ENTITIES:
        assert defs.resolve_job_def(f"{entity}_sync").partitions_def is not None
    job = defs.resolve_job_def("fusion_to_jaggaer")
    assert job.partitions_def is not None
    schedule = defs.resolve_schedule_def("fusion_to_jaggaer_hourly")
    assert schedule.job_name == "fusion_to_jaggaer"
    assert schedule.cron_schedule == "11 * * * *", "one minute after the default ten-minute settle lag"
    for entity in ("purchase_orders", "invoices", "suppliers"):
        assert defs.resolve_sensor_def(f"{entity}_changes").job_name == f"{entity}_sync"
    assert defs.resolve_job_def("replay") is not None
    assert set(defs.resources or {}) == {"store", "fusion", "jaggaer"}
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
