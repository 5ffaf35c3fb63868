"""Jobs: one per flow, one for every flow of a direction (what its schedule runs), and one holding every flow
(what `ml-connector sync` runs a set of flows with)."""

import dagster as dg
from dagster._core.definitions.partitions.partitioned_schedule import (
    UnresolvedPartitionedAssetScheduleDefinition,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from ml_connector_dagster.defs.flows.assets import post_key, pull_key
from ml_connector_dagster.defs.partitions import SYNC_WINDOWS
from ml_connector_dagster.defs.runs.system_tags import system_tags
from ml_connector_dagster.flows import Direction, Flow
from ml_connector_dagster.settings import ConnectorSettings

ALL_FLOWS_JOB = "all_flows"


def flow_job_name(flow: Flow) -> str:
    return f"{flow.entity}_sync"


def _selection(flows: tuple[Flow, ...]) -> dg.AssetSelection:
    keys = [key for flow in flows for key in (pull_key(flow), post_key(flow))]
    return dg.AssetSelection.assets(*keys)


def flow_job(flow: Flow) -> UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        flow_job_name(flow),
        selection=_selection((flow,)),
        partitions_def=SYNC_WINDOWS,
        tags=system_tags((flow,)),
        description=f"{flow.direction}: {flow.title.lower()}, for one window or a range of windows in one run.",
    )


def direction_job(direction: Direction) -> UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        direction.name,
        selection=_selection(direction.flows),
        partitions_def=SYNC_WINDOWS,
        tags=system_tags(direction.flows),
        description=f"Every {direction.title} flow for one window or a range of windows in one run, in posting "
        f"order ({', '.join(flow.entity for flow in direction.flows)}).",
    )


def all_flows_job(flows: tuple[Flow, ...]) -> UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        ALL_FLOWS_JOB,
        selection=_selection(flows),
        partitions_def=SYNC_WINDOWS,
        tags=system_tags(flows),
        description="Every flow of both directions for one window or a range of windows in one run; "
        "`ml-connector sync` runs any set of flows through it.",
    )


def hourly_schedule(
    job: UnresolvedAssetJobDefinition, settings: ConnectorSettings
) -> UnresolvedPartitionedAssetScheduleDefinition | dg.ScheduleDefinition:
    """The direction's schedule (named `_hourly` whatever the windows' cadence): each window once, once it has
    settled. The sensors start runs sooner for windows that changed; the schedule is the fallback that never
    misses a window."""
    partitions = job.partitions_def
    assert isinstance(partitions, dg.TimeWindowPartitionsDefinition)
    name = f"{job.name}_hourly"
    if partitions.schedule_type is not None:
        # Fire once the settle lag has passed after the window closed; the assets refuse earlier reads.
        return dg.build_schedule_from_partitioned_job(
            job, name=name, minute_of_hour=min(settings.settle_lag_minutes + 1, 59)
        )
    return _settled_window_schedule(job, partitions, name, settings)


def _settled_window_schedule(
    job: UnresolvedAssetJobDefinition,
    partitions: dg.TimeWindowPartitionsDefinition,
    name: str,
    settings: ConnectorSettings,
) -> dg.ScheduleDefinition:
    """For a cadence Dagster cannot shift (`*/5 * * * *`): a tick at each window's end runs the newest window
    that has settled by then, one window per tick; the run key keeps a window from running twice."""

    @dg.schedule(
        name=name,
        cron_schedule=partitions.cron_schedule,
        execution_timezone=partitions.timezone,
        job=job,
        description=f"Each window of {job.name} once it has settled (the newest settled at each window's end).",
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        window = partitions.get_prev_partition_window(context.scheduled_execution_time - settings.settle_lag)
        if window is None:
            return dg.SkipReason("no sync window has settled yet")
        key = partitions.get_partition_key_for_timestamp(window.start.timestamp())
        return dg.RunRequest(run_key=key, partition_key=key)

    return _schedule
