"""Invoices → `POST invoices`, lines matched to purchase order schedules by number.

Fusion keeps an invoice number unique per supplier and business unit; there is no idempotency key, so the key
is looked up before an invoice is created and after an answer lost on the way, and a create refused because
the key exists resolves to the invoice that holds it. Only creates are sent: a changed invoice already in
Fusion is rewritten only with `invoice_upsert_mode` (`Upsert-Mode: true`), and skipped with a reason otherwise.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.lookup import LookupCache, string_in
from ml_connector_dagster.fusion.order_lookup import OrderFacts, OrderLookup
from ml_connector_dagster.fusion.resources import WholeResource
from ml_connector_dagster.http.errors import (
    RequestRejected,
    WriteOutcomeUnknown,
    found_after_unknown,
)
from ml_connector_dagster.records import Invoice, InvoiceLine
from ml_connector_dagster.records.errors import NothingToWrite, WaitsOnTarget

SYSTEM = "fusion"
ITEM_JSON = "application/vnd.oracle.adf.resourceitem+json"
SUPPLIERS = WholeResource("suppliers", "SupplierId")
_FOUND_FIELDS = "InvoiceId,InvoiceNumber,SupplierNumber,BusinessUnit"


def split_key(key: str) -> tuple[str, str]:
    # As Invoice.natural_key writes it; supplier numbers hold no `/`, invoice numbers may.
    supplier_number, _, invoice_number = key.partition("/")
    return supplier_number, invoice_number


class InvoiceWriter:
    def __init__(self, client: FusionClient, orders: OrderLookup) -> None:
        self._client = client
        self._orders = orders
        connection = client.connection
        self._invoices = WholeResource(connection.invoices_resource, "InvoiceId")
        self._upsert = connection.invoice_upsert_mode
        self._suppliers: LookupCache[str] = LookupCache(self._fetch_suppliers, connection.lookup_batch_size)

    def new_batch(self) -> None:
        self._suppliers.clear()
        self._orders.new_batch()

    def find_in_units(self, keys: Sequence[str]) -> dict[str, dict[str, str]]:
        """Per "supplier_number/invoice_number" key that exists, its InvoiceId in each business unit holding it
        (the oldest, should one unit hold two)."""
        by_supplier: dict[str, list[str]] = defaultdict(list)
        for key in dict.fromkeys(keys):
            supplier_number, invoice_number = split_key(key)
            by_supplier[supplier_number].append(invoice_number)
        found: dict[str, dict[str, str]] = {}
        size = self._client.connection.lookup_batch_size
        for supplier_number, numbers in by_supplier.items():
            supplier = string_in("SupplierNumber", [supplier_number])
            for start in range(0, len(numbers), size):
                q = f"{supplier} and {string_in('InvoiceNumber', numbers[start : start + size])}"
                for item in self._client.iter_matching(self._invoices, q, fields=_FOUND_FIELDS):
                    key = f"{item['SupplierNumber']}/{item['InvoiceNumber']}"
                    found.setdefault(key, {}).setdefault(str(item["BusinessUnit"]), str(item["InvoiceId"]))
        return found

    def find(self, keys: Sequence[str]) -> dict[str, str]:
        """The InvoiceId of each key that exists in some business unit (the oldest where several hold it):
        enough to know a key is absent everywhere; `write` confirms the unit of one that is found."""
        return {key: min(ids.values(), key=int) for key, ids in self.find_in_units(keys).items()}

    def find_one(self, invoice: Invoice) -> str | None:
        """The InvoiceId of this invoice's key in its own business unit."""
        key = invoice.natural_key
        return self.find_in_units([key]).get(key, {}).get(invoice.business_unit)

    def write(self, invoice: Invoice, known_id: str | None, looked_up: bool = False) -> str:
        """The InvoiceId in Fusion, creating the invoice when its key is not there.

        `known_id` with `looked_up` False is the ledger's: this invoice, written before. From a lookup just
        made it may be another business unit's, so it is checked. `looked_up` with None: absent everywhere."""
        key = invoice.natural_key
        written_before = known_id is not None and not looked_up
        if (known_id is not None) == looked_up:
            # Found by a lookup that ignored the business unit, or not looked up at all: asked in this unit.
            known_id = self.find_one(invoice)
        if invoice.canceled:
            if known_id is None:
                raise NothingToWrite(f"invoice {key} was canceled before it reached Fusion")
            raise NothingToWrite(
                f"invoice {key} was canceled after it reached Fusion as invoice {known_id}; cancel it in Fusion"
            )
        if known_id is not None and not self._upsert:
            if not written_before:
                return known_id
            raise NothingToWrite(
                f"invoice {key} changed after it was written to Fusion as invoice {known_id}; an invoice in Fusion "
                "is changed only with invoice_upsert_mode"
            )
        return self._post(invoice)

    def invoice(self, invoice: Invoice) -> dict[str, Any]:
        """The invoice as Fusion takes it; WaitsOnTarget when Fusion lacks its supplier or a purchase order,
        line or schedule one of its lines is matched to."""
        key, supplier_number = invoice.natural_key, invoice.supplier_number
        if not self._suppliers.get_many([supplier_number]):
            raise WaitsOnTarget(
                f"invoice {key}: supplier {supplier_number} is not in Fusion", (f"supplier-number:{supplier_number}",)
            )
        matched = [line for line in invoice.lines if line.po_number]
        unnumbered = [line.line_number for line in matched if line.po_line_number is None]
        if unnumbered:
            raise RequestRejected(
                SYSTEM, f"invoice {key} line {unnumbered[0]}: names a purchase order but not its line number"
            )
        orders = self._orders.orders([line.po_number for line in matched if line.po_number])
        waits: dict[str, str] = {}
        for line in matched:
            number = str(line.po_number)
            order = orders.get(number)
            gap = (
                f"purchase order {number} is not in Fusion"
                if order is None
                else order.lacks(int(line.po_line_number or 0), line.po_schedule_number or 1)
            )
            if gap:
                waits.setdefault(f"po:{number}", gap)
        if waits:
            raise WaitsOnTarget(f"invoice {key}: {'; '.join(dict.fromkeys(waits.values()))}", tuple(waits))
        body: dict[str, Any] = {
            "InvoiceNumber": invoice.invoice_number,
            "InvoiceCurrency": invoice.currency_code,
            "InvoiceAmount": invoice.amount,
            "InvoiceDate": invoice.invoice_date.isoformat(),
            "BusinessUnit": invoice.business_unit,
            "SupplierNumber": supplier_number,
            "InvoiceType": invoice.invoice_type,
            "invoiceLines": [_line(line, orders.get(str(line.po_number))) for line in invoice.lines],
        }
        if invoice.supplier_site:
            body["SupplierSite"] = invoice.supplier_site
        return body

    def _post(self, invoice: Invoice) -> str:
        key = invoice.natural_key
        body = self.invoice(invoice)
        headers = {"Upsert-Mode": "true"} if self._upsert else None
        try:
            answer = self._client.http.send_json("POST", self._invoices.name, body, ITEM_JSON, headers)
        except WriteOutcomeUnknown as unknown:
            return found_after_unknown(unknown, lambda: self.find_one(invoice))
        except RequestRejected as exc:
            # A create refused because the key exists (another writer, or a write whose answer was lost on an
            # earlier run) is that invoice; any other refusal is the record's problem, in Fusion's words.
            existing = self.find_one(invoice) if exc.status == 400 else None
            if existing is not None:
                return existing
            reason = str(exc).removeprefix(f"{SYSTEM}: ")
            raise RequestRejected(SYSTEM, f"invoice {key}: {reason}", exc.status, exc.code) from None
        if not isinstance(answer, dict) or answer.get("InvoiceId") is None:
            raise RequestRejected(SYSTEM, f"invoice {key}: the answer has no InvoiceId")
        return str(answer["InvoiceId"])

    def _fetch_suppliers(self, numbers: list[str]) -> dict[str, str]:
        """SupplierId by SupplierNumber, for the numbers Fusion holds."""
        rows = self._client.iter_matching(
            SUPPLIERS, string_in("SupplierNumber", numbers), fields="SupplierId,SupplierNumber"
        )
        return {str(row["SupplierNumber"]): str(row["SupplierId"]) for row in rows}


def _line(line: InvoiceLine, order: OrderFacts | None) -> dict[str, Any]:
    body: dict[str, Any] = {"LineNumber": line.line_number, "LineType": line.line_type, "LineAmount": line.amount}
    if line.description:
        body["Description"] = line.description
    by_amount = order is not None and order.lines[line.po_line_number or 0].by_amount is True
    # A fixed-price service line is matched by amount alone: Fusion refuses a quantity or price on it.
    if not by_amount:
        if line.quantity is not None:
            body["Quantity"] = line.quantity
        if line.unit_price is not None:
            body["UnitPrice"] = line.unit_price
    if order is not None:
        body["PurchaseOrderNumber"] = line.po_number
        body["PurchaseOrderLineNumber"] = line.po_line_number
        body["PurchaseOrderScheduleLineNumber"] = line.po_schedule_number or 1
    return body
