"""Canonical records: the one shape every system's formats convert to and from."""

from ml_connector_dagster.records.accounting import ChargeAccount, MappedAccount
from ml_connector_dagster.records.acknowledgment import POAcknowledgment, ScheduleAcknowledgment
from ml_connector_dagster.records.base import CanonicalRecord
from ml_connector_dagster.records.errors import InvalidRecord
from ml_connector_dagster.records.hashing import payload_hash
from ml_connector_dagster.records.invoice import Invoice, InvoiceDistribution, InvoiceLine
from ml_connector_dagster.records.purchase_order import PODistribution, POLine, POSchedule, PurchaseOrder
from ml_connector_dagster.records.receipt import Receipt, ReceiptLine
from ml_connector_dagster.records.reference import CostCenter, GLAccount
from ml_connector_dagster.records.supplier import Supplier, SupplierAddress, SupplierSite

__all__ = [
    "CanonicalRecord",
    "ChargeAccount",
    "CostCenter",
    "GLAccount",
    "InvalidRecord",
    "Invoice",
    "InvoiceDistribution",
    "InvoiceLine",
    "MappedAccount",
    "POAcknowledgment",
    "PODistribution",
    "POLine",
    "POSchedule",
    "PurchaseOrder",
    "Receipt",
    "ReceiptLine",
    "ScheduleAcknowledgment",
    "Supplier",
    "SupplierAddress",
    "SupplierSite",
    "payload_hash",
]
