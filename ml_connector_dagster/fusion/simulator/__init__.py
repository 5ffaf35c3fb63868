"""A simulated Oracle Fusion Cloud ERP pod: OCI IAM tokens and the purchaseOrders REST tree over real HTTP."""

from ml_connector_dagster.fusion.simulator.app import FusionSimulator
from ml_connector_dagster.fusion.simulator.settings import FusionSimSettings, RuntimeSettings
from ml_connector_dagster.fusion.simulator.store import SeedSummary

__all__ = ["FusionSimSettings", "FusionSimulator", "RuntimeSettings", "SeedSummary"]
