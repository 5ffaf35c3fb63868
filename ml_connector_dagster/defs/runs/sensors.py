"""A sensor the daemon ticks: runs of this host whose process died are failed and their pool slots freed,
so a scheduled or UI-launched run never waits behind one."""

import dagster as dg

from ml_connector_dagster.defs.runs.recovery import fail_abandoned_runs

ABANDONED_RUNS_INTERVAL_SECONDS = 30


@dg.sensor(
    name="abandoned_runs",
    minimum_interval_seconds=ABANDONED_RUNS_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks failed the runs of this host whose process is gone (killed, crashed, rebooted) and "
    "frees their fusion_api/jaggaer_api pool slots.",
)
def abandoned_runs_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    failed = fail_abandoned_runs(context.instance)
    for run in failed:
        context.log.warning(run.message())
    if failed:
        return dg.SkipReason(f"failed {len(failed)} abandoned run(s): {', '.join(run.run_id for run in failed)}")
    return dg.SkipReason("no abandoned run")
