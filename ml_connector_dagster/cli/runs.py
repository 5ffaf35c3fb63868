"""Runs the sync job for a range of windows on a real Dagster instance, as one single-run backfill."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import dagster as dg
from dagster._core.events import RunFailureReason
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    RUN_FAILURE_REASON_TAG,
)
from pydantic import BaseModel

from ml_connector_dagster.cli.progress import console_progress
from ml_connector_dagster.cli.ranges import partition_range
from ml_connector_dagster.cli.run_console import error_headline, run_console, step_failure_reason
from ml_connector_dagster.connections import ConnectionNotConfigured, load_connection
from ml_connector_dagster.definitions import defs
from ml_connector_dagster.defs.flows.assets import post_key, pull_key
from ml_connector_dagster.defs.flows.jobs import ALL_FLOWS_JOB, flow_job_name
from ml_connector_dagster.defs.flows.replay import REPLAY_JOB, ReplayConfig
from ml_connector_dagster.defs.runs.owner import RunOwner
from ml_connector_dagster.defs.runs.pools import ensure_pools
from ml_connector_dagster.defs.runs.recovery import AbandonedRun, fail_abandoned_runs
from ml_connector_dagster.flows import FLOWS, Flow
from ml_connector_dagster.flows.connections import system_of
from ml_connector_dagster.fusion.connection import FusionConnection
from ml_connector_dagster.jaggaer.connection import JaggaerConnection
from ml_connector_dagster.netsuite.connection import SYSTEM as NETSUITE
from ml_connector_dagster.netsuite.connection import NetSuiteConnection
from ml_connector_dagster.store import Store
from ml_connector_dagster.sync.report import SyncCounts


class SyncRunResult(BaseModel):
    run_id: str
    success: bool
    # Per entity, in posting order.
    by_entity: dict[str, SyncCounts]
    failure: str | None = None
    # Stopped by SIGINT or SIGTERM: the counts are what the run did until then.
    interrupted: bool = False
    # Runs of dead processes that this run's start failed, freeing the pool slots they held.
    recovered: list[AbandonedRun] = []

    @property
    def counts(self) -> SyncCounts:
        """Every entity's counts added up."""
        total = SyncCounts()
        for counts in self.by_entity.values():
            for name, value in counts.model_dump().items():
                setattr(total, name, getattr(total, name) + value)
        return total


_CONNECTIONS: dict[str, type[BaseModel]] = {
    "fusion": FusionConnection,
    "jaggaer": JaggaerConnection,
    NETSUITE: NetSuiteConnection,
}


def systems_of(flows: Iterable[Flow]) -> list[str]:
    """The resources these flows reach their systems through (`fusion`, or a connection's `emea_fusion`)."""
    return sorted({resource for flow in flows for resource in (flow.source_resource, flow.target_resource)})


def _profile(resource: str) -> str:
    return str((defs.resources or {})[resource].profile)


def check_profiles(store: Store, resources: Iterable[str]) -> None:
    """The connection profiles these resources name are stored and valid, or ConnectionNotConfigured."""
    for resource in resources:
        system = system_of(resource)
        load_connection(store, system, _profile(resource), _CONNECTIONS[system])


def configured_flows(store: Store, flows: tuple[Flow, ...] = FLOWS) -> tuple[Flow, ...]:
    """The flows whose systems all have a stored profile: a deployment serving one ERP runs that ERP's flows.
    ConnectionNotConfigured when there is none."""

    def stored(resource: str) -> bool:
        return store.vault.get(system_of(resource), _profile(resource)) is not None

    chosen = tuple(flow for flow in flows if stored(flow.source_resource) and stored(flow.target_resource))
    if not chosen:
        raise ConnectionNotConfigured(
            "no flow has credentials for both its systems: run `ml-connector credentials set jaggaer` and "
            "`ml-connector credentials set fusion` (or `netsuite`)"
        )
    return chosen


