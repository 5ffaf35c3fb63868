"""JAGGAER as a target the sync engine writes to."""

from ml_connector_dagster.jaggaer.client import JaggaerClient
from ml_connector_dagster.records import PurchaseOrder


class JaggaerPurchaseOrderSink:
    """`write` may be called from `concurrency` threads at once; never for the same PO number at once."""

    system = "jaggaer"
    record_type = PurchaseOrder

    def __init__(self, client: JaggaerClient) -> None:
        self.client = client
        self.concurrency: int = client.connection.max_concurrent_requests

    def write(self, record: PurchaseOrder, known_id: str | None) -> str:
        return self.client.upsert_purchase_order(self.client.purchase_order_document(record), known_id)
