"""Deterministic purchase orders for the simulated pod: realistic values, amounts that add up at every level."""

import hashlib
import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TypeVar

from ml_connector_dagster.fusion.simulator.rows import Row, Value, format_timestamp
from ml_connector_dagster.fusion.simulator.schema import DISTRIBUTIONS, LINES, PURCHASE_ORDERS, SCHEDULES

T = TypeVar("T")

_SUPPLIERS = (
    ("Lee Supplies", 300100009441125, "LEE US1"),
    ("Advanced Network Devices", 300100009441287, "FRESNO"),
    ("Grainger Industrial Supply", 300100010527341, "CHICAGO"),
    ("CDW Corporation", 300100010527562, "VERNON HILLS"),
    ("Fastenal Company", 300100011208815, "WINONA"),
    ("Staples Business Advantage", 300100011208943, "FRAMINGHAM"),
    ("Siemens AG", 300100012360120, "MUNICH"),
    ("Bosch Rexroth AG", 300100012360377, "LOHR"),
    ("Rexel UK Ltd", 300100013074462, "LONDON"),
    ("Wesco Distribution Canada", 300100013074508, "TORONTO"),
    ("Bunzl Australasia", 300100014112739, "SYDNEY"),
    ("Misumi Corporation", 300100014112901, "TOKYO"),
)
# (business unit, currency, order number prefix, ledger company segment)
_BUSINESS_UNITS = (
    ("US1 Business Unit", "USD", "US", "101"),
    ("US1 Business Unit", "USD", "US", "101"),
    ("UK Business Unit", "GBP", "UK", "201"),
    ("DE Business Unit", "EUR", "DE", "301"),
    ("Canada Business Unit", "CAD", "CA", "401"),
    ("AU Business Unit", "AUD", "AU", "501"),
    ("JP Business Unit", "JPY", "JP", "601"),
)
_BUYERS = ("Calvin Roth", "Jessica Martinez", "Clare Jones", "Hiroshi Tanaka", "Emma Schmidt", "Olivia Brown")
_STATUSES = ("OPEN",) * 6 + ("CLOSED", "CLOSED FOR RECEIVING", "PENDING APPROVAL", "INCOMPLETE", "CANCELED")
# (description, UOM, lowest and highest unit price in cents)
_ITEMS = (
    ("Laptop computer 14in 16GB", "Ea", 80000, 220000),
    ("Ergonomic office chair", "Ea", 15000, 65000),
    ("Copy paper A4 80gsm", "Box", 2500, 4900),
    ("Network switch 48-port PoE", "Ea", 120000, 480000),
    ("Nitrile safety gloves", "Box", 900, 2400),
    ("Hydraulic gear pump", "Ea", 35000, 140000),
    ("Implementation consulting", "Hours", 9500, 26000),
    ("Hex bolts M8 x 40 zinc", "Box", 1200, 3800),
)
_PURPOSES = ("Quarterly replenishment", "Plant maintenance", "IT refresh", "New site fit-out", "Project Atlas")
_ACCOUNTS = ("60510", "61120", "62300", "14100")
_COST_CENTERS = ("10", "20", "30", "40")
# Applied in turn to the malformed orders of a seed; CurrencyCode is removed outright (a required attribute
# that is absent, not null).
MALFORMATIONS: tuple[tuple[str, Value], ...] = (
    ("CurrencyCode", None),
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
}


def money(cents: int) -> Decimal:
    """Cents as an amount with two decimals (`1234.50`), as Fusion sends amounts."""
    return Decimal(cents).scaleb(-2)


def _account_id(account: str) -> int:
    return 300100001000000 + int(hashlib.sha256(account.encode()).hexdigest()[:8], 16) % 10**8


# Per ledger company segment: every (charge account, its code combination id) orders are charged to.
_CHARGE_ACCOUNTS = {
    company: tuple(
        (f"{company}.{center}.{natural}.120.000.000", _account_id(f"{company}.{center}.{natural}.120.000.000"))
        for center in _COST_CENTERS
        for natural in _ACCOUNTS
    )
    for _, _, _, company in _BUSINESS_UNITS
}
# Quantities are whole units of at most 120 per line; one shared Decimal each.
_QUANTITIES = tuple(Decimal(units) for units in range(121))


@lru_cache(maxsize=1024)
def _iso_day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


class IdSequence:
    """The next id of each kind. Real ids are sparse, so headers advance by a random step."""

    def __init__(self) -> None:
        self._next = dict(_FIRST_IDS)

    def take(self, name: str, step: int = 1) -> int:
        value = self._next[name]
        self._next[name] = value + step
        return value


class Seeder:
    """Builds purchase orders from one random stream. `random()` alone is drawn (fast, and reproducible)."""

    def __init__(self, rng: random.Random, ids: IdSequence, max_lines: int) -> None:
        self._random = rng.random
        self._ids = ids
        self._max_lines = max_lines

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

    def purchase_order(self, updated: datetime) -> Row:
        bu, currency, prefix, company = self._pick(_BUSINESS_UNITS)
        supplier, supplier_id, site = self._pick(_SUPPLIERS)
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
        return Row(PURCHASE_ORDERS.name, po_id, attrs, tuple(lines))

    def _line(self, number: int, company: str, day: int) -> tuple[Row, int]:
        description, uom, low, high = self._pick(_ITEMS)
        price = self._between(low, high)
        quantity = self._between(1, 120)
        accounts = _CHARGE_ACCOUNTS[company]
        schedules = []
        for schedule_number, part in enumerate(self._halves(quantity), start=1):
            distributions = []
            for distribution_number, share in enumerate(self._halves(part), start=1):
                account, account_id = self._pick(accounts)
                distribution_id = self._ids.take("PODistributionId")
                attrs: dict[str, Value] = {
                    "PODistributionId": distribution_id,
                    "DistributionNumber": distribution_number,
                    "Quantity": _QUANTITIES[share],
                    "Amount": money(share * price),
                    "POChargeAccountId": account_id,
                    "POChargeAccount": account,
                }
                distributions.append(Row(DISTRIBUTIONS.name, distribution_id, attrs))
            location_id = self._ids.take("LineLocationId")
            attrs = {
                "LineLocationId": location_id,
                "ScheduleNumber": schedule_number,
                "Quantity": _QUANTITIES[part],
                "Amount": money(part * price),
                "RequestedDeliveryDate": _iso_day(day + self._between(7, 90)),
            }
            schedules.append(Row(SCHEDULES.name, location_id, attrs, tuple(distributions)))
        line_id = self._ids.take("POLineId")
        attrs = {
            "POLineId": line_id,
            "LineNumber": number,
            "Description": description,
            "Quantity": _QUANTITIES[quantity],
            "Price": money(price),
            "UOM": uom,
            "Amount": money(quantity * price),
        }
        return Row(LINES.name, line_id, attrs, tuple(schedules)), quantity * price
