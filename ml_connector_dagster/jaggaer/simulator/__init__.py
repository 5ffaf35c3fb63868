"""A simulated JAGGAER One tenant: Keycloak tokens and the J1P purchase order, company profile, invoice and
custom-field value APIs, over real HTTP."""

from ml_connector_dagster.jaggaer.simulator.app import JaggaerSimulator
from ml_connector_dagster.jaggaer.simulator.collection import CollectionStats
from ml_connector_dagster.jaggaer.simulator.purchase_orders import PurchaseOrderStats
from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings

__all__ = ["CollectionStats", "JaggaerSimSettings", "JaggaerSimulator", "PurchaseOrderStats"]
