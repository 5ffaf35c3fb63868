"""An entity with no successful post in the last N windows fails its freshness check; a sync brings it back."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.definitions import defs
from ml_connector_dagster.defs.flows.assets import post_key
from ml_connector_dagster.defs.health.freshness import FRESHNESS_CHECK, FRESHNESS_SENSOR
from ml_connector_dagster.flows import FLOWS
from ml_connector_dagster.store import Store
from ml_connector_dagster_tests.conftest import PURCHASE_ORDERS, hours_ago, run_purchase_orders

CHECK = dg.AssetCheckKey(post_key(PURCHASE_ORDERS), FRESHNESS_CHECK)


def _evaluate(instance: dg.DagsterInstance) -> dg.AssetCheckEvaluation:
    job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection=set(), asset_check_selection={CHECK})
    result = job.execute_in_process(instance=instance)
    [evaluation] = result.get_asset_check_evaluations()
    return evaluation


def test_freshness_checks_are_one_per_entity_and_never_block() -> None:
    graph = defs.resolve_asset_graph()
    checks = {key for key in graph.asset_check_keys if key.name == FRESHNESS_CHECK}
    assert checks == {dg.AssetCheckKey(post_key(flow), FRESHNESS_CHECK) for flow in FLOWS}
    assert not any(graph.get_check_spec(key).blocking for key in checks)
    assert defs.resolve_sensor_def(FRESHNESS_SENSOR).default_status == dg.DefaultSensorStatus.RUNNING


def test_stale_after_n_windows_without_a_sync_and_fresh_after_one(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_CONNECTOR_FRESHNESS_WINDOWS", "3")
    never = _evaluate(instance)
    assert not never.passed and never.severity == dg.AssetCheckSeverity.ERROR
    assert "never synced" in (never.description or "")

    sims.fusion.seed_purchase_orders(3, hours_ago(6), hours_ago(5))
    assert run_purchase_orders(instance, hours_ago(6), hours_ago(5)).success
    stale = _evaluate(instance)
    assert not stale.passed, "a window six hours old is not one of the last three"
    assert "no successful sync in the last 3 window(s)" in (stale.description or "")
    assert stale.metadata["last_synced_window"].value == hours_ago(6).strftime("%Y-%m-%d %H:%M")

    assert run_purchase_orders(instance, hours_ago(2), hours_ago(1)).success
    fresh = _evaluate(instance)
    assert fresh.passed
    fresh_until = fresh.metadata["dagster/fresh_until_timestamp"].value
    # Stale once three more windows have closed after the one synced, and settled.
    assert fresh_until == (hours_ago(1) + timedelta(hours=3, minutes=10)).timestamp()
    assert fresh_until > datetime.now(UTC).timestamp()

    # A backfill of old windows after that changes nothing: the newest window synced counts, not the last run.
    assert run_purchase_orders(instance, hours_ago(9), hours_ago(8)).success
    assert _evaluate(instance).passed


def test_the_freshness_sensor_requests_checks_never_evaluated(instance: dg.DagsterInstance) -> None:
    sensor = defs.resolve_sensor_def(FRESHNESS_SENSOR)
    with dg.build_sensor_context(instance=instance, definitions=defs) as context:
        requested = sensor.evaluate_tick(context).run_requests
    assert requested is not None
    [request] = requested
    assert set(request.asset_check_keys or ()) == {dg.AssetCheckKey(post_key(flow), FRESHNESS_CHECK) for flow in FLOWS}
