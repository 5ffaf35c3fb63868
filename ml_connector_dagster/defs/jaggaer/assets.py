"""jaggaer/purchase_orders: the window's staged purchase orders, written to JAGGAER."""

import dagster as dg

from ml_connector_dagster.defs.errors import as_dagster_failure
from ml_connector_dagster.defs.jaggaer.resources import JaggaerResource
from ml_connector_dagster.defs.metadata import counts_if_stopped, report_metadata
from ml_connector_dagster.defs.partitions import SYNC_WINDOWS, window_of
from ml_connector_dagster.defs.store.resources import ConnectorStoreResource
from ml_connector_dagster.jaggaer.sinks import JaggaerPurchaseOrderSink
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.sync.post import Post


@dg.asset(
    key=["jaggaer", "purchase_orders"],
    deps=[dg.AssetKey(["fusion", "purchase_orders"])],
    group_name="purchase_orders",
    partitions_def=SYNC_WINDOWS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="jaggaer_api",
    kinds={"jaggaer"},
    description="Staged purchase orders of the window, written to JAGGAER by PO number: newest version "
    "only, never older over newer, unchanged payloads skipped, every outcome in the audit trail.",
)
def jaggaer_purchase_orders(
    context: dg.AssetExecutionContext, store: ConnectorStoreResource, jaggaer: JaggaerResource
) -> dg.MaterializeResult:
    settings = ConnectorSettings()
    window = window_of(context)
    read_from = window.read_from(settings.lookback)
    with as_dagster_failure(), store.open() as opened, jaggaer.client(opened) as client:
        post = Post(opened, JaggaerPurchaseOrderSink(client), "fusion", "purchase_orders", context.run_id)
        with counts_if_stopped(context, post.report):
            report = post.run(read_from, window.end)
    context.log.info(f"jaggaer purchase_orders {window.label}: {report.counts.line()}")
    return dg.MaterializeResult(metadata=report_metadata(report, window, read_from.isoformat()))
