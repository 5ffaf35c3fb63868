"""The code location: every flow's assets, checks, sensors and jobs, the shared store, run recovery."""

import dagster as dg

from ml_connector_dagster.defs.flows.definitions import flow_definitions
from ml_connector_dagster.defs.fusion.resources import FusionResource
from ml_connector_dagster.defs.jaggaer.resources import JaggaerResource
from ml_connector_dagster.defs.runs.executor import recovering_executor
from ml_connector_dagster.defs.runs.sensors import abandoned_runs_sensor
from ml_connector_dagster.defs.store.resources import ConnectorStoreResource
from ml_connector_dagster.flows import FLOWS
from ml_connector_dagster.settings import ConnectorSettings

defs = dg.Definitions.merge(
    flow_definitions(FLOWS, ConnectorSettings()),
    dg.Definitions(
        sensors=[abandoned_runs_sensor],
        resources={
            "store": ConnectorStoreResource(),
            "fusion": FusionResource(),
            "jaggaer": JaggaerResource(),
        },
        executor=recovering_executor,
    ),
)