def run_flows(
    instance: dg.DagsterInstance, start: datetime, end: datetime, flows: tuple[Flow, ...] = FLOWS
) -> SyncRunResult:
    """Runs the job of one flow, or of several (every flow by default), for the windows in [start, end) as one
    run; several flows run in posting order, reference data and suppliers first."""
    first, last = partition_range(start, end)
    tags = {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
    if len(flows) == 1:
        return execute(instance, flow_job_name(flows[0]), flows, tags, {})
    chosen = None if set(flows) == set(FLOWS) else [key for flow in flows for key in (pull_key(flow), post_key(flow))]
    return execute(instance, ALL_FLOWS_JOB, flows, tags, {}, chosen)


def run_replay(instance: dg.DagsterInstance, config: ReplayConfig) -> SyncRunResult:
    """Runs the replay job with this configuration; counts per flow as the replay logged them."""
    ops = {"ops": {"replay_records": {"config": config.model_dump(mode="json")}}}
    return execute(instance, REPLAY_JOB, config.flows(), {}, ops)


def execute(
    instance: dg.DagsterInstance,
    job_name: str,
    flows: tuple[Flow, ...],
    tags: dict[str, str],
    run_config: dict[str, Any],
    asset_selection: list[dg.AssetKey] | None = None,
) -> SyncRunResult:
    """Runs a job in this process, after failing the runs dead processes left; counts per flow of `flows`."""
    recovered = fail_abandoned_runs(instance)
    ensure_pools(instance)
    job = defs.resolve_job_def(job_name).with_logger_defs({"console": run_console})
    with console_progress():
        result = job.execute_in_process(
            run_config={**run_config, "loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            instance=instance,
            tags={**tags, **RunOwner.current().tags()},
            raise_on_error=False,
            asset_selection=asset_selection,
        )
    run = instance.get_run_by_id(result.run_id)
    interrupted = (
        run is not None and run.tags.get(RUN_FAILURE_REASON_TAG) == RunFailureReason.UNEXPECTED_TERMINATION.value
    )
    return SyncRunResult(
        run_id=result.run_id,
        success=result.success,
        by_entity=_counts_by_entity(instance, result.run_id, flows),
        failure=None if result.success else _failure(result, interrupted),
        interrupted=interrupted,
        recovered=recovered,
    )


def _counts_by_entity(instance: dg.DagsterInstance, run_id: str, flows: tuple[Flow, ...]) -> dict[str, SyncCounts]:
    counts = _RunCounts(instance, run_id)
    return {flow.entity: counts.of(flow) for flow in flows}


class _RunCounts:
    """The counts each asset of a run reported: its materialization, or, for a step that stopped part-way, the
    observation it logged when it stopped (what it did up to there).

    Read from the instance's event log, once per run: a step that raises does not hand the observation it
    logged to the in-process result, and a backfill of many windows logs one materialization per window.
    """

    def __init__(self, instance: dg.DagsterInstance, run_id: str) -> None:
        self._counts: dict[dg.AssetKey, dict[str, int]] = {}
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION):
            observation = entry.asset_observation
            if observation is not None:
                self._counts[observation.asset_key] = _ints(observation.metadata)
        # Every window of a single-run backfill carries the same counts: those of the whole range.
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
            materialization = entry.asset_materialization
            if materialization is not None:
                self._counts[materialization.asset_key] = _ints(materialization.metadata)

    def of(self, flow: Flow) -> SyncCounts:
        """Pulled and quarantined come from the pull's metadata, the write outcomes from the post's."""
        posted = self._counts.get(post_key(flow), {})
        # A replay has no pull step: what it converted again is on the post asset's observation.
        pulled = self._counts.get(pull_key(flow)) or posted
        return SyncCounts(
            pulled=pulled.get("pulled", 0),
            staged=pulled.get("staged", 0),
            quarantined=pulled.get("quarantined", 0),
            posted=posted.get("posted", 0),
            skipped=posted.get("skipped", 0),
            failed=posted.get("failed", 0),
            pending=posted.get("pending", 0),
        )


def _ints(metadata: Mapping[str, dg.MetadataValue]) -> dict[str, int]:
    return {name: value.value for name, value in metadata.items() if isinstance(value, dg.IntMetadataValue)}


def _failure(result: dg.ExecuteInProcessResult, interrupted: bool) -> str:
    blocked = _blocking_check_failures(result)
    if blocked and not interrupted:
        return blocked
    for event in result.all_events:
        if event.is_step_failure:
            if interrupted:
                return f"stopped by SIGINT or SIGTERM during {event.step_key}"
            return f"{event.step_key}: {step_failure_reason(event.step_failure_data)}"
    if interrupted:
        return "stopped by SIGINT or SIGTERM"
    return _run_failure_reason(result)


def _run_failure_reason(result: dg.ExecuteInProcessResult) -> str:
    """Why a run failed outside any step (the executor, the instance's storage): the error's first line."""
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.RUN_FAILURE:
            error = getattr(event.event_specific_data, "error", None)
            if error is not None:
                return f"the run failed outside its steps: {error_headline(error)}"
            if event.message:
                return event.message
    return "the run failed"


def _blocking_check_failures(result: dg.ExecuteInProcessResult) -> str | None:
    """`blocking check fusion/invoices gl_mapping failed, so jaggaer/invoices was not posted: <its advice>`."""
    stopped = []
    for event in result.all_events:
        if event.event_type != dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            continue
        evaluation = event.asset_check_evaluation_data
        if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        asset = evaluation.asset_key.to_user_string()
        posts = [post_key(flow).to_user_string() for flow in FLOWS if pull_key(flow) == evaluation.asset_key]
        if not posts:
            continue  # the blocking checks guard pulls; a post's freshness check stops nothing
        held = posts[0]
        advice = evaluation.description or "see the check's metadata in the Dagster UI"
        stopped.append(f"blocking check {asset} {evaluation.check_name} failed, so {held} was not posted: {advice}")
    return "; ".join(stopped) or None
