"""What the demo seeds in JAGGAER for the way back to Fusion: receipts, acknowledgments and supplier invoices
against the purchase orders it seeded in Fusion, one receipt over the ordered quantity; and the buyer's fix."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.fusion.simulator.reference import BASE_SUPPLIERS

_SUPPLIER_NUMBERS = {supplier.supplier_id: supplier.number for supplier in BASE_SUPPLIERS}


@dataclass(frozen=True)
class ScheduleRef:
    order_number: str
    line_number: int
    schedule_number: int
    quantity: Decimal


@dataclass(frozen=True)
class InboundSeed:
    receipts: int
    acknowledgments: int
    invoices: int
    over_received: ScheduleRef
    over_quantity: Decimal

    def line(self) -> str:
        return (
            f"seeded in JAGGAER {self.receipts} receipts (1 over the ordered quantity), {self.acknowledgments} PO "
            f"acknowledgments, {self.invoices} supplier invoices, against the purchase orders seeded in Fusion"
        )


def seed_inbound(sims: LocalSimulators, start: datetime, end: datetime, count: int) -> InboundSeed:
    """`count` each of receipts, acknowledgments and invoices, changed in JAGGAER inside [start, end)."""
    orders = [sims.fusion.order(number) for number in sims.fusion.order_numbers()]
    valid = [order for order in orders if order is not None and order.get("SupplierId") in _SUPPLIER_NUMBERS]
    by_quantity = [
        (order, line, schedule)
        for order in valid
        for line in order.get("lines", [])
        if line.get("MatchingBasis") == "QUANTITY"
        for schedule in line.get("schedules", [])[:1]
    ]
    if len(by_quantity) < 3 * count + 1 or len(valid) < count:
        raise ValueError(
            f"the demo needs {3 * count + 1} quantity-based schedules and {count} orders; Fusion holds "
            f"{len(by_quantity)} and {len(valid)}"
        )
    step = (end - start) / (3 * count + 2)
    at = iter(start + step * (position + 1) for position in range(3 * count + 2))
    jaggaer = sims.jaggaer
    for position, (order, line, schedule) in enumerate(by_quantity[:count]):
        jaggaer.add_receipt(
            f"RC-{position + 1:05d}", None, [_receipt_line(order, line, schedule, schedule["Quantity"])], at=next(at)
        )
    order, line, schedule = by_quantity[count]
    over = ScheduleRef(order["OrderNumber"], line["LineNumber"], schedule["ScheduleNumber"], schedule["Quantity"])
    too_many = Decimal(str(schedule["Quantity"])) + 3
    jaggaer.add_receipt("RC-OVER", None, [_receipt_line(order, line, schedule, too_many)], at=next(at))
    # A supplier answers an order once: one acknowledgment per order, answering each of its schedules.
    for order in valid[:count]:
        answers = [
            {
                "po_line_number": line["LineNumber"],
                "po_schedule_number": schedule["ScheduleNumber"],
                "status": "Accepted",
            }
            for line in order.get("lines", [])
            for schedule in line.get("schedules", [])
        ]
        jaggaer.add_acknowledgment(order["OrderNumber"], "Accepted", "confirmed by the supplier", answers, at=next(at))
    for position, (order, line, schedule) in enumerate(by_quantity[2 * count + 1 : 3 * count + 1]):
        jaggaer.add_invoice(_invoice(order, line, schedule, f"SINV-{position + 1:05d}", start.date()), at=next(at))
    return InboundSeed(count + 1, count, count, over, too_many)


def fix_over_receipt(sims: LocalSimulators, seed: InboundSeed) -> None:
    """The buyer raises the ordered quantity to what was delivered (a change order)."""
    ref = seed.over_received
    sims.fusion.change_schedule_quantity(ref.order_number, ref.line_number, ref.schedule_number, seed.over_quantity)


def _receipt_line(
    order: dict[str, Any], line: dict[str, Any], schedule: dict[str, Any], quantity: object
) -> dict[str, Any]:
    return {
        "po_number": order["OrderNumber"],
        "po_line_number": line["LineNumber"],
        "po_schedule_number": schedule["ScheduleNumber"],
        "quantity": str(quantity),
    }


def _invoice(
    order: dict[str, Any], line: dict[str, Any], schedule: dict[str, Any], number: str, day: date
) -> dict[str, Any]:
    quantity, price = Decimal(str(schedule["Quantity"])), Decimal(str(line["Price"]))
    return {
        "supplierInvoiceNumber": number,
        "supplier": {"supplierNumber": _SUPPLIER_NUMBERS[order["SupplierId"]]},
        "businessUnit": order["ProcurementBU"],
        "total": {"currency": order["CurrencyCode"], "value": str(quantity * price)},
        "invoiceDate": day.isoformat(),
        "invoiceType": "Standard",
        "lineList": {
            "invoiceLine": [
                {
                    "lineNumber": 1,
                    "poNumber": order["OrderNumber"],
                    "poLineNumber": line["LineNumber"],
                    "poScheduleNumber": schedule["ScheduleNumber"],
                    "quantity": str(quantity),
                    "unitPrice": str(price),
                }
            ]
        },
    }
