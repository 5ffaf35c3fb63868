"""Invoices in J1P: imported through the OCR import, looked up by supplier number + supplier invoice number.

An import only creates, and J1P keeps supplierInvoiceNumber unique per supplier only by refusing (or, on some
tenants, storing) a second one: so the key is looked up before importing, and a lost answer is checked by
looking it up again, never by importing again.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import WriteOutcomeUnknown, found_after_unknown
from ml_connector_dagster.jaggaer.answers import Document, checked, identifier, optional_identifier
from ml_connector_dagster.jaggaer.connection import JaggaerConnection
from ml_connector_dagster.jaggaer.invoice_reading import InvoiceReading
from ml_connector_dagster.jaggaer.listing import (
    fiql_filter,
    fiql_value,
    first_listed,
    iter_listed,
    list_paths,
    lookup_chunks,
    oldest_first,
)
from ml_connector_dagster.jaggaer.template_kinds import INVOICE
from ml_connector_dagster.jaggaer.template_loader import load_template
from ml_connector_dagster.records import Invoice
from ml_connector_dagster.records.invoice import invoice_key

DEFAULT_LIST_PATH = "jiinvoiceList.jiinvoice"
_ID_PLACES = (("invoiceId",), ("invoice", "invoiceId"))
_SUPPLIER_PLACES = (("supplier", "supplierNumber"), ("supplierNumber",))
_NUMBER_PLACES = (("supplierInvoiceNumber",),)


def split_key(key: str) -> tuple[str, str]:
    # Supplier numbers hold no `/`; invoice numbers may.
    supplier_number, _, invoice_number = key.partition("/")
    return supplier_number, invoice_number


@dataclass(frozen=True)
class ListedInvoice:
    position: int
    invoice_id: str
    supplier_number: str
    supplier_invoice_number: str
    workflow_status: str | None
    document: Document

    @property
    def key(self) -> str:
        return invoice_key(self.supplier_number, self.supplier_invoice_number)


class InvoiceApi:
    def __init__(self, http: ApiClient, connection: JaggaerConnection) -> None:
        self._http = http
        self.connection = connection
        self.template = load_template(INVOICE, connection.invoice_template, connection.template_settings)
        self._list_paths = list_paths(connection.invoice_list_path, DEFAULT_LIST_PATH)
        # Invoices JAGGAER holds, read in windows for the ERP (invoice_reading.py).
        self.reading = InvoiceReading(http, connection)

    def document(self, invoice: Invoice) -> Document:
        """The import batch an invoice becomes."""
        return self.template.render(invoice)

    def find(self, keys: Sequence[str]) -> dict[str, str]:
        """The invoiceId of each "supplier_number/invoice_number" key that exists: per supplier, invoice numbers
        `lookup_batch_size` at a time. With duplicates the oldest wins; invoices not asked for are ignored."""
        by_supplier: dict[str, list[str]] = {}
        for key in dict.fromkeys(keys):
            supplier_number, invoice_number = split_key(key)
            by_supplier.setdefault(supplier_number, []).append(invoice_number)
        found: dict[str, list[str]] = {}
        for supplier_number, numbers in by_supplier.items():
            supplier = f"supplierNumber=={fiql_value(supplier_number)}"
            for chunk in lookup_chunks(numbers, self.connection.lookup_batch_size):
                for listed in self.iter(f"{supplier};{fiql_filter('supplierInvoiceNumber', chunk)}"):
                    if listed.supplier_number == supplier_number and listed.supplier_invoice_number in chunk:
                        found.setdefault(listed.key, []).append(listed.invoice_id)
        return {key: min(ids, key=oldest_first) for key, ids in found.items()}

    def first(self) -> tuple[int, ListedInvoice | None]:
        return first_listed(self._http, self.connection.invoice_path, self._list_paths, None, _listed)

    def iter(self, flt: str | None = None) -> Iterator[ListedInvoice]:
        c = self.connection
        return iter_listed(self._http, c.invoice_path, self._list_paths, c.page_size, flt, _listed, "invoices")

    def import_invoice(self, invoice: Invoice, known_id: str | None = None, looked_up: bool = False) -> str:
        """The invoiceId of the invoice in JAGGAER, importing it only when it is not there. `looked_up`: the
        caller just looked the key up, so `known_id` None means absent."""
        key = invoice.natural_key
        found = known_id if looked_up else known_id or self.find([key]).get(key)
        if found is not None:
            return found
        try:
            answer = self._http.send_json("POST", self.connection.invoice_import_path, self.document(invoice))
        except WriteOutcomeUnknown as unknown:
            return found_after_unknown(unknown, lambda: self.find([key]).get(key))
        return identifier(checked(answer, "invoice import"), _ID_PLACES, "invoiceId", "invoice import answer")

    def cancel(self, invoice_id: str) -> str:
        """Cancels the invoice; the tenant treats a second cancel as done."""
        path = self.connection.invoice_cancel_path.replace("{invoiceId}", quote(invoice_id, safe=""))
        answer = checked(self._http.send_json("POST", path, {}), "invoice cancel")
        return optional_identifier(answer, _ID_PLACES) or invoice_id


def _listed(document: Document, position: int) -> ListedInvoice:
    what = f"invoice list item {position}"
    status = document.get("workflowStatus")
    return ListedInvoice(
        position=position,
        invoice_id=identifier(document, _ID_PLACES, "invoiceId", what),
        supplier_number=identifier(document, _SUPPLIER_PLACES, "supplier.supplierNumber", what),
        supplier_invoice_number=identifier(document, _NUMBER_PLACES, "supplierInvoiceNumber", what),
        workflow_status=status if isinstance(status, str) else None,
        document=document,
    )
