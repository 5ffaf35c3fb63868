"""JAGGAER as a Dagster resource: which stored credential profile to use, nothing secret."""

from contextlib import closing

import dagster as dg

from ml_connector_dagster.connections import jaggaer_client
from ml_connector_dagster.jaggaer.client import JaggaerClient
from ml_connector_dagster.store import Store


class JaggaerResource(dg.ConfigurableResource):
    profile: str = "default"

    def client(self, store: Store) -> closing[JaggaerClient]:
        return closing(jaggaer_client(store, self.profile))
