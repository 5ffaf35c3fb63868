"""The connector's own store as a Dagster resource: config only, the master key read from the environment."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import Field

from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.store import MasterKeys, Store


class ConnectorStoreResource(dg.ConfigurableResource):
    """Opens the store named by ML_CONNECTOR_DATABASE_URL (SQLite under ML_CONNECTOR_HOME by default).

    The master key is never resource config: it would be shown in the UI. It is read from
    ML_CONNECTOR_MASTER_KEY in the process that runs the step.
    """

    database_url: str | None = Field(default=None, description="overrides ML_CONNECTOR_DATABASE_URL")

    @contextmanager
    def open(self) -> Iterator[Store]:
        settings = ConnectorSettings()
        key = settings.master_key.get_secret_value() if settings.master_key else None
        store = Store.open(self.database_url or settings.store_url, MasterKeys.from_env_value(key))
        try:
            yield store
        finally:
            store.close()
