"""Reconciliation in Dagster: one daily asset per windowed flow (`reconciliation/<entity>`), a job and a daily
schedule (stopped until an operator starts it) for them, and the `reconciliation_repair` job that
`ml-connector reconcile --repair` runs for any range of sync windows.

The assets only report, unless their run config says `repair: true`. They are no part of the sync jobs.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg
from pydantic import Field

from ml_connector_dagster.defs.errors import as_dagster_failure
from ml_connector_dagster.defs.flows.assets import KINDS, OWNERS, post_key
from ml_connector_dagster.defs.flows.engine import (
    new_post,
    new_pull,
    new_reconciliation,
    opened_store,
    source_feed,
    target_sink,
)
from ml_connector_dagster.defs.partitions import PARTITION_FORMAT
from ml_connector_dagster.defs.reconcile_metadata import reconcile_metadata
from ml_connector_dagster.defs.runs.pools import pool_of
from ml_connector_dagster.defs.runs.system_tags import system_tags
from ml_connector_dagster.flows import Flow
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.sync.reconcile import repair
from ml_connector_dagster.sync.reconcile_report import ReconcileReport
from ml_connector_dagster.sync.report import FlowReport
from ml_connector_dagster.sync.window import SyncWindow

GROUP = "reconciliation"
RECONCILIATION_JOB = "reconciliation"
REPAIR_JOB = "reconciliation_repair"


def reconciliation_days(settings: ConnectorSettings) -> dg.DailyPartitionsDefinition:
    """One partition per day, from the day the sync windows start."""
    first = datetime.strptime(settings.partition_start, PARTITION_FORMAT)
    return dg.DailyPartitionsDefinition(start_date=first.strftime("%Y-%m-%d"), timezone=settings.partition_timezone)


RECONCILIATION_DAYS = reconciliation_days(ConnectorSettings())


def reconciliation_key(flow: Flow) -> dg.AssetKey:
    """`reconciliation/purchase_orders`; a named connection's under its name: `emea/reconciliation/purchase_orders`."""
    prefix = [flow.connection] if flow.connection else []
    return dg.AssetKey([*prefix, GROUP, flow.base_entity])


def reconciled_flows(flows: tuple[Flow, ...]) -> tuple[Flow, ...]:
    """Flows with a change time at the source: a snapshot has no range to reconcile (the two-way cycles and
    every run read it whole)."""
    return tuple(flow for flow in flows if not flow.snapshot)


class ReconcileConfig(dg.Config):
    repair: bool = Field(
        default=False,
        description="re-send what is missing in the target or stale in the ledger, then reconcile again",
    )


@dataclass(frozen=True)
class Reconciled:
    before: ReconcileReport
    after: ReconcileReport | None = None
    repaired: FlowReport | None = None

    @property
    def final(self) -> ReconcileReport:
        return self.after or self.before


def reconcile_range(
    context: dg.AssetExecutionContext | dg.OpExecutionContext, flow: Flow, window: SyncWindow, fix: bool
) -> Reconciled:
    """Reconciles the flow over the window; with `fix`, repairs in this run and reconciles again."""
    settings = ConnectorSettings()
    with (
        as_dagster_failure(),
        opened_store(context) as store,
        source_feed(context, flow, store) as feed,  # type: ignore[arg-type]
        target_sink(context, flow, store) as sink,  # type: ignore[arg-type]
    ):
        window.ensure_settled(datetime.now(UTC), settings.settle_lag)
        before = new_reconciliation(flow, store, feed, sink).run(window.start, window.end)
        context.log.info(f"reconciliation of {before.label()}: {before.line()}")
        if not fix or not before.repairable:
            return Reconciled(before)
        pull = new_pull(flow, store, feed, context.run_id)
        repaired = repair(store, before, pull, new_post(flow, store, sink, context.run_id, settings))
        repaired.counts.pulled, repaired.counts.staged = pull.report.counts.pulled, pull.report.counts.staged
        repaired.counts.quarantined = pull.report.counts.quarantined
        # What the repair posted, where `ml-connector` and the UI read a run's counts per flow.
        counts = {name: dg.MetadataValue.int(value) for name, value in repaired.counts.model_dump().items()}
        context.log_event(dg.AssetObservation(asset_key=post_key(flow), metadata=counts))
        after = new_reconciliation(flow, store, feed, sink).run(window.start, window.end)
        context.log.info(f"repair of {before.label()}: {repaired.counts.line()}; afterwards: {after.line()}")
        return Reconciled(before, after, repaired)


