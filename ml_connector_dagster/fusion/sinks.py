"""Oracle Fusion as a target the sync engine writes to (three-way matching): receipts, PO acknowledgments and
invoices. `write` may be called from `concurrency` threads at once, never for the same natural key at once.

Each sink holds its own writer and purchase-order lookup: the lookups an engine batch makes are remembered for
that batch, and `find_ids`, asked once at the start of a batch, starts the next one.
"""

from collections.abc import Sequence

from ml_connector_dagster.fusion.acknowledgment_writes import AcknowledgmentWriter
from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.invoice_writes import InvoiceWriter
from ml_connector_dagster.fusion.order_lookup import OrderLookup
from ml_connector_dagster.fusion.receipt_writes import ReceiptWriter
from ml_connector_dagster.records import Invoice, POAcknowledgment, Receipt


class FusionReceiptSink:
    """Receipts by receipt number (the request's ShipmentNumber); the target id is the HeaderInterfaceId."""

    system = "fusion"
    record_type = Receipt
    bulk_lookup = True

    def __init__(self, client: FusionClient) -> None:
        self.client = client
        self.concurrency: int = client.connection.max_concurrent_requests
        self.orders = OrderLookup(client)
        self.writer = ReceiptWriter(client, self.orders)

    def find_ids(self, natural_keys: Sequence[str]) -> dict[str, str]:
        self.orders.new_batch()
        return self.writer.find(natural_keys)

    def write(self, record: Receipt, known_id: str | None, looked_up: bool = False) -> str:
        return self.writer.write(record, known_id, looked_up)

    def target_state(self, record: Receipt) -> str | None:
        return None


class FusionAcknowledgmentSink:
    """Acknowledgments by PO number; the target id is the order's POHeaderId. Every write PATCHes (a PATCH is
    idempotent), so a known id saves nothing but the lookup, which the batch's cache makes once."""

    system = "fusion"
    record_type = POAcknowledgment
    bulk_lookup = True

    def __init__(self, client: FusionClient) -> None:
        self.client = client
        self.concurrency: int = client.connection.max_concurrent_requests
        self.orders = OrderLookup(client)
        self.writer = AcknowledgmentWriter(client, self.orders)

    def find_ids(self, natural_keys: Sequence[str]) -> dict[str, str]:
        # The orders' lines and schedules come with them, so the batch's writes need no further lookup.
        self.orders.new_batch()
        return self.writer.find(list(natural_keys))

    def write(self, record: POAcknowledgment, known_id: str | None, looked_up: bool = False) -> str:
        return self.writer.write(record)

    def target_state(self, record: POAcknowledgment) -> str | None:
        return None


class FusionInvoiceSink:
    """Invoices by "supplier_number/invoice_number", in the record's business unit; the target id is the
    InvoiceId. Created once; see fusion/invoice_writes.py for changed and canceled invoices."""

    system = "fusion"
    record_type = Invoice
    bulk_lookup = True

    def __init__(self, client: FusionClient) -> None:
        self.client = client
        self.concurrency: int = client.connection.max_concurrent_requests
        self.writer = InvoiceWriter(client, OrderLookup(client))

    def find_ids(self, natural_keys: Sequence[str]) -> dict[str, str]:
        self.writer.new_batch()
        return self.writer.find(natural_keys)

    def write(self, record: Invoice, known_id: str | None, looked_up: bool = False) -> str:
        return self.writer.write(record, known_id, looked_up)

    def target_state(self, record: Invoice) -> str | None:
        return None
