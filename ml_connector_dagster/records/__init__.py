"""Canonical records: the one shape every system's formats convert to and from."""

from ml_connector_dagster.records.errors import InvalidRecord
from ml_connector_dagster.records.hashing import payload_hash
from ml_connector_dagster.records.purchase_order import (
    PODistribution,
    POLine,
    POSchedule,
    PurchaseOrder,
)

__all__ = ["InvalidRecord", "PODistribution", "POLine", "POSchedule", "PurchaseOrder", "payload_hash"]
