"""Opens the store the way every command does: settings from the environment, keys from the vault's env."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError

from ml_connector_dagster.cli.errors import ConfigurationError
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.store import MasterKeys, Store

DATABASE_URL_ENV = "ML_CONNECTOR_DATABASE_URL"


@contextmanager
def open_store(need_keys: bool = True) -> Iterator[Store]:
    settings = ConnectorSettings()
    keys = None
    if need_keys:
        keys = MasterKeys.from_env_value(settings.master_key.get_secret_value() if settings.master_key else None)
    store = _open(settings.store_url, keys)
    try:
        yield store
    finally:
        store.close()


def _open(url: str, keys: MasterKeys | None) -> Store:
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # The URL itself is not echoed: a malformed one may not hide its password.
        raise ConfigurationError(
            f"{DATABASE_URL_ENV} is not a database URL: use sqlite:///path/to/file.db or "
            "postgresql://user@host:5432/database"
        ) from None
    try:
        return Store.open(url, keys)
    except (OperationalError, InterfaceError) as exc:
        raise ConfigurationError(
            f"cannot reach the store database {shown} ({_reason(exc)}): start it, or set {DATABASE_URL_ENV}"
        ) from None
    except DBAPIError as exc:
        raise ConfigurationError(
            f"the store database {shown} answered with an error ({_reason(exc)}): check it and its user's rights, "
            f"or set {DATABASE_URL_ENV}"
        ) from None


def _reason(exc: DBAPIError) -> str:
    """The driver's first line (host, port, refusal); never the URL or the statement's parameters."""
    return str(exc.orig or exc).strip().splitlines()[0]