def reconciliation_asset(flow: Flow) -> dg.AssetsDefinition:
    @dg.asset(
        key=reconciliation_key(flow),
        group_name=GROUP,
        partitions_def=RECONCILIATION_DAYS,
        backfill_policy=dg.BackfillPolicy.single_run(),
        # A repair writes to the target: it queues with the flow's own posts there, never beside them.
        pool=pool_of(flow.target_resource),
        kinds={KINDS.get(system, system) for system in (flow.source, flow.target)},
        owners=OWNERS,
        tags={"entity": flow.entity},
        required_resource_keys={"store", flow.source_resource, flow.target_resource},
        description=f"{flow.direction}: {flow.title.lower()} compared per day between the source, the ledger and "
        "the target: records missing in the target, stale in the ledger, extra, and amount drift, with daily "
        "counts and totals on both sides. Reports only, unless the run config says `repair: true`.",
    )
    def _reconcile(context: dg.AssetExecutionContext, config: ReconcileConfig) -> dg.MaterializeResult:
        time_window = context.partition_time_window
        window = SyncWindow(start=time_window.start, end=time_window.end)
        done = reconcile_range(context, flow, window, config.repair)
        if not done.final.clean:
            context.log.warning(
                f"reconciliation of {done.final.label()} found drift ({done.final.line()}): "
                f"`ml-connector reconcile {flow.entity} --start … --end … --repair` re-sends what is missing or stale"
            )
        return dg.MaterializeResult(metadata=reconcile_metadata(done.before, done.after, done.repaired))

    return _reconcile


class RepairConfig(dg.Config):
    entity: str = Field(description="the flow's entity, e.g. purchase_orders")
    start: str = Field(description="range start, ISO 8601")
    end: str = Field(description="range end, exclusive, ISO 8601")

    def window(self) -> SyncWindow:
        try:
            return SyncWindow(start=datetime.fromisoformat(self.start), end=datetime.fromisoformat(self.end))
        except ValueError as error:
            raise dg.Failure(description=f"reconciliation repair config: {error}", allow_retries=False) from None


def repair_job(flows: tuple[Flow, ...]) -> dg.JobDefinition:
    by_entity = {flow.entity: flow for flow in flows}

    resources = {resource for flow in flows for resource in (flow.source_resource, flow.target_resource)}

    @dg.op(required_resource_keys={"store", *resources})
    def repair_range(context: dg.OpExecutionContext, config: RepairConfig) -> None:
        """Reconciles, repairs and reconciles again; the result is an observation of the reconciliation asset."""
        flow = by_entity.get(config.entity)
        if flow is None:
            known = ", ".join(by_entity)
            raise dg.Failure(description=f"no reconciled flow {config.entity!r}: use one of {known}")
        done = reconcile_range(context, flow, config.window(), fix=True)
        metadata = reconcile_metadata(done.before, done.after, done.repaired)
        context.log_event(dg.AssetObservation(asset_key=reconciliation_key(flow), metadata=metadata))

    @dg.job(
        name=REPAIR_JOB,
        tags=system_tags(flows),
        description="Reconciles one flow over a range of sync windows and re-sends what is missing in the target "
        "or stale in the ledger through the normal pull and post (`ml-connector reconcile --repair`).",
    )
    def _repair_job() -> None:
        repair_range()

    return _repair_job


def reconciliation_definitions(flows: tuple[Flow, ...]) -> dg.Definitions:
    """The reconciliation assets of the windowed flows among `flows`, their job and daily schedule, and the
    repair job."""
    chosen = reconciled_flows(flows)
    job = dg.define_asset_job(
        RECONCILIATION_JOB,
        selection=dg.AssetSelection.assets(*(reconciliation_key(flow) for flow in chosen)),
        partitions_def=RECONCILIATION_DAYS,
        tags=system_tags(chosen),
        description="Every flow's reconciliation for a day (or a range of days in one run); reports only.",
    )
    settings = ConnectorSettings()
    schedule = dg.build_schedule_from_partitioned_job(
        job,
        name=f"{RECONCILIATION_JOB}_daily",
        # The previous day, once its last window has settled.
        hour_of_day=1,
        minute_of_hour=min(settings.settle_lag_minutes + 5, 59),
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
    return dg.Definitions(
        assets=[reconciliation_asset(flow) for flow in chosen],
        jobs=[job, repair_job(chosen)],
        schedules=[schedule],
    )
