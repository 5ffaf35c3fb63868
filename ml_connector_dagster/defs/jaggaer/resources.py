"""JAGGAER as a Dagster resource: which stored credential profile to use, nothing secret."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from ml_connector_dagster.connections import jaggaer_client
from ml_connector_dagster.jaggaer.client import JaggaerClient
from ml_connector_dagster.store import Store


class JaggaerResource(dg.ConfigurableResource):
    profile: str = "default"

    @contextmanager
    def client(self, store: Store) -> Iterator[JaggaerClient]:
        client = jaggaer_client(store, self.profile)
        try:
            yield client
        finally:
            client.close()
