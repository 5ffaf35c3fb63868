"""NetSuite purchase orders as canonical purchase orders: each item line becomes a line with one schedule and
one distribution charged to the line's expense account and classifications."""

from datetime import datetime

from ml_connector_dagster.netsuite.changed import changed_at
from ml_connector_dagster.netsuite.documents import TransactionContext, body_lines, status_name
from ml_connector_dagster.netsuite.transactions import LINES, VENDOR
from ml_connector_dagster.netsuite.values import Row, RowReader, document_name
from ml_connector_dagster.records import PODistribution, POLine, POSchedule, PurchaseOrder

# transaction.status of a purchase order [doc: the status list of the Purchase Order record].
STATUSES = {
    "A": "Pending Supervisor Approval",
    "B": "Pending Receipt",
    "C": "Rejected by Supervisor",
    "D": "Partially Received",
    "E": "Pending Billing/Partially Received",
    "F": "Pending Bill",
    "G": "Fully Billed",
    "H": "Closed",
}
CANCELLED = "Cancelled"


def purchase_order(raw: Row, context: TransactionContext) -> PurchaseOrder:
    key = str(raw.get("id"))
    header = RowReader(raw, f"purchase order {document_name(raw, key)}", key)
    mainline, body = body_lines(header, header.children(LINES))
    vendor = RowReader(header.child(VENDOR) or {}, f"{header.what} vendor", key)
    vendor_id = header.required_integer("entity")
    changed = changed_at(header)
    trandate = header.day("trandate")
    return PurchaseOrder(
        source_id=header.required_integer("id"),
        order_number=header.required_text("tranid"),
        supplier=vendor.text("companyname") or vendor.text("entityid") or f"vendor {vendor_id}",
        supplier_id=vendor_id,
        procurement_bu=context.business_unit(header, mainline),
        currency_code=context.currency(header),
        status=CANCELLED if header.flag("voided") else status_name(STATUSES, header.text("status")),
        total=header.decimal("foreigntotal") or 0,
        creation_date=context.midnight(trandate) if trandate else changed,
        last_update_date=changed,
        lines=tuple(_line(header, line, context) for line in body),
    )


def _line(header: RowReader, row: Row, context: TransactionContext) -> POLine:
    line = RowReader(row, f"{header.what} line {row.get('id')}", header.key)
    line_id = line.required_integer("id")
    number = line.integer("linesequencenumber") or line_id
    quantity, amount = line.decimal("quantity"), line.decimal("netamount")
    account = line.integer(context.connection.order_line_account_column)
    item = line.text("item")
    distribution = PODistribution(
        distribution_id=line_id,
        distribution_number=1,
        quantity=quantity,
        amount=amount,
        charge_account=context.line_charge(line, account).combination,
    )
    return POLine(
        line_id=line_id,
        line_number=number,
        description=f"Item {item}" if item else f"Line {number}",
        quantity=quantity,
        unit_price=line.decimal("rate"),
        amount=amount,
        schedules=(
            POSchedule(
                line_location_id=line_id,
                schedule_number=1,
                quantity=quantity,
                amount=amount,
                distributions=(distribution,),
            ),
        ),
    )


def cancelled_order(last: PurchaseOrder, at: datetime) -> PurchaseOrder:
    """A purchase order deleted in NetSuite: cancelled in JAGGAER."""
    return last.model_copy(update={"status": CANCELLED, "last_update_date": at})
