"""The code location: every flow's assets, checks, sensors and jobs (per connection when several are named), the
two-way reference cycles, alerts and freshness, reconciliation, the shared store, run recovery."""

import os

import dagster as dg

from ml_connector_dagster.defs.flows.definitions import flow_definitions
from ml_connector_dagster.defs.flows.two_way import two_way_definitions
from ml_connector_dagster.defs.fusion.resources import FusionResource
from ml_connector_dagster.defs.health.definitions import health_definitions
from ml_connector_dagster.defs.jaggaer.resources import JaggaerResource
from ml_connector_dagster.defs.netsuite.resources import NetSuiteResource
from ml_connector_dagster.defs.reconcile import reconciliation_definitions
from ml_connector_dagster.defs.runs.executor import recovering_executor
from ml_connector_dagster.defs.runs.sensors import abandoned_runs_sensor
from ml_connector_dagster.defs.store.resources import ConnectorStoreResource
from ml_connector_dagster.flows import CONNECTIONS, DIRECTIONS, FLOWS
from ml_connector_dagster.flows.two_way import TWO_WAY
from ml_connector_dagster.settings import ConnectorSettings

# A run over many windows logs one materialization per window and asset; Dagster writes each on its own unless
# told to batch them (a connection and a few statements each, ~15 ms with PostgreSQL, against ~4 ms batched).
# Every process that executes steps loads this module (run workers, the CLI); an operator's own size stands.
EVENT_BATCH_SIZE_ENV = "DAGSTER_EVENT_BATCH_SIZE"
os.environ.setdefault(EVENT_BATCH_SIZE_ENV, "1000")

_SYSTEMS: dict[str, type[FusionResource | JaggaerResource | NetSuiteResource]] = {
    "fusion": FusionResource,
    "jaggaer": JaggaerResource,
    "netsuite": NetSuiteResource,
}


def _system_resources() -> dict[str, FusionResource | JaggaerResource | NetSuiteResource]:
    """One resource per system, or per named connection and system, each naming its credential profile."""
    if CONNECTIONS is None:
        return {system: kind() for system, kind in _SYSTEMS.items()}
    return {
        f"{connection.name}_{system}": _SYSTEMS[system](profile=connection.profile(system))
        for connection in CONNECTIONS
        for system in (connection.erp, "jaggaer")
    }


defs = dg.Definitions.merge(
    flow_definitions(FLOWS, DIRECTIONS, ConnectorSettings(), named=CONNECTIONS is not None),
    # Two-way cycles run for the one unnamed Fusion connection.
    two_way_definitions(TWO_WAY) if CONNECTIONS is None else dg.Definitions(),
    health_definitions(FLOWS),
    reconciliation_definitions(FLOWS),
    dg.Definitions(
        sensors=[abandoned_runs_sensor],
        resources={"store": ConnectorStoreResource(), **_system_resources()},
        executor=recovering_executor,
    ),
)
