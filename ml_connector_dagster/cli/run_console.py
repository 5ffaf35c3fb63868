"""What a run executed by the CLI prints while it runs: the warnings its steps log, one line each.

Errors and Dagster's own events (step failures, skipped steps, their stack traces) are left out: the CLI sums
the run up in one sentence when it ends, and the whole event log stays in the Dagster instance.
"""

import logging
import sys

import dagster as dg
from dagster._core.execution.plan.objects import StepFailureData
from dagster._utils.error import SerializableErrorInfo

_META = "dagster_meta"


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, _META, {})
        message = str(meta.get("orig_message") or record.getMessage()).strip()
        first = message.splitlines()[0] if message else ""
        step = meta.get("step_key")
        return f"{record.levelname.lower()}: {step}: {first}" if step else f"{record.levelname.lower()}: {first}"


class _WarningsOnly(logging.Filter):
    """Warnings steps log; errors (a failed or skipped step) and Dagster's events are summed up at the end."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno == logging.WARNING and getattr(record, _META, {}).get("dagster_event") is None


@dg.logger(
    config_schema={"log_level": dg.Field(str, is_required=False, default_value="WARNING")},
    description="One line per warning a step logs, on stderr; the CLI sums up failures when the run ends.",
)
def run_console(init_context: dg.InitLoggerContext) -> logging.Logger:
    level = init_context.logger_config["log_level"]
    # A logger of its own for each run, not a named global one that would gather handlers run after run.
    logger = logging.getLoggerClass()("ml_connector.run", level=level)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    handler.addFilter(_WarningsOnly())
    logger.addHandler(handler)
    return logger


def step_failure_reason(failure: StepFailureData) -> str:
    """A `dg.Failure`'s description, or the raised error's class and message; the stack stays in the event log."""
    if failure.user_failure_data is not None and failure.user_failure_data.description:
        return failure.user_failure_data.description
    return error_headline(failure.error) if failure.error is not None else "the step failed"


def error_headline(error: SerializableErrorInfo) -> str:
    """The first line of what was raised (the cause when there is one), without the stack."""
    raised = error.cause or error
    lines = raised.message.strip().splitlines()
    return lines[0] if lines else raised.cls_name or "an error without a message"
