"""Freshness per entity: a check on each post asset that fails when none of the last N settled windows has a
successful post, and Dagster's freshness sensor, which runs the checks when they could have turned stale.

Dagster's own freshness checks do not fit: `build_last_update_freshness_checks` counts any materialization (a
backfill of last year's windows would read as fresh), and `build_time_partition_freshness_checks` wants exactly
the latest window, so one quiet hour would fail it. This check writes the same `fresh_until` metadata theirs do,
so `build_sensor_for_freshness_checks` schedules it.
"""

import warnings
from datetime import UTC, datetime, timedelta

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_factories.utils import FRESH_UNTIL_METADATA_KEY

from ml_connector_dagster.alerts import HealthSettings
from ml_connector_dagster.defs.flows.assets import post_key
from ml_connector_dagster.defs.partitions import SYNC_WINDOWS
from ml_connector_dagster.flows import Flow
from ml_connector_dagster.settings import ConnectorSettings

FRESHNESS_CHECK = "synced_recently"
FRESHNESS_SENSOR = "freshness_checks"
_FORMAT = "%Y-%m-%d %H:%M"


def last_synced_window(instance: dg.DagsterInstance, asset_key: dg.AssetKey) -> dg.TimeWindow | None:
    """The newest window with a successful post (partition keys sort as their times); a backfill of old windows
    does not make an entity look fresh."""
    keys = instance.get_materialized_partitions(asset_key)
    return SYNC_WINDOWS.time_window_for_partition_key(max(keys)) if keys else None


def oldest_fresh_window(now: datetime, windows: int, settle_lag: timedelta) -> dg.TimeWindow:
    """The oldest of the last `windows` windows that have closed and settled by `now`."""
    window = SYNC_WINDOWS.get_prev_partition_window(now - settle_lag, respect_bounds=False)
    assert window is not None
    for _ in range(windows - 1):
        window = SYNC_WINDOWS.get_prev_partition_window(window.start, respect_bounds=False)
        assert window is not None
    return window


def _stale_from(last: dg.TimeWindow, windows: int, settle_lag: timedelta) -> datetime:
    """When `last` stops being one of the last `windows` settled windows."""
    window = last
    for _ in range(windows):
        following = SYNC_WINDOWS.get_next_partition_window(window.end, respect_bounds=False)
        assert following is not None
        window = following
    return window.end + settle_lag


def freshness_result(
    instance: dg.DagsterInstance, flow: Flow, now: datetime, windows: int, settle_lag: timedelta
) -> dg.AssetCheckResult:
    last = last_synced_window(instance, post_key(flow))
    oldest = oldest_fresh_window(now, windows, settle_lag)
    passed = last is not None and last.start >= oldest.start
    metadata: dict[str, dg.MetadataValue] = {
        "windows": dg.MetadataValue.int(windows),
        "oldest_fresh_window": dg.MetadataValue.text(oldest.start.strftime(_FORMAT)),
        "last_synced_window": dg.MetadataValue.text(last.start.strftime(_FORMAT) if last else "never"),
    }
    if last is not None and passed:
        metadata[FRESH_UNTIL_METADATA_KEY] = dg.MetadataValue.timestamp(_stale_from(last, windows, settle_lag))
    synced = f"last synced window starts {last.start.strftime(_FORMAT)} UTC" if last else "never synced"
    description = (
        f"{flow.target}/{flow.entity}: {synced}"
        if passed
        else f"{flow.target}/{flow.entity} has no successful sync in the last {windows} window(s) ({synced}): "
        f"look at its recent runs, or run `ml-connector sync` for the missing windows"
    )
    return dg.AssetCheckResult(
        passed=passed, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata, description=description
    )


def freshness_check(flow: Flow) -> dg.AssetChecksDefinition:
    # Not blocking and not partitioned: it rides along with the flow's sync runs and backfills (as every check
    # on an asset does) without ever stopping a post, and judges the entity, not one window.
    @dg.asset_check(
        asset=post_key(flow),
        name=FRESHNESS_CHECK,
        blocking=False,
        description=f"{flow.title}: fails when none of the last ML_CONNECTOR_FRESHNESS_WINDOWS (default 3) settled "
        "windows has a successful post.",
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        windows = HealthSettings().freshness_windows
        return freshness_result(context.instance, flow, datetime.now(UTC), windows, ConnectorSettings().settle_lag)

    return _check


def freshness_sensor(checks: list[dg.AssetChecksDefinition]) -> dg.SensorDefinition:
    with warnings.catch_warnings():
        # Superseded by FreshnessPolicy, which is no check: it cannot fail a check that alerts, and has no notion
        # of "N windows".
        warnings.simplefilter("ignore", category=dg.SupersessionWarning)
        return dg.build_sensor_for_freshness_checks(
            freshness_checks=checks,
            name=FRESHNESS_SENSOR,
            minimum_interval_seconds=300,
            default_status=dg.DefaultSensorStatus.RUNNING,
        )
