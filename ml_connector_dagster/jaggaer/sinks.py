"""JAGGAER as a target the sync engine writes to."""

from collections.abc import Sequence

from ml_connector_dagster.jaggaer.client import JaggaerClient
from ml_connector_dagster.records import PurchaseOrder


class JaggaerPurchaseOrderSink:
    """`write` may be called from `concurrency` threads at once; never for the same PO number at once."""

    system = "jaggaer"
    record_type = PurchaseOrder

    def __init__(self, client: JaggaerClient) -> None:
        self.client = client
        self.concurrency: int = client.connection.max_concurrent_requests
        self.bulk_lookup = not client.connection.po_upsert_supported

    def find_ids(self, natural_keys: Sequence[str]) -> dict[str, str]:
        return self.client.find_purchase_orders(natural_keys)

    def write(self, record: PurchaseOrder, known_id: str | None, looked_up: bool = False) -> str:
        document = self.client.purchase_order_document(record)
        return self.client.upsert_purchase_order(document, known_id, looked_up)
