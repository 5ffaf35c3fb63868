"""A simulated JAGGAER One tenant: Keycloak tokens and the J1P purchase order API, served over real HTTP."""

from ml_connector_dagster.jaggaer.simulator.app import JaggaerSimulator
from ml_connector_dagster.jaggaer.simulator.purchase_orders import PurchaseOrderStats
from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings

__all__ = ["JaggaerSimSettings", "JaggaerSimulator", "PurchaseOrderStats"]
