"""Every error a person can act on becomes one sentence on stderr and exit code 1; no tracebacks."""

from typing import Any

import click
from pydantic import ValidationError

from ml_connector_dagster.cli.exit_codes import ExitCode
from ml_connector_dagster.connections import ConnectionNotConfigured
from ml_connector_dagster.http.errors import ConnectorHttpError
from ml_connector_dagster.store import MasterKeyError, UnsupportedDatabaseError


class ConfigurationError(Exception):
    """A database, folder or setting the command needs is missing or unreachable; the message says which."""


USER_ERRORS = (
    ConfigurationError,
    ConnectorHttpError,
    ConnectionNotConfigured,
    MasterKeyError,
    UnsupportedDatabaseError,
    ValueError,
    OSError,
)


class FriendlyGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            raise click.ClickException("; ".join(_problem(e) for e in exc.errors())) from None
        except USER_ERRORS as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Error: interrupted", err=True)
            ctx.exit(ExitCode.INTERRUPTED)


def _problem(error: Any) -> str:
    """`field: message`, or only the message for a model-wide check (which has no field to name)."""
    message = str(error["msg"]).removeprefix("Value error, ")
    location = ".".join(map(str, error["loc"]))
    return f"{location}: {message}" if location else message
