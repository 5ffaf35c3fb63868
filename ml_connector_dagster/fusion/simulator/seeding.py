"""Deterministic purchase orders for the simulated pod: realistic values, amounts that add up at every level;
and what every seeder shares (ids, random draws, change times, malformations)."""

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TypeVar

from ml_connector_dagster.fusion.simulator.reference import BASE_SUPPLIERS, BUSINESS_UNITS, CHARGE_ACCOUNTS
from ml_connector_dagster.fusion.simulator.rows import Row, Value, format_timestamp
from ml_connector_dagster.fusion.simulator.schema import DISTRIBUTIONS, LINES, PURCHASE_ORDERS, SCHEDULES

T = TypeVar("T")

_BUYERS = ("Calvin Roth", "Jessica Martinez", "Clare Jones", "Hiroshi Tanaka", "Emma Schmidt", "Olivia Brown")
_STATUSES = ("OPEN",) * 6 + ("CLOSED", "CLOSED FOR RECEIVING", "PENDING APPROVAL", "INCOMPLETE", "CANCELED")
# (description, UOM, lowest and highest unit price in cents)
ITEMS = (
    ("Laptop computer 14in 16GB", "Ea", 80000, 220000),
    ("Ergonomic office chair", "Ea", 15000, 65000),
    ("Copy paper A4 80gsm", "Box", 2500, 4900),
    ("Network switch 48-port PoE", "Ea", 120000, 480000),
    ("Nitrile safety gloves", "Box", 900, 2400),
    ("Hydraulic gear pump", "Ea", 35000, 140000),
    ("Implementation consulting", "Hours", 9500, 26000),
    ("Hex bolts M8 x 40 zinc", "Box", 1200, 3800),
)
# Items bought as fixed-price services: received and matched by amount, not quantity.
FIXED_PRICE_SERVICES = frozenset({"Implementation consulting"})
_PURPOSES = ("Quarterly replenishment", "Plant maintenance", "IT refresh", "New site fit-out", "Project Atlas")


class Absent:
    """Marks a malformation that removes a required attribute outright: absent, not null."""


ABSENT = Absent()
Malformation = tuple[str, Value | Absent]
# Applied in turn to the malformed orders of a seed.
MALFORMATIONS: tuple[Malformation, ...] = (
    ("CurrencyCode", ABSENT),
    ("Supplier", None),
    ("CreationDate", "2026-13-45T99:00:00+00:00"),
    ("Total", "twelve hundred"),
    ("SupplierId", "ABC-123"),
)
_FIRST_IDS = {
    "POHeaderId": 300100187048034,
    "POLineId": 300100187205112,
    "LineLocationId": 300100187390447,
    "PODistributionId": 300100187512980,
    "OrderNumber": 164532,
    "SupplierId": 300100015000000,
    "SupplierNumber": 1013,
    "SupplierSiteId": 300100015100000,
    "SupplierAddressId": 300100015200000,
    "InvoiceId": 300100190000000,
    "InvoiceNumber": 508001,
    "InvoiceLineKey": 300100190500000,
    "InvoiceDistributionId": 300100191000000,
    "HeaderInterfaceId": 300100195000000,
    "InterfaceTransactionId": 300100195500000,
    "ErrorId": 300100196000000,
    "ReceiptNumber": 7001,
}


def money(cents: int) -> Decimal:
    """Cents as an amount with two decimals (`1234.50`), as Fusion sends amounts."""
    return Decimal(cents).scaleb(-2)


# Quantities are whole units of at most 120 per line; one shared Decimal each.
QUANTITIES = tuple(Decimal(units) for units in range(121))


@lru_cache(maxsize=1024)
def iso_day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


class IdSequence:
    """The next id of each kind. Real ids are sparse, so headers advance by a random step."""

    def __init__(self) -> None:
        self._next = dict(_FIRST_IDS)

    def take(self, name: str, step: int = 1) -> int:
        value = self._next[name]
        self._next[name] = value + step
        return value


def malform(rows: Sequence[Row], positions: Sequence[int], malformations: Sequence[Malformation]) -> None:
    """Breaks one required attribute of each row at `positions`, applying `malformations` in turn."""
    for cycle, position in enumerate(sorted(positions)):
        name, value = malformations[cycle % len(malformations)]
        attrs = rows[position].attrs
        if isinstance(value, Absent):
            del attrs[name]
        else:
            attrs[name] = value


