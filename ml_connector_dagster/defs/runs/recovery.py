"""Fails the runs whose process is gone and frees the pool slots they hold, so no dead run blocks a live one."""

import socket

import dagster as dg
from pydantic import BaseModel

from ml_connector_dagster.defs.runs.owner import HOST_TAG, Liveness, RunOwner

# A run in these states has, or had, a process executing it.
UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


class AbandonedRun(BaseModel):
    run_id: str
    job_name: str
    owner: RunOwner

    def message(self) -> str:
        return (
            f"run {self.run_id} ({self.job_name}) marked failed: its process ({self.owner.describe()}) is gone, "
            "so its pool slots were freed"
        )


def abandoned_runs(instance: dg.DagsterInstance) -> list[AbandonedRun]:
    """Unfinished runs executed by a process of this host that no longer exists."""
    records = instance.get_run_records(
        filters=dg.RunsFilter(statuses=UNFINISHED, tags={HOST_TAG: socket.gethostname()})
    )
    found = []
    for record in records:
        run = record.dagster_run
        owner = RunOwner.from_tags(dict(run.tags))
        if owner is not None and owner.liveness() is Liveness.GONE:
            found.append(AbandonedRun(run_id=run.run_id, job_name=run.job_name, owner=owner))
    return found


def fail_abandoned_runs(instance: dg.DagsterInstance) -> list[AbandonedRun]:
    """Frees each abandoned run's slots, then reports it failed: in that order, so a process killed in between
    leaves the run unfinished and the next call finds it again."""
    abandoned = abandoned_runs(instance)
    for run in abandoned:
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        dagster_run = instance.get_run_by_id(run.run_id)
        if dagster_run is not None and dagster_run.status in UNFINISHED:
            instance.report_run_failed(dagster_run, run.message())
    return abandoned
