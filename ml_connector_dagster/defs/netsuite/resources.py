"""Oracle NetSuite as a Dagster resource: which stored credential profile to use, nothing secret.

One code location serves one NetSuite account: every step reading it claims a slot in the `netsuite_api` pool,
so the account's concurrent-request limit is shared by every run (and, inside a step, by
`max_concurrent_requests`)."""

from contextlib import closing

import dagster as dg

from ml_connector_dagster.connections import netsuite_client
from ml_connector_dagster.netsuite.client import NetSuiteClient
from ml_connector_dagster.store import Store


class NetSuiteResource(dg.ConfigurableResource):
    profile: str = "default"

    def client(self, store: Store) -> closing[NetSuiteClient]:
        return closing(netsuite_client(store, self.profile))
