"""`POST invoices`: Payables invoices created through REST, their lines matched to purchase order schedules by
the numbers a client knows. The natural key is invoice number + supplier + business unit: a second create of a
key is refused, unless the request says `Upsert-Mode: true`, which rewrites the invoice instead."""

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ml_connector_dagster.fusion.simulator.errors import SimError
from ml_connector_dagster.fusion.simulator.reference import BUSINESS_UNITS
from ml_connector_dagster.fusion.simulator.rows import Row, Value
from ml_connector_dagster.fusion.simulator.schema import INVOICE_DISTRIBUTIONS, INVOICE_LINES, INVOICES, SUPPLIERS
from ml_connector_dagster.fusion.simulator.store import PodStore
from ml_connector_dagster.fusion.simulator.writes import CENT, Schedule, by_amount, find_schedule, stamp_now, validated

RECORD = "Invoice"
_BUSINESS_UNITS = frozenset(unit.name for unit in BUSINESS_UNITS)


class DistributionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    DistributionLineNumber: int | None = Field(default=None, ge=1)
    DistributionAmount: Decimal
    DistributionCombination: str = Field(min_length=1)


class InvoiceLineIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    LineNumber: int | None = Field(default=None, ge=1)
    LineType: str = "Item"
    LineAmount: Decimal
    Quantity: Decimal | None = None
    UnitPrice: Decimal | None = None
    Description: str | None = None
    PurchaseOrderNumber: str | None = None
    PurchaseOrderLineNumber: int | None = None
    PurchaseOrderScheduleLineNumber: int | None = None
    invoiceDistributions: list[DistributionIn] = []


class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    InvoiceNumber: str = Field(min_length=1)
    InvoiceCurrency: str = Field(min_length=3, max_length=3)
    InvoiceAmount: Decimal
    InvoiceDate: date
    BusinessUnit: str
    Supplier: str | None = None
    SupplierNumber: str | None = None
    SupplierSite: str | None = None
    InvoiceType: str = "Standard"
    Description: str | None = None
    invoiceLines: list[InvoiceLineIn] = []


def write_invoice(store: PodStore, body: dict[str, object], upsert: bool) -> tuple[Row, bool]:
    """Creates the invoice, or with `upsert` rewrites the one of its key; returns it and whether it is new.
    The caller holds the store's lock."""
    invoice = validated(InvoiceIn, body, RECORD)
    supplier = _supplier(store, invoice)
    if invoice.BusinessUnit not in _BUSINESS_UNITS:
        raise _refused("BusinessUnit", f"no business unit {invoice.BusinessUnit!r} exists")
    site = _site(supplier, invoice.SupplierSite)
    table = store.tables[INVOICES.name]
    existing = _same_key(store, invoice, supplier)
    if existing is not None and not upsert:
        raise SimError(
            400,
            f"An invoice {invoice.InvoiceNumber} of supplier {supplier.attrs.get('Supplier')} already exists in "
            f"{invoice.BusinessUnit}: invoice numbers must be unique per supplier and business unit.",
            "InvoiceNumber",
            "SIM-DUPLICATE-INVOICE",
        )
    now = stamp_now()
    invoice_id = store.take_id("InvoiceId") if existing is None else existing.key
    attrs: dict[str, Value] = {
        "InvoiceId": invoice_id,
        "InvoiceNumber": invoice.InvoiceNumber,
        "InvoiceCurrency": invoice.InvoiceCurrency,
        "InvoiceAmount": invoice.InvoiceAmount.quantize(CENT),
        "InvoiceDate": invoice.InvoiceDate.isoformat(),
        "BusinessUnit": invoice.BusinessUnit,
        "Supplier": supplier.attrs.get("Supplier"),
        "SupplierNumber": supplier.attrs.get("SupplierNumber"),
        "SupplierSite": site,
        "InvoiceType": invoice.InvoiceType,
        "ValidationStatus": "Not validated",
        "CanceledFlag": False,
        "CreationDate": now if existing is None else existing.attrs.get("CreationDate"),
        "LastUpdateDate": now,
    }
    row = Row(INVOICES.id, invoice_id, attrs, (_lines(store, invoice, supplier),))
    if existing is None:
        table.add([row])
    else:
        table.replace(existing, row)
    if invoice_id not in store.written_invoices:
        store.written_invoices.append(invoice_id)
    return row, existing is None


def _refused(path: str, problem: str) -> SimError:
    return SimError(400, f"{RECORD} attribute {path}: {problem}.", path, "SIM-ATTRIBUTE")


def _supplier(store: PodStore, invoice: InvoiceIn) -> Row:
    if invoice.SupplierNumber is None and invoice.Supplier is None:
        raise _refused("Supplier", "give the Supplier or the SupplierNumber")
    for row in store.tables[SUPPLIERS.name].rows():
        number, name = row.attrs.get("SupplierNumber"), row.attrs.get("Supplier")
        if invoice.SupplierNumber in (None, number) and invoice.Supplier in (None, name):
            return row
    path = "Supplier" if invoice.SupplierNumber is None else "SupplierNumber"
    given = invoice.Supplier if invoice.SupplierNumber is None else invoice.SupplierNumber
    raise _refused(path, f"no supplier {given!r} exists (with the Supplier and SupplierNumber given)")


