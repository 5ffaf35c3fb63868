"""Opens the store the way every command does: settings from the environment, keys from the vault's env."""

from collections.abc import Iterator
from contextlib import contextmanager

from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.store import MasterKeys, Store


@contextmanager
def open_store(need_keys: bool = True) -> Iterator[Store]:
    settings = ConnectorSettings()
    keys = None
    if need_keys:
        keys = MasterKeys.from_env_value(settings.master_key.get_secret_value() if settings.master_key else None)
    store = Store.open(settings.store_url, keys)
    try:
        yield store
    finally:
        store.close()
