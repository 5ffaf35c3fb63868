"""NetSuite vendor bills as canonical invoices: each expense line becomes a line with one distribution charged
to its accounting line's account and the line's classifications. A voided bill is a cancelled invoice."""

from datetime import datetime

from ml_connector_dagster.netsuite.changed import changed_at
from ml_connector_dagster.netsuite.documents import TransactionContext, body_lines, status_name
from ml_connector_dagster.netsuite.transactions import ACCOUNTING, LINES, VENDOR
from ml_connector_dagster.netsuite.values import Row, RowReader, document_name
from ml_connector_dagster.records import Invoice, InvoiceDistribution, InvoiceLine

# transaction.status of a vendor bill [doc: the status list of the Vendor Bill record].
STATUSES = {"A": "Open", "B": "Paid In Full", "C": "Cancelled", "D": "Rejected", "E": "Pending Approval"}
_CANCELLED_STATUS = "C"


def invoice(raw: Row, context: TransactionContext) -> Invoice:
    key = str(raw.get("id"))
    header = RowReader(raw, f"vendor bill {document_name(raw, key)}", key)
    mainline, body = body_lines(header, header.children(LINES))
    vendor_row = header.child(VENDOR)
    if vendor_row is None:
        raise header.bad("entity", f"{str(raw.get('entity'))[:40]!r} names no vendor the connector can read")
    vendor = RowReader(vendor_row, f"{header.what} vendor", key)
    supplier_number = vendor.required_text("entityid")
    accounting = (RowReader(row, f"{header.what} accounting line", key) for row in header.children(ACCOUNTING))
    accounts = {line.required_text("transactionline"): line.integer("account") for line in accounting}
    status = header.text("status")
    trandate = header.day("trandate")
    if trandate is None:
        raise header.bad("trandate", "is empty; it is required")
    return Invoice(
        source_id=header.required_integer("id"),
        invoice_number=header.required_text("tranid"),
        supplier_number=supplier_number,
        supplier=vendor.text("companyname"),
        business_unit=context.business_unit(header, mainline),
        currency_code=context.currency(header),
        amount=header.decimal("foreigntotal") or 0,
        invoice_date=trandate,
        validation_status=status_name(STATUSES, status),
        canceled=header.flag("voided") or status == _CANCELLED_STATUS,
        last_update_date=changed_at(header),
        lines=tuple(_line(header, line, accounts, context) for line in body),
    )


def _line(header: RowReader, row: Row, accounts: dict[str, int | None], context: TransactionContext) -> InvoiceLine:
    line = RowReader(row, f"{header.what} line {row.get('id')}", header.key)
    line_id = line.required_integer("id")
    amount = line.decimal("netamount")
    if amount is None:
        raise line.bad("netamount", "is empty; it is required")
    account = accounts.get(str(line_id))
    if account is None:
        account = line.integer(context.connection.order_line_account_column)
    distribution = InvoiceDistribution(
        distribution_id=line_id,
        distribution_line_number=1,
        amount=amount,
        combination=context.line_charge(line, account).combination or "",
    )
    return InvoiceLine(
        line_number=line.integer("linesequencenumber") or line_id,
        line_type="Item",
        amount=amount,
        quantity=line.decimal("quantity"),
        unit_price=line.decimal("rate"),
        distributions=(distribution,),
    )


def cancelled_invoice(last: Invoice, at: datetime) -> Invoice:
    """A vendor bill deleted in NetSuite: cancelled in JAGGAER."""
    return last.model_copy(update={"canceled": True, "last_update_date": at})
