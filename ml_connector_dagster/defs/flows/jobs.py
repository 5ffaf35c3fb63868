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
    # Fire once the settle lag has passed after the window closed; the assets refuse earlier reads. The sensors
    # start runs sooner for windows that changed; the schedule is the fallback that never misses a window.
    return dg.build_schedule_from_partitioned_job(
        job, name=f"{job.name}_hourly", minute_of_hour=min(settings.settle_lag_minutes + 1, 59)
    )