class Draws:
    """Values drawn from one random stream. `random()` alone is drawn (fast, and reproducible)."""

    def __init__(self, rng: random.Random, ids: IdSequence) -> None:
        self._random = rng.random
        self._ids = ids

    def _between(self, low: int, high: int) -> int:
        return low + int(self._random() * (high - low + 1))

    def _pick(self, options: Sequence[T]) -> T:
        return options[int(self._random() * len(options))]

    def _halves(self, quantity: int) -> list[int]:
        """One part, or two when the quantity allows it: schedules and distributions split their parent."""
        if quantity < 2 or self._random() < 0.5:
            return [quantity]
        cut = self._between(1, quantity - 1)
        return [cut, quantity - cut]

    def update_times(self, count: int, start: datetime, end: datetime) -> list[datetime]:
        """`count` instants in [start, end), one per equal slot, some equal to the one before.

        Shared instants are deliberate: they are what breaks a client that pages by LastUpdateDate alone.
        About half are whole seconds, half carry milliseconds, as Fusion sends both forms.
        """
        base = start + timedelta(microseconds=-start.microsecond % 1000)
        span_ms = (end - base) // timedelta(milliseconds=1)
        moments: list[datetime] = []
        for slot in range(count):
            if moments and self._random() < 0.05:
                moments.append(moments[-1])
                continue
            low = slot * span_ms // count
            high = max((slot + 1) * span_ms // count, low + 1)
            moment = base + timedelta(milliseconds=self._between(low, high - 1))
            whole_second = moment + timedelta(microseconds=-moment.microsecond % 1_000_000)
            moments.append(whole_second if self._random() < 0.5 and whole_second < end else moment)
        return moments


class Seeder(Draws):
    """Builds purchase orders."""

    def __init__(self, rng: random.Random, ids: IdSequence, max_lines: int) -> None:
        super().__init__(rng, ids)
        self._max_lines = max_lines

    def purchase_order(self, updated: datetime) -> Row:
        bu, currency, prefix, company = self._pick(BUSINESS_UNITS)
        supplier, supplier_id, site, _, _ = self._pick(BASE_SUPPLIERS)
        po_id = self._ids.take("POHeaderId", self._between(1, 9))
        lines, total = [], 0
        day = updated.toordinal()
        for number in range(1, self._between(1, self._max_lines) + 1):
            line, cents = self._line(number, company, day)
            lines.append(line)
            total += cents
        created = updated - timedelta(minutes=self._between(1, 30 * 24 * 60), milliseconds=self._between(0, 999))
        attrs: dict[str, Value] = {
            "POHeaderId": po_id,
            "OrderNumber": f"{prefix}{self._ids.take('OrderNumber')}",
            "Description": f"{self._pick(_PURPOSES)} - {lines[0].attrs['Description']}",
            "Supplier": supplier,
            "SupplierId": supplier_id,
            "SupplierSite": site,
            "ProcurementBU": bu,
            "BillToBU": bu,
            "Buyer": self._pick(_BUYERS),
            "CurrencyCode": currency,
            "Status": self._pick(_STATUSES),
            "Total": money(total),
            "CreationDate": format_timestamp(created, millis=self._random() < 0.5),
            "LastUpdateDate": format_timestamp(updated, millis=updated.microsecond != 0),
        }
        return Row(PURCHASE_ORDERS.name, po_id, attrs, (tuple(lines),))

    def _line(self, number: int, company: str, day: int) -> tuple[Row, int]:
        description, uom, low, high = self._pick(ITEMS)
        price = self._between(low, high)
        quantity = self._between(1, 120)
        accounts = CHARGE_ACCOUNTS[company]
        schedules = []
        for schedule_number, part in enumerate(self._halves(quantity), start=1):
            distributions = []
            for distribution_number, share in enumerate(self._halves(part), start=1):
                account, account_id = self._pick(accounts)
                distribution_id = self._ids.take("PODistributionId")
                attrs: dict[str, Value] = {
                    "PODistributionId": distribution_id,
                    "DistributionNumber": distribution_number,
                    "Quantity": QUANTITIES[share],
                    "Amount": money(share * price),
                    "POChargeAccountId": account_id,
                    "POChargeAccount": account,
                }
                distributions.append(Row(DISTRIBUTIONS.name, distribution_id, attrs))
            location_id = self._ids.take("LineLocationId")
            attrs = {
                "LineLocationId": location_id,
                "ScheduleNumber": schedule_number,
                "Quantity": QUANTITIES[part],
                "Amount": money(part * price),
                "RequestedDeliveryDate": iso_day(day + self._between(7, 90)),
            }
            schedules.append(Row(SCHEDULES.name, location_id, attrs, (tuple(distributions),)))
        line_id = self._ids.take("POLineId")
        attrs = {
            "POLineId": line_id,
            "LineNumber": number,
            "Description": description,
            "Quantity": QUANTITIES[quantity],
            "Price": money(price),
            "UOM": uom,
            "Amount": money(quantity * price),
            **_line_kind(description),
        }
        return Row(LINES.name, line_id, attrs, (tuple(schedules),)), quantity * price


def _line_kind(description: str) -> dict[str, Value]:
    if description in FIXED_PRICE_SERVICES:
        return {"OrderTypeLookupCode": "FIXED PRICE", "MatchingBasis": "AMOUNT"}
    return {"OrderTypeLookupCode": "QUANTITY", "MatchingBasis": "QUANTITY"}
