"""Oracle Fusion as a Dagster resource: which stored credential profile to use, nothing secret."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from ml_connector_dagster.connections import fusion_client
from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.store import Store


class FusionResource(dg.ConfigurableResource):
    profile: str = "default"

    @contextmanager
    def client(self, store: Store) -> Iterator[FusionClient]:
        client = fusion_client(store, self.profile)
        try:
            yield client
        finally:
            client.close()
