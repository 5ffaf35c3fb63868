"""Fusion as a source of changed records, in the shape the sync engine reads."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.purchase_orders import record_key, to_purchase_order
from ml_connector_dagster.records import PurchaseOrder


class FusionPurchaseOrderFeed:
    system = "fusion"
    entity = "purchase_orders"

    def __init__(self, client: FusionClient) -> None:
        self.client = client

    def changed(self, lo: datetime, hi: datetime) -> Iterator[dict[str, Any]]:
        return self.client.iter_purchase_orders(lo, hi)

    def convert(self, raw: dict[str, Any]) -> PurchaseOrder:
        return to_purchase_order(raw)

    def record_key(self, raw: dict[str, Any]) -> str:
        return record_key(raw)

    def natural_key(self, record: PurchaseOrder) -> str:
        return record.order_number

    def version(self, record: PurchaseOrder) -> datetime:
        return record.last_update_date
