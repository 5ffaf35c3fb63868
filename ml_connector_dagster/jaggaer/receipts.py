"""Receipts read from JAGGAER, in modified-time windows, into canonical Receipts.

J1P provisions the receipt path per tenant (no public one), so path, list member, id field and filter forms
are connection settings. Where a receipt holds its fields (J1P's style, ours):
`{receiptId, receiptNumber, supplier: {supplierNumber}, receivedDate, lastUpdate, status,
lineList: {receiptLine: [{lineNumber, poNumber, poLineNumber, poScheduleNumber, quantity, amount, uom}]}}`.
"""

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.jaggaer.answers import Document, optional_identifier
from ml_connector_dagster.jaggaer.connection import JaggaerConnection
from ml_connector_dagster.jaggaer.document_fields import DocumentReader
from ml_connector_dagster.jaggaer.listing import WindowedReading
from ml_connector_dagster.records import Receipt

DEFAULT_LIST_PATH = "receiptList.receipt"
_LINES = "lineList.receiptLine"


class ReceiptReading(WindowedReading):
    def __init__(self, http: ApiClient, connection: JaggaerConnection) -> None:
        super().__init__(
            http,
            connection,
            connection.receipt_path,
            connection.receipt_list_path,
            DEFAULT_LIST_PATH,
            connection.receipt_id_field,
        )

    def record_key(self, raw: Document) -> str:
        """The receiptId; a receipt without one is known by its number."""
        return optional_identifier(raw, ((self.id_field,),)) or f"receiptNumber:{raw.get('receiptNumber')}"

    def convert(self, raw: Document) -> tuple[Receipt, list[str]]:
        number = optional_identifier(raw, (("receiptNumber",),))
        label = f"receipt {number}" if number else f"receipt {self.record_key(raw)}"
        read = DocumentReader(raw, label, self.record_key(raw))
        header = {
            "source_id": read.text(raw, "", self.id_field, "receipt"),
            "receipt_number": read.text(raw, "", "receiptNumber", "receipt"),
            "supplier_number": read.text(raw, "", "supplier.supplierNumber", "receipt", required=False),
            "received_at": read.timestamp(raw, "", "receivedDate", "receipt", required=False),
            "last_update": read.timestamp(raw, "", self.connection.modified_time_field, "receipt"),
        }
        lines = []
        for place, line in read.items(_LINES, "receipt"):
            fields = {
                "line_number": read.integer(line, place, "lineNumber", "receiptLine"),
                "po_number": read.text(line, place, "poNumber", "receiptLine"),
                "po_line_number": read.integer(line, place, "poLineNumber", "receiptLine"),
                "po_schedule_number": read.integer(line, place, "poScheduleNumber", "receiptLine", required=False),
                "unit_of_measure": read.text(line, place, "uom", "receiptLine", required=False),
            }
            # A line is received by quantity or (fixed-price services) by amount: lacking one is no warning.
            for measure in ("quantity", "amount"):
                if line.get(measure) is not None:
                    fields[measure] = read.decimal(line, place, measure, "receiptLine")
            if line.get("quantity") is None and line.get("amount") is None:
                read.problem(place, "quantity", "required (or amount)")
            lines.append({name: value for name, value in fields.items() if value is not None})
        if not lines and not read.problems:
            read.problem("", _LINES, "holds no line")
        return read.build(Receipt, {**header, "lines": lines})
