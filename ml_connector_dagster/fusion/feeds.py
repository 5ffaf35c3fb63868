"""Fusion as a source of changed records, in the shape the sync engine reads."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.purchase_orders import PurchaseOrderMapping
from ml_connector_dagster.records import PurchaseOrder


class FusionPurchaseOrderFeed:
    system = "fusion"
    entity = "purchase_orders"

    def __init__(self, client: FusionClient, mapping: PurchaseOrderMapping | None = None) -> None:
        self.client = client
        self.mapping = mapping or PurchaseOrderMapping(client.connection.attribute_names)

    def changed(self, lo: datetime, hi: datetime) -> Iterator[dict[str, Any]]:
        return self.client.iter_window(self.mapping.resource, lo, hi)

    def convert(self, raw: dict[str, Any]) -> tuple[PurchaseOrder, list[str]]:
        return self.mapping.convert(raw)

    def record_key(self, raw: dict[str, Any]) -> str:
        return self.mapping.record_key(raw)

    def natural_key(self, record: PurchaseOrder) -> str:
        return record.order_number

    def version(self, record: PurchaseOrder) -> datetime:
        return record.last_update_date
