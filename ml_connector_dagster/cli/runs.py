"""Runs the sync job for a range of windows on a real Dagster instance, as one single-run backfill."""

from datetime import datetime

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from pydantic import BaseModel

from ml_connector_dagster.definitions import defs
from ml_connector_dagster.defs.partitions import SYNC_WINDOWS
from ml_connector_dagster.sync.report import SyncCounts

PULL_ASSET = dg.AssetKey(["fusion", "purchase_orders"])
POST_ASSET = dg.AssetKey(["jaggaer", "purchase_orders"])


class SyncRunResult(BaseModel):
    run_id: str
    success: bool
    counts: SyncCounts
    failure: str | None = None


def partition_range(start: datetime, end: datetime) -> tuple[str, str]:
    keys = SYNC_WINDOWS.get_partition_keys_in_time_window(dg.TimeWindow(start, end))
    if not keys:
        raise ValueError(f"no complete sync window between {start.isoformat()} and {end.isoformat()}")
    return keys[0], keys[-1]


def run_purchase_orders(instance: dg.DagsterInstance, start: datetime, end: datetime) -> SyncRunResult:
    first, last = partition_range(start, end)
    job = defs.resolve_job_def("purchase_orders_sync")
    result = job.execute_in_process(
        # The console keeps to warnings and failures; every event is still in the instance's event log.
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        instance=instance,
        tags={ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last},
        raise_on_error=False,
    )
    return SyncRunResult(
        run_id=result.run_id,
        success=result.success,
        counts=_counts(result),
        failure=None if result.success else _failure(result),
    )


def _counts(result: dg.ExecuteInProcessResult) -> SyncCounts:
    """Pulled and quarantined come from the pull's metadata, the write outcomes from the post's."""
    pulled = _metadata(result, PULL_ASSET)
    posted = _metadata(result, POST_ASSET)
    return SyncCounts(
        pulled=pulled.get("pulled", 0),
        staged=pulled.get("staged", 0),
        quarantined=pulled.get("quarantined", 0),
        posted=posted.get("posted", 0),
        skipped=posted.get("skipped", 0),
        failed=posted.get("failed", 0),
    )


def _metadata(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict[str, int]:
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        if materialization.asset_key == key:
            return {k: v.value for k, v in materialization.metadata.items() if isinstance(v, dg.IntMetadataValue)}
    return {}


def _failure(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data.error:
            error = event.step_failure_data.error
            return f"{event.step_key}: {error.message.strip()}"
    return "the run failed"
