"""Invoices read from JAGGAER (supplier-submitted, on their way to the ERP), in modified-time windows, into
canonical Invoices.

From J1P's read shape: `invoiceId`, `supplierInvoiceNumber` (the invoice number), `supplier.supplierNumber`,
`businessUnit` (text or `{internalName}`; `default_business_unit` when absent), `total{currency, value}`,
`invoiceDate`, `invoiceType`, `workflowStatus` ("Canceled"), the modified time, and lines
`lineList.invoiceLine[]` with `lineNumber`, `poNumber`, `poLineNumber`, `poScheduleNumber` (1 when absent),
`quantity`, `unitPrice` and `lineAmount` (quantity × unitPrice when absent). No distributions: the ERP derives
them from the purchase order for PO-matched lines.
"""

from decimal import Decimal
from typing import Any

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.jaggaer.answers import Document, optional_identifier
from ml_connector_dagster.jaggaer.connection import JaggaerConnection
from ml_connector_dagster.jaggaer.document_fields import DocumentReader
from ml_connector_dagster.jaggaer.listing import WindowedReading
from ml_connector_dagster.records import Invoice
from ml_connector_dagster.records.errors import shortened
from ml_connector_dagster.records.invoice import invoice_key

DEFAULT_LIST_PATH = "jiinvoiceList.jiinvoice"
CANCELED = "Canceled"
_LINES = "lineList.invoiceLine"
_LINE_TYPE = "Item"


class InvoiceReading(WindowedReading):
    def __init__(self, http: ApiClient, connection: JaggaerConnection) -> None:
        super().__init__(
            http,
            connection,
            connection.invoice_path,
            connection.invoice_list_path,
            DEFAULT_LIST_PATH,
            connection.invoice_id_field,
        )

    def record_key(self, raw: Document) -> str:
        """The invoiceId; one without it is known by its supplier invoice number."""
        found = optional_identifier(raw, ((self.id_field,),))
        return found or f"supplierInvoiceNumber:{raw.get('supplierInvoiceNumber')}"

    def natural_key(self, raw: Document) -> str | None:
        """What Invoice.natural_key makes of this document, read before conversion; None without both parts."""
        supplier = optional_identifier(raw, (("supplier", "supplierNumber"),))
        number = optional_identifier(raw, (("supplierInvoiceNumber",),))
        return invoice_key(supplier, number) if supplier and number else None

    def convert(self, raw: Document) -> tuple[Invoice, list[str]]:
        supplier = optional_identifier(raw, (("supplier", "supplierNumber"),))
        number = optional_identifier(raw, (("supplierInvoiceNumber",),))
        key = self.record_key(raw)
        label = (
            f"invoice {shortened(supplier, 40)}/{shortened(number, 40)}" if supplier and number else f"invoice {key}"
        )
        read = DocumentReader(raw, label, key)
        source_id = read.integer(raw, "", self.id_field, "invoice")
        invoice_type = read.text(raw, "", "invoiceType", "invoice", required=False)
        status = read.text(raw, "", "workflowStatus", "invoice", required=False)
        header: dict[str, Any] = {
            "source_id": source_id,
            "invoice_number": read.text(raw, "", "supplierInvoiceNumber", "invoice"),
            "supplier_number": read.text(raw, "", "supplier.supplierNumber", "invoice"),
            "business_unit": self._business_unit(read, raw),
            "currency_code": read.text(raw, "", "total.currency", "invoice"),
            "amount": read.decimal(raw, "", "total.value", "invoice"),
            "invoice_date": read.day(raw, "", "invoiceDate", "invoice"),
            "canceled": status == CANCELED,
            "last_update_date": read.timestamp(raw, "", self.connection.modified_time_field, "invoice"),
            **({} if invoice_type is None else {"invoice_type": invoice_type}),
        }
        lines = [self._line(read, place, line) for place, line in read.items(_LINES, "invoice", required=False)]
        return read.build(Invoice, {**header, "lines": lines})

    def _business_unit(self, read: DocumentReader, raw: Document) -> str | None:
        unit = read.raw(raw, "", "businessUnit", "invoice", required=self.connection.default_business_unit is None)
        if isinstance(unit, dict):
            return read.text(unit, "businessUnit", "internalName", "invoice")
        if unit is None:
            return self.connection.default_business_unit
        return read.text(raw, "", "businessUnit", "invoice")

    @staticmethod
    def _line(read: DocumentReader, place: str, line: Document) -> dict[str, Any]:
        quantity = read.decimal(line, place, "quantity", "invoiceLine", required=False)
        unit_price = read.decimal(line, place, "unitPrice", "invoiceLine", required=False)
        amount: Decimal | None
        if line.get("lineAmount") is not None:
            amount = read.decimal(line, place, "lineAmount", "invoiceLine")
        elif quantity is not None and unit_price is not None:
            amount = quantity * unit_price
        else:
            amount = None
            if line.get("quantity") is None or line.get("unitPrice") is None:
                read.problem(place, "lineAmount", "required (or quantity and unitPrice)")
        po_number = read.text(line, place, "poNumber", "invoiceLine", required=False)
        schedule = read.integer(line, place, "poScheduleNumber", "invoiceLine", required=False)
        fields = {
            "line_number": read.integer(line, place, "lineNumber", "invoiceLine"),
            "line_type": _LINE_TYPE,
            "amount": amount,
            "quantity": quantity,
            "unit_price": unit_price,
            "po_number": po_number,
            "po_line_number": read.integer(line, place, "poLineNumber", "invoiceLine", required=False),
            # A PO-matched line names its schedule; J1P's documented lines do not, and most POs have one.
            "po_schedule_number": 1 if schedule is None and po_number is not None else schedule,
        }
        return {name: value for name, value in fields.items() if value is not None}