def _site(supplier: Row, given: str | None) -> Value:
    sites = [row.attrs.get("SupplierSite") for row in supplier.children[0]]
    if given is None:
        return sites[0] if sites else None
    if given not in sites:
        raise _refused("SupplierSite", f"supplier {supplier.attrs.get('Supplier')} has no site {given!r}")
    return given


def _same_key(store: PodStore, invoice: InvoiceIn, supplier: Row) -> Row | None:
    key = (invoice.InvoiceNumber, supplier.attrs.get("SupplierNumber"), invoice.BusinessUnit)
    return next(
        (
            row
            for row in store.tables[INVOICES.name].rows()
            if (row.attrs.get("InvoiceNumber"), row.attrs.get("SupplierNumber"), row.attrs.get("BusinessUnit")) == key
        ),
        None,
    )


def _lines(store: PodStore, invoice: InvoiceIn, supplier: Row) -> tuple[Row, ...]:
    rows: list[Row] = []
    numbers: set[int] = set()
    for position, line in enumerate(invoice.invoiceLines):
        path = f"invoiceLines[{position}]"
        number = line.LineNumber or position + 1
        if number in numbers:
            raise _refused(f"{path}.LineNumber", f"line number {number} is given twice")
        numbers.add(number)
        matched = _matched(store, line, path, supplier, invoice.BusinessUnit)
        attrs: dict[str, Value] = {
            "LineNumber": number,
            "LineType": line.LineType,
            "LineAmount": line.LineAmount.quantize(CENT),
            "Quantity": line.Quantity,
            "UnitPrice": line.UnitPrice,
            "Description": line.Description or (None if matched is None else matched.line.attrs.get("Description")),
            "PurchaseOrderNumber": line.PurchaseOrderNumber,
            "PurchaseOrderLineNumber": line.PurchaseOrderLineNumber,
            "PurchaseOrderScheduleLineNumber": line.PurchaseOrderScheduleLineNumber,
        }
        distributions = _distributions(store, line, matched)
        rows.append(Row(INVOICE_LINES.id, store.take_id("InvoiceLineKey"), attrs, (distributions,)))
    return tuple(rows)


def _matched(store: PodStore, line: InvoiceLineIn, path: str, supplier: Row, unit: str) -> Schedule | None:
    numbers = (line.PurchaseOrderNumber, line.PurchaseOrderLineNumber, line.PurchaseOrderScheduleLineNumber)
    if all(number is None for number in numbers):
        return None
    if line.PurchaseOrderNumber is None or line.PurchaseOrderLineNumber is None:
        raise _refused(f"{path}.PurchaseOrderNumber", "a matched line needs the PO number, line and schedule")
    if line.PurchaseOrderScheduleLineNumber is None:
        raise _refused(f"{path}.PurchaseOrderScheduleLineNumber", "a matched line needs the PO schedule number")
    order_number = line.PurchaseOrderNumber
    found = find_schedule(
        store.order_by_number(order_number), line.PurchaseOrderLineNumber, line.PurchaseOrderScheduleLineNumber
    )
    if found == "order":
        raise _refused(f"{path}.PurchaseOrderNumber", f"no purchase order {order_number} exists")
    if found == "line":
        raise _refused(
            f"{path}.PurchaseOrderLineNumber",
            f"purchase order {order_number} has no line {line.PurchaseOrderLineNumber}",
        )
    if isinstance(found, str):
        raise _refused(
            f"{path}.PurchaseOrderScheduleLineNumber",
            f"line {line.PurchaseOrderLineNumber} of purchase order {order_number} has no schedule "
            f"{line.PurchaseOrderScheduleLineNumber}",
        )
    order = found.order.attrs
    if order.get("SupplierId") != supplier.key:
        owner, invoicing = order.get("Supplier"), supplier.attrs.get("Supplier")
        raise _refused(f"{path}.PurchaseOrderNumber", f"purchase order {order_number} is of {owner}, not {invoicing}")
    if order.get("BillToBU") != unit:
        billed = order.get("BillToBU")
        raise _refused(f"{path}.PurchaseOrderNumber", f"purchase order {order_number} is billed to {billed}")
    if by_amount(found.line) and (line.Quantity is not None or line.UnitPrice is not None):
        raise _refused(f"{path}.Quantity", "a fixed-price service line is matched by amount: no Quantity or UnitPrice")
    return found


def _distributions(store: PodStore, line: InvoiceLineIn, matched: Schedule | None) -> tuple[Row, ...]:
    """As given; else a matched line is charged where its schedule's first distribution is."""
    given = [
        (given.DistributionLineNumber or position + 1, given.DistributionAmount, given.DistributionCombination)
        for position, given in enumerate(line.invoiceDistributions)
    ]
    if not given and matched is not None and matched.schedule.children[0]:
        given = [(1, line.LineAmount, str(matched.schedule.children[0][0].attrs.get("POChargeAccount")))]
    rows = []
    for number, amount, combination in given:
        distribution_id = store.take_id("InvoiceDistributionId")
        attrs: dict[str, Value] = {
            "InvoiceDistributionId": distribution_id,
            "DistributionLineNumber": number,
            "DistributionAmount": amount.quantize(CENT),
            "DistributionCombination": combination,
        }
        rows.append(Row(INVOICE_DISTRIBUTIONS.id, distribution_id, attrs))
    return tuple(rows)
