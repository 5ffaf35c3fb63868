"""What tests read back of the writes a client made to the pod (three-way matching), and how many of them are
duplicates: for the simulator object, which holds the pod's store."""

from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ml_connector_dagster.fusion.simulator.acknowledgments import sync_acknowledgments
from ml_connector_dagster.fusion.simulator.rows import plain
from ml_connector_dagster.fusion.simulator.schema import ACKNOWLEDGMENTS, INVOICES, RECEIPT_REQUESTS
from ml_connector_dagster.fusion.simulator.store import PodStore


class WrittenStats(BaseModel):
    stored: int
    duplicates: int


class WriteBackInspection:
    _store: PodStore

    def receipt_requests(self) -> list[dict[str, Any]]:
        """Every receipt request posted, in creation order, with its `lines` and `processingErrors`."""
        with self._store.lock:
            return [plain(row) for row in self._store.tables[RECEIPT_REQUESTS.name].rows()]

    def received(self, line_location_id: int) -> Decimal:
        """What receipts have taken from a purchase order schedule: a quantity, or an amount (fixed-price)."""
        with self._store.lock:
            return self._store.received.get(line_location_id, Decimal(0))

    def acknowledgment(self, po_header_id: int) -> dict[str, Any] | None:
        """The order's acknowledgment with its `schedules`; None when the pod has no such order."""
        with self._store.lock:
            sync_acknowledgments(self._store)
            row = self._store.tables[ACKNOWLEDGMENTS.name].get(po_header_id)
            return None if row is None else plain(row)

    def written_stats(self) -> dict[str, WrittenStats]:
        """Per collection a client writes, what it holds from writes and how much of it is duplicated: receipts
        that succeeded per shipment number, invoices per number + supplier + business unit, acknowledgments
        per order (a duplicate is a PATCH that changed nothing)."""
        with self._store.lock:
            receipts = [
                row
                for row in self._store.tables[RECEIPT_REQUESTS.name].rows()
                if row.attrs["ReturnStatus"] == "SUCCESS"
            ]
            shipments = {row.attrs.get("ShipmentNumber") or f"#{row.key}" for row in receipts}
            table = self._store.tables[INVOICES.name]
            invoices = [row for row in map(table.get, self._store.written_invoices) if row is not None]
            keys = {
                (row.attrs["InvoiceNumber"], row.attrs["SupplierNumber"], row.attrs["BusinessUnit"]) for row in invoices
            }
            sync_acknowledgments(self._store)
            answered = [
                row
                for row in self._store.tables[ACKNOWLEDGMENTS.name].rows()
                if row.attrs.get("AcknowledgmentResponse") is not None
            ]
            return {
                "receivingReceiptRequests": WrittenStats(
                    stored=len(receipts), duplicates=len(receipts) - len(shipments)
                ),
                "invoices": WrittenStats(stored=len(invoices), duplicates=len(invoices) - len(keys)),
                "purchaseOrderAcknowledgments": WrittenStats(
                    stored=len(answered), duplicates=self._store.unchanged_acknowledgments
                ),
            }

    def written_invoices(self) -> list[dict[str, Any]]:
        """The invoices created (or upserted) through POST, in the order first written, with `invoiceLines`."""
        with self._store.lock:
            table = self._store.tables[INVOICES.name]
            return [plain(row) for row in map(table.get, self._store.written_invoices) if row is not None]
