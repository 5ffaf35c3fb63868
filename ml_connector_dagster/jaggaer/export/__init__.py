"""JAGGAER Document Export: the receiver JAGGAER pushes documents to, which queues them in the store."""

from ml_connector_dagster.jaggaer.export.app import AUDIT_ENTITY, AUDIT_SYSTEM, DocumentExportReceiver
from ml_connector_dagster.jaggaer.export.parsing import (
    Delivery,
    DeliveryRefused,
    escape_bare_ampersands,
    inbound_document,
    parse_delivery,
)
from ml_connector_dagster.jaggaer.export.response import export_response
from ml_connector_dagster.jaggaer.export.settings import (
    CREDENTIALS_COMMAND,
    SYSTEM,
    ExportCredentials,
    ReceiverSettings,
)

__all__ = [
    "AUDIT_ENTITY",
    "AUDIT_SYSTEM",
    "CREDENTIALS_COMMAND",
    "SYSTEM",
    "Delivery",
    "DeliveryRefused",
    "DocumentExportReceiver",
    "ExportCredentials",
    "ReceiverSettings",
    "escape_bare_ampersands",
    "export_response",
    "inbound_document",
    "parse_delivery",
]
