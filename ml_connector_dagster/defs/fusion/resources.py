"""Oracle Fusion as a Dagster resource: which stored credential profile to use, nothing secret."""

from contextlib import closing

import dagster as dg

from ml_connector_dagster.connections import fusion_client
from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.store import Store


class FusionResource(dg.ConfigurableResource):
    profile: str = "default"

    def client(self, store: Store) -> closing[FusionClient]:
        return closing(fusion_client(store, self.profile))
