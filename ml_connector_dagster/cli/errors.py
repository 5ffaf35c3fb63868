"""Every error a person can act on becomes one sentence on stderr and exit code 1; no tracebacks."""

from typing import Any

import click
from pydantic import ValidationError

from ml_connector_dagster.connections import ConnectionNotConfigured
from ml_connector_dagster.http.errors import ConnectorHttpError
from ml_connector_dagster.store import MasterKeyError, UnsupportedDatabaseError

USER_ERRORS = (ConnectorHttpError, ConnectionNotConfigured, MasterKeyError, UnsupportedDatabaseError, ValueError)


class FriendlyGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise click.ClickException(problems) from None
        except USER_ERRORS as exc:
            raise click.ClickException(str(exc)) from None
