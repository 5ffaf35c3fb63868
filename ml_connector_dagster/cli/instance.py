"""Opens the Dagster instance of $DAGSTER_HOME, or says in one sentence what to set or start."""

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster._core.errors import DagsterInvalidConfigError
from sqlalchemy.exc import SQLAlchemyError

from ml_connector_dagster.cli.errors import ConfigurationError

DAGSTER_HOME_ENV = "DAGSTER_HOME"


def open_instance() -> dg.DagsterInstance:
    home = os.environ.get(DAGSTER_HOME_ENV)
    if not home:
        raise ConfigurationError(
            f"{DAGSTER_HOME_ENV} is not set: set it to the folder of the Dagster instance that records runs, "
            "holding the project's dagster.yaml (e.g. export DAGSTER_HOME=/srv/dagster)"
        )
    config = Path(home) / "dagster.yaml"
    if not Path(home).is_dir():
        raise ConfigurationError(
            f"{DAGSTER_HOME_ENV}={home} is not a folder: create it and copy the project's dagster.yaml into it"
        )
    try:
        with _quiet_connection_retries():
            return dg.DagsterInstance.get()
    except DagsterInvalidConfigError as exc:
        raise ConfigurationError(_config_problem(config, str(exc))) from None
    except Exception as exc:
        reason = _database_reason(exc)
        if reason is None:
            raise
        raise ConfigurationError(
            f"cannot reach the Dagster instance database configured in {config} ({reason}): "
            "start it, or correct the storage block and the variables it reads"
        ) from None


def _config_problem(config: Path, text: str) -> str:
    """Unset variables by name; otherwise each of Dagster's `Error N:` lines, without their stack traces."""
    unset = sorted(set(re.findall(r'environment variable "([^"]+)" which is not set', text)))
    if unset:
        return (
            f"{config} reads {', '.join(unset)}, not set here: set {'it' if len(unset) == 1 else 'them'} for every "
            "Dagster process and `ml-connector sync`"
        )
    problems = [line.strip() for line in text.splitlines() if re.match(r"\s*Error \d+:", line)]
    return f"{config} is not a valid Dagster instance configuration: {' '.join(problems)}"


def _database_reason(exc: BaseException) -> str | None:
    """The driver's first line (host, port, refusal), never the URL, which may carry a password."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, SQLAlchemyError):
        cause = cause.__cause__ or cause.__context__
    if cause is None:
        return None
    original = getattr(cause, "orig", None) or cause
    return str(original).strip().splitlines()[0]


class _ConnectionRetryFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Retrying failed database connection")


@contextmanager
def _quiet_connection_retries() -> Iterator[None]:
    """dagster-postgres logs each retry of an unreachable database on the root logger; the CLI sums them up."""
    retries = _ConnectionRetryFilter()
    logging.getLogger().addFilter(retries)
    try:
        yield
    finally:
        logging.getLogger().removeFilter(retries)
