"""The one line an alert says: what failed, in which job and run, for which entities and windows, and why."""

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluation
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)

from ml_connector_dagster.alerts import redact
from ml_connector_dagster.cli.run_console import step_failure_reason


def windows_of(run: dg.DagsterRun) -> str | None:
    """The partition or range of partitions a run covered, as its tags say."""
    if PARTITION_NAME_TAG in run.tags:
        return run.tags[PARTITION_NAME_TAG]
    first, last = run.tags.get(ASSET_PARTITION_RANGE_START_TAG), run.tags.get(ASSET_PARTITION_RANGE_END_TAG)
    if first and last:
        return first if first == last else f"{first} … {last}"
    return None


def _entities(run: dg.DagsterRun) -> str | None:
    names = sorted({key.path[-1] for key in run.asset_selection or ()})
    return ", ".join(names) if names else None


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


def run_failure_text(context: dg.RunFailureSensorContext) -> str:
    run = context.dagster_run
    reasons = []
    for event in context.get_step_failure_events():
        data = event.step_failure_data
        reasons.append(f"{event.step_key}: {_first_line(step_failure_reason(data))}")
    if not reasons:
        reasons.append(_first_line(context.failure_event.message or "the run failed"))
    parts = [f"Run failed: job {run.job_name}, run {run.run_id}"]
    entities, windows = _entities(run), windows_of(run)
    if entities:
        parts.append(f"entities {entities}")
    if windows:
        parts.append(f"windows {windows}")
    return redact(f"{', '.join(parts)}: {'; '.join(reasons)}")


def check_failure_text(evaluation: AssetCheckEvaluation, run: dg.DagsterRun) -> str:
    where = f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
    parts = [f"Check failed ({evaluation.severity.value}): {where}", f"job {run.job_name}, run {run.run_id}"]
    windows = windows_of(run)
    if windows:
        parts.append(f"windows {windows}")
    reason = _first_line(evaluation.description or "") or "no description"
    return redact(f"{', '.join(parts)}: {reason}")


def failed_check_texts(instance: dg.DagsterInstance, run: dg.DagsterRun, on_warn: bool) -> list[str]:
    """One text per check that failed in the run: ERROR severity always, WARN when asked for."""
    texts = []
    for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.get_dagster_event().event_specific_data
        if not isinstance(evaluation, AssetCheckEvaluation) or evaluation.passed:
            continue
        if evaluation.severity == dg.AssetCheckSeverity.ERROR or on_warn:
            texts.append(check_failure_text(evaluation, run))
    return texts
