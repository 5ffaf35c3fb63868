"""Sync windows as Dagster time partitions: hourly by default, each a closed [start, end)."""

import dagster as dg

from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.sync.window import SyncWindow

PARTITION_FORMAT = "%Y-%m-%d-%H:%M"


def sync_windows(settings: ConnectorSettings) -> dg.TimeWindowPartitionsDefinition:
    return dg.TimeWindowPartitionsDefinition(
        cron_schedule=settings.partition_cron,
        start=settings.partition_start,
        fmt=PARTITION_FORMAT,
        timezone=settings.partition_timezone,
    )


SYNC_WINDOWS = sync_windows(ConnectorSettings())


def window_of(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> SyncWindow:
    """The whole range of the run: with a single-run backfill one run covers many partitions."""
    if not context.has_partition_key_range and not context.has_partition_key:
        raise dg.Failure(description="choose a sync window: this asset is partitioned by time window")
    time_window = context.partition_time_window
    return SyncWindow(start=time_window.start, end=time_window.end)
