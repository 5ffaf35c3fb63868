"""A flow's two assets: `<source>/<entity>` pulls and stages a window, `<target>/<entity>` posts it."""

from datetime import UTC, datetime
from typing import Any

import dagster as dg

from ml_connector_dagster.defs.errors import as_dagster_failure
from ml_connector_dagster.defs.flows.engine import new_post, new_pull, opened_store, source_feed, target_sink
from ml_connector_dagster.defs.metadata import counts_if_stopped, report_metadata
from ml_connector_dagster.defs.partitions import SYNC_WINDOWS, window_of
from ml_connector_dagster.defs.runs.pools import pool_of
from ml_connector_dagster.flows import Flow, flow_named
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.sync.pull import snapshot_version

KINDS = {"fusion": "oracle", "jaggaer": "jaggaer", "netsuite": "netsuite"}
OWNERS = ["team:procurement-it"]


def _key(flow: Flow, system: str) -> dg.AssetKey:
    # A named connection's assets sit under its name: emea/fusion/purchase_orders.
    prefix = [flow.connection] if flow.connection else []
    return dg.AssetKey([*prefix, system, flow.base_entity])


def pull_key(flow: Flow) -> dg.AssetKey:
    return _key(flow, flow.source)


def post_key(flow: Flow) -> dg.AssetKey:
    return _key(flow, flow.target)


def _on(flow: Flow, system: str) -> dict[str, Any]:
    """What both assets of a flow share, for the system an asset talks to: windows, single-run backfills, the
    pool and group of the connection's system (its resource), kind and owners."""
    resource = flow.resource(system)
    return {
        "group_name": resource,
        "partitions_def": SYNC_WINDOWS,
        "backfill_policy": dg.BackfillPolicy.single_run(),
        "pool": pool_of(resource),
        "kinds": {KINDS.get(system, system)},
        "owners": OWNERS,
        "required_resource_keys": {"store", resource},
    }


def pull_asset(flow: Flow) -> dg.AssetsDefinition:
    @dg.asset(
        key=pull_key(flow),
        tags={"entity": flow.entity, "snapshot": str(flow.snapshot).lower()},
        description=flow.pull_description,
        **_on(flow, flow.source),
    )
    def _pull(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        settings = ConnectorSettings()
        window = window_of(context)
        with as_dagster_failure(), opened_store(context) as store, source_feed(context, flow, store) as feed:
            window.ensure_settled(datetime.now(UTC), settings.settle_lag)
            read_from = window.read_from(settings.lookback)
            pull = new_pull(flow, store, feed, context.run_id)
            with counts_if_stopped(context, pull.report):
                report = pull.run(read_from, window.end)
        context.log.info(f"{flow.source} {flow.entity} {window.label}: {report.counts.line()}")
        if report.missing:
            # Once per run, whatever the number of windows: these are synced, but without the attribute.
            context.log.warning(
                f"{flow.source} {flow.entity}: optional attributes the source did not send: {report.missing_line()}"
            )
        return dg.MaterializeResult(metadata=report_metadata(report, window, read_from.isoformat()))

    return _pull


def post_asset(flow: Flow) -> dg.AssetsDefinition:
    before = [post_key(flow_named(entity)) for entity in flow.after]

    @dg.asset(
        key=post_key(flow),
        deps=[pull_key(flow), *before],
        tags={"entity": flow.entity},
        description=flow.post_description,
        **_on(flow, flow.target),
    )
    def _post(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        settings = ConnectorSettings()
        window = window_of(context)
        read_from = window.read_from(settings.lookback)
        with as_dagster_failure(), opened_store(context) as store, target_sink(context, flow, store) as sink:
            post = new_post(flow, store, sink, context.run_id, settings)
            # A snapshot has one version per window, at its end: the look-back would only re-judge older ones.
            lo = snapshot_version(window.end) if flow.snapshot else read_from
            with counts_if_stopped(context, post.report):
                report = post.run(lo, window.end)
        context.log.info(f"{flow.target} {flow.entity} {window.label}: {report.counts.line()}")
        if report.counts.pending:
            context.log.warning(
                f"{flow.target} {flow.entity}: {report.counts.pending} record(s) wait in the pending queue "
                "(`ml-connector pending` lists them and why)"
            )
        return dg.MaterializeResult(metadata=report_metadata(report, window, read_from.isoformat()))

    return _post
