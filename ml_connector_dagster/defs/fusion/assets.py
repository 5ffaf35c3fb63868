"""fusion/purchase_orders: purchase orders changed in Oracle Fusion during a sync window, staged."""

from datetime import UTC, datetime

import dagster as dg

from ml_connector_dagster.defs.errors import as_dagster_failure
from ml_connector_dagster.defs.fusion.resources import FusionResource
from ml_connector_dagster.defs.metadata import counts_if_stopped, report_metadata
from ml_connector_dagster.defs.partitions import SYNC_WINDOWS, window_of
from ml_connector_dagster.defs.store.resources import ConnectorStoreResource
from ml_connector_dagster.fusion.feeds import FusionPurchaseOrderFeed
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.sync.pull import Pull


@dg.asset(
    key=["fusion", "purchase_orders"],
    group_name="purchase_orders",
    partitions_def=SYNC_WINDOWS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="fusion_api",
    kinds={"oracle"},
    description="Purchase orders (with lines, schedules, distributions) whose LastUpdateDate falls in the "
    "window, read from Fusion, validated, and staged by (POHeaderId, LastUpdateDate). Invalid ones are "
    "quarantined with the field at fault.",
)
def fusion_purchase_orders(
    context: dg.AssetExecutionContext, store: ConnectorStoreResource, fusion: FusionResource
) -> dg.MaterializeResult:
    settings = ConnectorSettings()
    window = window_of(context)
    with as_dagster_failure(), store.open() as opened, fusion.client(opened) as client:
        window.ensure_settled(datetime.now(UTC), settings.settle_lag)
        read_from = window.read_from(settings.lookback)
        pull = Pull(opened, FusionPurchaseOrderFeed(client), target_system="jaggaer", run_id=context.run_id)
        with counts_if_stopped(context, pull.report):
            report = pull.run(read_from, window.end)
    context.log.info(f"fusion purchase_orders {window.label}: {report.counts.line()}")
    if report.missing:
        # Once per run, whatever the number of windows: these are synced, but without the attribute.
        context.log.warning(
            f"fusion purchase_orders: optional attributes the pod did not send: {report.missing_line()}"
        )
    return dg.MaterializeResult(metadata=report_metadata(report, window, read_from.isoformat()))
