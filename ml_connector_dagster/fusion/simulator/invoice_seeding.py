"""Deterministic payables invoices: the base suppliers, charge accounts from the LOV, lines matched to seeded
purchase orders of the same supplier and business unit where there are any, amounts that add up."""

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from ml_connector_dagster.fusion.simulator.reference import (
    BASE_SUPPLIERS,
    BUSINESS_UNITS,
    CHARGE_ACCOUNTS,
    UNMAPPED_COST_CENTER,
    BusinessUnit,
)
from ml_connector_dagster.fusion.simulator.rows import Row, Value, format_timestamp
from ml_connector_dagster.fusion.simulator.schema import INVOICE_DISTRIBUTIONS, INVOICE_LINES, INVOICES
from ml_connector_dagster.fusion.simulator.seeding import (
    ABSENT,
    ITEMS,
    QUANTITIES,
    Draws,
    IdSequence,
    Malformation,
    iso_day,
    money,
)

# Applied in turn to the malformed invoices of a seed.
INVOICE_MALFORMATIONS: tuple[Malformation, ...] = (
    ("InvoiceCurrency", ABSENT),
    ("SupplierNumber", None),
    ("InvoiceDate", "2026-02-30"),
    ("InvoiceAmount", "n/a"),
    ("InvoiceNumber", None),
)
_VALIDATION = ("Validated",) * 8 + ("Needs revalidation", "Not validated")
# Purchase orders by (SupplierId, ProcurementBU): the orders an invoice of that supplier and unit may match.
OrdersBySupplier = Mapping[tuple[Value, Value], Sequence[Row]]


def orders_by_supplier(orders: Sequence[Row]) -> dict[tuple[Value, Value], list[Row]]:
    grouped: dict[tuple[Value, Value], list[Row]] = {}
    for order in orders:
        grouped.setdefault((order.attrs.get("SupplierId"), order.attrs.get("ProcurementBU")), []).append(order)
    return grouped


class InvoiceSeeder(Draws):
    def __init__(self, rng: random.Random, ids: IdSequence, max_lines: int, orders: OrdersBySupplier) -> None:
        super().__init__(rng, ids)
        self._max_lines = max_lines
        self._orders = orders

    def invoice(self, updated: datetime, canceled: bool) -> Row:
        unit = self._pick(BUSINESS_UNITS)
        supplier = self._pick(BASE_SUPPLIERS)
        invoice_id = self._ids.take("InvoiceId", self._between(1, 9))
        orders = self._orders.get((supplier.supplier_id, unit.name), ())
        lines, total = [], 0
        for number in range(1, self._between(1, self._max_lines) + 1):
            matched = self._pick(orders) if orders and self._random() < 0.6 else None
            line, cents = self._item_line(number, unit, matched)
            lines.append(line)
            total += cents
        if self._random() < 0.3:
            cents = self._between(1500, 25000)
            lines.append(self._line(len(lines) + 1, "Freight", cents, "Freight charges", unit, None))
            total += cents
        invoiced = updated - timedelta(days=self._between(0, 20))
        created = updated - timedelta(minutes=self._between(1, 7 * 24 * 60), milliseconds=self._between(0, 999))
        attrs: dict[str, Value] = {
            "InvoiceId": invoice_id,
            "InvoiceNumber": f"{unit.order_prefix}-INV-{self._ids.take('InvoiceNumber')}",
            "InvoiceCurrency": unit.currency,
            # A canceled invoice's amount is zeroed; its lines keep what was invoiced.
            "InvoiceAmount": money(0 if canceled else total),
            "InvoiceDate": iso_day(invoiced.toordinal()),
            "BusinessUnit": unit.name,
            "Supplier": supplier.name,
            "SupplierNumber": supplier.number,
            "SupplierSite": supplier.site,
            "InvoiceType": "Standard",
            "ValidationStatus": "Canceled" if canceled else self._pick(_VALIDATION),
            "CanceledFlag": canceled,
            "CreationDate": format_timestamp(created, millis=self._random() < 0.5),
            "LastUpdateDate": format_timestamp(updated, millis=updated.microsecond != 0),
        }
        return Row(INVOICES.name, invoice_id, attrs, (tuple(lines),))

    def _item_line(self, number: int, unit: BusinessUnit, order: Row | None) -> tuple[Row, int]:
        if order is None:
            description, _, low, high = self._pick(ITEMS)
            price, quantity = self._between(low, high), self._between(1, 40)
            line = self._line(number, "Item", quantity * price, description, unit, None)
            line.attrs.update({"Quantity": QUANTITIES[quantity], "UnitPrice": money(price)})
            return line, quantity * price
        po_line = self._pick(order.children[0])
        schedule = self._pick(po_line.children[0])
        price = int(Decimal(str(po_line.attrs["Price"])).scaleb(2))
        quantity = self._between(1, int(Decimal(str(schedule.attrs["Quantity"]))))
        # A matched line is charged where its schedule's first distribution is.
        account = str(schedule.children[0][0].attrs["POChargeAccount"])
        line = self._line(number, "Item", quantity * price, str(po_line.attrs["Description"]), unit, account)
        line.attrs.update(
            {
                "Quantity": QUANTITIES[quantity],
                "UnitPrice": money(price),
                "PurchaseOrderNumber": order.attrs.get("OrderNumber"),
                "PurchaseOrderLineNumber": po_line.attrs["LineNumber"],
                "PurchaseOrderScheduleLineNumber": schedule.attrs["ScheduleNumber"],
            }
        )
        return line, quantity * price

    def _line(
        self, number: int, kind: str, cents: int, description: str, unit: BusinessUnit, account: str | None
    ) -> Row:
        distributions = []
        for distribution_number, share in enumerate(self._halves(cents), start=1):
            charged = account or self._pick(CHARGE_ACCOUNTS[unit.company])[0]
            distribution_id = self._ids.take("InvoiceDistributionId")
            attrs: dict[str, Value] = {
                "InvoiceDistributionId": distribution_id,
                "DistributionLineNumber": distribution_number,
                "DistributionAmount": money(share),
                "DistributionCombination": charged,
            }
            distributions.append(Row(INVOICE_DISTRIBUTIONS.name, distribution_id, attrs))
        attrs = {
            "LineNumber": number,
            "LineType": kind,
            "LineAmount": money(cents),
            "Quantity": None,
            "UnitPrice": None,
            "Description": description,
            "PurchaseOrderNumber": None,
            "PurchaseOrderLineNumber": None,
            "PurchaseOrderScheduleLineNumber": None,
        }
        return Row(INVOICE_LINES.name, self._ids.take("InvoiceLineKey"), attrs, (tuple(distributions),))


def charge_unmapped(invoice: Row, rng: random.Random) -> None:
    """Moves one distribution of the invoice to the same account under the cost center no mapping knows."""
    distributions = [row for line in invoice.children[0] for row in line.children[0]]
    chosen = distributions[int(rng.random() * len(distributions))]
    segments = str(chosen.attrs["DistributionCombination"]).split(".")
    segments[1] = UNMAPPED_COST_CENTER
    chosen.attrs["DistributionCombination"] = ".".join(segments)
