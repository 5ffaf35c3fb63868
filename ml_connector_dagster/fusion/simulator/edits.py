"""Edits as a user would make them: each changes what a target would see, and leaves the change time to the
store (which moves the row in its change index)."""

import re
from collections.abc import Callable
from decimal import Decimal

from ml_connector_dagster.fusion.simulator.rows import Row
from ml_connector_dagster.fusion.simulator.seeding import money

_REVISION = re.compile(r" \(rev (\d+)\)$")
_SUITE = re.compile(r"^Suite (\d+)$")


def _cents(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def _revised(text: str) -> str:
    """`text (rev n+1)` from `text (rev n)`, or `text (rev 1)`."""
    match = _REVISION.search(text)
    revision = int(match.group(1)) + 1 if match else 1
    return f"{_REVISION.sub('', text)} (rev {revision})"


def edit_purchase_order(header: Row) -> None:
    """A new Description, and one more unit on line 1."""
    header.attrs["Description"] = _revised(str(header.attrs.get("Description") or ""))
    line = min(header.children[0], key=lambda row: int(str(row.attrs["LineNumber"])))
    price = _cents(Decimal(str(line.attrs["Price"])))
    schedule = line.children[0][-1]
    # One more unit on the line, its last schedule and that schedule's last distribution keeps every level's
    # Quantity and Amount adding up.
    for row in (line, schedule, schedule.children[0][-1]):
        row.attrs["Quantity"] = Decimal(str(row.attrs["Quantity"])) + 1
        row.attrs["Amount"] = money(_cents(Decimal(str(row.attrs["Amount"]))) + price)
    if isinstance(header.attrs.get("Total"), Decimal):
        header.attrs["Total"] = money(sum(_cents(Decimal(str(row.attrs["Amount"]))) for row in header.children[0]))


def edit_supplier(supplier: Row) -> None:
    """The first address moves to the next suite."""
    address = supplier.children[1][0]
    match = _SUITE.match(str(address.attrs.get("AddressLine2") or ""))
    address.attrs["AddressLine2"] = f"Suite {int(match.group(1)) + 1 if match else 101}"


def edit_invoice(invoice: Row) -> None:
    """Line 1's description is revised."""
    line = invoice.children[0][0]
    line.attrs["Description"] = _revised(str(line.attrs.get("Description") or ""))


def cancel_invoice(invoice: Row) -> None:
    """What Payables' cancel action leaves: the flag set, the amount zeroed, the status canceled."""
    invoice.attrs["CanceledFlag"] = True
    invoice.attrs["InvoiceAmount"] = money(0)
    invoice.attrs["ValidationStatus"] = "Canceled"


EDITS: dict[str, Callable[[Row], None]] = {
    "purchaseOrders": edit_purchase_order,
    "suppliers": edit_supplier,
    "invoices": edit_invoice,
}
