"""The code location: every flow's assets, checks, sensors and jobs, the two-way reference cycles, the shared
store, run recovery."""

import dagster as dg

from ml_connector_dagster.defs.flows.definitions import flow_definitions
from ml_connector_dagster.defs.flows.two_way import two_way_definitions
from ml_connector_dagster.defs.fusion.resources import FusionResource
from ml_connector_dagster.defs.jaggaer.resources import JaggaerResource
from ml_connector_dagster.defs.netsuite.resources import NetSuiteResource
from ml_connector_dagster.defs.runs.executor import recovering_executor
from ml_connector_dagster.defs.runs.sensors import abandoned_runs_sensor
from ml_connector_dagster.defs.store.resources import ConnectorStoreResource
from ml_connector_dagster.flows import DIRECTIONS, FLOWS
from ml_connector_dagster.flows.two_way import TWO_WAY
from ml_connector_dagster.settings import ConnectorSettings

defs = dg.Definitions.merge(
    flow_definitions(FLOWS, DIRECTIONS, ConnectorSettings()),
    two_way_definitions(TWO_WAY),
    dg.Definitions(
        sensors=[abandoned_runs_sensor],
        resources={
            "store": ConnectorStoreResource(),
            "fusion": FusionResource(),
            "jaggaer": JaggaerResource(),
            "netsuite": NetSuiteResource(),
        },
        executor=recovering_executor,
    ),
)
