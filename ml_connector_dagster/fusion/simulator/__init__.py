"""A simulated Oracle Fusion Cloud ERP pod over real HTTP: OCI IAM tokens and the purchaseOrders, suppliers,
invoices, accountCombinationsLOV and valueSets REST resources, and the writes of three-way matching
(receivingReceiptRequests, purchaseOrderAcknowledgments, invoices)."""

from ml_connector_dagster.fusion.simulator.app import FusionSimulator
from ml_connector_dagster.fusion.simulator.settings import FusionSimSettings, RuntimeSettings
from ml_connector_dagster.fusion.simulator.store import InvoiceSeedSummary, SeedSummary, SupplierSeedSummary

__all__ = [
    "FusionSimSettings",
    "FusionSimulator",
    "InvoiceSeedSummary",
    "RuntimeSettings",
    "SeedSummary",
    "SupplierSeedSummary",
]
