"""Two sensors that alert: one on every failed run, one on the failed asset checks of every finished run.

Dagster has no check-failure sensor. Reading ASSET_CHECK_EVALUATION events after a storage-id cursor works on
PostgreSQL, but not on the SQLite storage of a single-machine instance, where every run keeps its own event
database and ids restart per run. Checks here always run inside runs, so each run is looked at once, when it
ends, through Dagster's run-status cursors, which work on every storage.
"""

import dagster as dg

from ml_connector_dagster.alerts import HealthSettings
from ml_connector_dagster.defs.health.delivery import deliver
from ml_connector_dagster.defs.health.messages import failed_check_texts, run_failure_text

RUN_FAILURE_SENSOR = "run_failure_alerts"
CHECK_FAILURE_SENSOR = "check_failure_alerts"
_WEBHOOK = "ML_CONNECTOR_ALERT_WEBHOOK_URL"


# Every code location's runs: runs `ml-connector sync` starts carry no code location and would otherwise be
# missed.
@dg.run_failure_sensor(
    name=RUN_FAILURE_SENSOR,
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=f"Posts every failed run (job, run id, entities, windows, the error's first line) and the checks "
    f"that failed in it to {_WEBHOOK}, and writes the same to this sensor's log.",
)
def run_failure_alerts(context: dg.RunFailureSensorContext) -> None:
    on_warn = HealthSettings().alert_on_warn
    texts = [run_failure_text(context), *failed_check_texts(context.instance, context.dagster_run, on_warn)]
    deliver(context.log, texts)


@dg.run_status_sensor(
    name=CHECK_FAILURE_SENSOR,
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=f"Posts the failed asset checks (ERROR severity; WARN too with ML_CONNECTOR_ALERT_ON_WARN) of "
    f"every successful run to {_WEBHOOK}, and writes the same to this sensor's log. Failed runs' checks are "
    f"posted by {RUN_FAILURE_SENSOR}.",
)
def check_failure_alerts(context: dg.RunStatusSensorContext) -> None:
    deliver(context.log, failed_check_texts(context.instance, context.dagster_run, HealthSettings().alert_on_warn))
