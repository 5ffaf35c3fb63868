"""The simulated tenant's invoices: OCR imports, reads, lists and cancels; supplier-submitted invoices added by
tests.

An import is `{"batchId", "batchInfo", "invoiceOcr": {"invoiceOcrHeader": {…}, "invoiceOcrLineList":
{"invoiceOcrLine": [...]}}}`, the supplier named by its ERP `supplierNumber`. Stored invoices take J1P's read
shape: the header's fields, `supplier.supplierNumber`, lines under `lineList.invoiceLine`, and the server's
`invoiceId`, `invoiceNumber`, `lastUpdate` and statuses.
"""

import itertools
from datetime import datetime
from typing import Any

from ml_connector_dagster.jaggaer.simulator.collection import Collection
from ml_connector_dagster.jaggaer.simulator.errors import RC_DUPLICATE, RC_INVALID_REQUEST, J1PError
from ml_connector_dagster.jaggaer.simulator.fiql import FilterField, Term, parse_time
from ml_connector_dagster.jaggaer.simulator.references import ReferenceCheck, supplier_number_in
from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings

_FIRST_INVOICE_ID = 8_000_000_001
CANCELED = "Canceled"
FILTER_FIELDS = {
    "supplierInvoiceNumber": FilterField(("supplierInvoiceNumber",)),
    "supplierNumber": FilterField(("supplier", "supplierNumber")),
    "invoiceNumber": FilterField(("invoiceNumber",)),
    "invoiceId": FilterField(("invoiceId",), int),
    "lastUpdate": FilterField(("lastUpdate",), parse_time),
}


def _key(document: dict[str, Any]) -> tuple[str | None, Any]:
    # `.get`: tests may store a bad invoice (one lacking its key) to show the connector quarantining it.
    return (supplier_number_in(document), document.get("supplierInvoiceNumber"))


def _invalid(member: str) -> J1PError:
    return J1PError(RC_INVALID_REQUEST, f"Invalid invoice import: {member}: required")


class InvoiceStore:
    def __init__(self, settings: JaggaerSimSettings, references: ReferenceCheck) -> None:
        self._settings = settings
        self._references = references
        self._numbers = itertools.count(1)
        self.collection = Collection(_FIRST_INVOICE_ID, "invoiceId", _key, "lastUpdate")

    def import_invoice(self, body: Any) -> int:
        """Stores one imported invoice; returns its invoiceId."""
        ocr = body.get("invoiceOcr") if isinstance(body, dict) else None
        if not isinstance(ocr, dict):
            raise _invalid("invoiceOcr")
        header = ocr.get("invoiceOcrHeader")
        if not isinstance(header, dict):
            raise _invalid("invoiceOcr.invoiceOcrHeader")
        invoice_number = header.get("supplierInvoiceNumber")
        if not isinstance(invoice_number, str) or not invoice_number.strip():
            raise _invalid("invoiceOcr.invoiceOcrHeader.supplierInvoiceNumber")
        supplier_number = supplier_number_in(header)
        if supplier_number is None:
            raise _invalid("invoiceOcr.invoiceOcrHeader.supplier.supplierNumber")
        self._references.check(ocr, supplier_number)
        line_list = ocr.get("invoiceOcrLineList")
        lines = line_list.get("invoiceOcrLine", []) if isinstance(line_list, dict) else []
        supplier = header.get("supplier") if isinstance(header.get("supplier"), dict) else {}
        fields = {name: value for name, value in header.items() if name not in ("supplier", "supplierNumber")}
        with self.collection.lock:
            if self._settings.duplicate_invoice == "reject" and self.collection.ids_with(
                (supplier_number, invoice_number)
            ):
                raise J1PError(RC_DUPLICATE, f"Invoice {invoice_number} of supplier {supplier_number} already exists")
            return self.collection.create(
                {
                    **fields,
                    "supplier": {**supplier, "supplierNumber": supplier_number},
                    "invoiceNumber": f"JI-{next(self._numbers):06d}",
                    "batchId": body.get("batchId"),
                    "workflowStatus": "Imported",
                    "matchStatus": "Not Matched",
                    "paymentStatus": "Unpaid",
                    "lineList": {"invoiceLine": lines},
                }
            )

    def add(self, document: dict[str, Any], at: datetime | None = None) -> int:
        """Stores an invoice as JAGGAER holds it once its supplier submitted it (read shape, no checks); the
        server's members default as an import would set them."""
        with self.collection.lock:
            defaults = {
                "invoiceNumber": f"JI-{next(self._numbers):06d}",
                "workflowStatus": "Approved",
                "matchStatus": "Not Matched",
                "paymentStatus": "Unpaid",
            }
            return self.collection.create({**defaults, **document}, at)

    def edit(self, invoice_id: int, changes: dict[str, Any], at: datetime | None = None) -> None:
        """Merges top-level members into the invoice and stamps it anew (now, or at `at`)."""
        with self.collection.lock:
            self.get(invoice_id)
            self.collection.edit(invoice_id, changes, at)

    def get(self, invoice_id: int) -> dict[str, Any]:
        found = self.collection.get(invoice_id)
        if found is None:
            raise self.not_found(invoice_id)
        return found

    def cancel(self, invoice_id: int) -> int:
        """Cancels an invoice; cancelling a canceled one changes nothing, so a resent cancel is harmless."""
        with self.collection.lock:
            invoice = self.get(invoice_id)
            if invoice["workflowStatus"] != CANCELED:
                self.collection.replace(invoice_id, {**invoice, "workflowStatus": CANCELED})
            return invoice_id

    def not_found(self, invoice_id: object) -> J1PError:
        return J1PError(self._settings.not_found_code, f"Invoice {invoice_id} not found")

    def page(self, terms: list[Term], start: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        total, documents = self.collection.page(terms, start, limit, self._index)
        self.collection.edit_after_read(documents, self._settings.edits_during_read)
        return total, documents

    @staticmethod
    def _index(terms: list[Term]) -> list[Any] | None:
        suppliers = next((t.values for t in terms if t.equal_values(("supplier", "supplierNumber"))), None)
        numbers = next((t.values for t in terms if t.equal_values(("supplierInvoiceNumber",))), None)
        if suppliers is None or numbers is None:
            return None
        return [(supplier, number) for supplier in suppliers for number in numbers]
