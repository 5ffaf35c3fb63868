"""A simulated Oracle NetSuite account over real HTTP: SuiteQL, the record service and both login methods."""

from ml_connector_dagster.netsuite.simulator.app import NetSuiteSimulator, SimAuthLike
from ml_connector_dagster.netsuite.simulator.seeding import (
    ReferenceSummary,
    TransactionSeedSummary,
    VendorSeedSummary,
)
from ml_connector_dagster.netsuite.simulator.settings import NetSuiteSimSettings, RuntimeSettings

__all__ = [
    "NetSuiteSimSettings",
    "NetSuiteSimulator",
    "ReferenceSummary",
    "RuntimeSettings",
    "SimAuthLike",
    "TransactionSeedSummary",
    "VendorSeedSummary",
]
