"""Jobs and their schedules: one job per flow, run for the window that just settled."""

import dagster as dg
from dagster._core.definitions.partitions.partitioned_schedule import (
    UnresolvedPartitionedAssetScheduleDefinition,
)

from ml_connector_dagster.defs.partitions import SYNC_WINDOWS
from ml_connector_dagster.settings import ConnectorSettings

purchase_orders_sync = dg.define_asset_job(
    "purchase_orders_sync",
    selection=dg.AssetSelection.groups("purchase_orders"),
    partitions_def=SYNC_WINDOWS,
    description="Oracle Fusion purchase orders → JAGGAER, for one window or a range of windows in one run.",
)


def purchase_orders_schedule(
    settings: ConnectorSettings,
) -> UnresolvedPartitionedAssetScheduleDefinition | dg.ScheduleDefinition:
    # Fire once the settle lag has passed after the window closed; the asset refuses earlier reads.
    return dg.build_schedule_from_partitioned_job(
        purchase_orders_sync,
        name="purchase_orders_hourly",
        minute_of_hour=min(settings.settle_lag_minutes + 1, 59),
    )
