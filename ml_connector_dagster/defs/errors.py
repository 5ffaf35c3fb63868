"""Turns the connector's own errors into Dagster failures with one readable sentence and no secrets."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from ml_connector_dagster.connections import ConnectionNotConfigured
from ml_connector_dagster.http.errors import ConnectorHttpError, TransientError
from ml_connector_dagster.store import MasterKeyError
from ml_connector_dagster.sync.window import WindowNotSettled


@contextmanager
def as_dagster_failure() -> Iterator[None]:
    try:
        yield
    except (ConnectionNotConfigured, MasterKeyError, WindowNotSettled) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    except TransientError as exc:
        raise dg.Failure(description=str(exc), allow_retries=True) from None
    except ConnectorHttpError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
