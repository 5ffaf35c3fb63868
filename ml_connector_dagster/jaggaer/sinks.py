"""JAGGAER as a target the sync engine writes to."""

from ml_connector_dagster.jaggaer.client import JaggaerClient
from ml_connector_dagster.jaggaer.purchase_orders import to_jaggaer_document
from ml_connector_dagster.records import PurchaseOrder


class JaggaerPurchaseOrderSink:
    system = "jaggaer"
    record_type = PurchaseOrder

    def __init__(self, client: JaggaerClient) -> None:
        self.client = client

    def write(self, record: PurchaseOrder, known_id: str | None) -> str:
        return self.client.upsert_purchase_order(to_jaggaer_document(record), known_id)
