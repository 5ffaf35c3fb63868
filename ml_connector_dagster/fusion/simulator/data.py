"""The simulated pod's purchase orders: their attribute schema, a deterministic seed generator, and touches."""

import hashlib
import hmac
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

AttrType = Literal["integer", "number", "string", "datetime", "date"]
Value = int | str | Decimal | None


@dataclass(frozen=True)
class ResourceSchema:
    name: str
    key: str
    attributes: dict[str, AttrType]
    children: tuple["ResourceSchema", ...] = ()

    def child(self, name: str) -> "ResourceSchema | None":
        return next((child for child in self.children if child.name == name), None)


DISTRIBUTIONS = ResourceSchema(
    "distributions",
    "PODistributionId",
    {
        "PODistributionId": "integer",
        "DistributionNumber": "integer",
        "Quantity": "number",
        "Amount": "number",
        "POChargeAccountId": "integer",
        "POChargeAccount": "string",
    },
)
SCHEDULES = ResourceSchema(
    "schedules",
    "LineLocationId",
    {
        "LineLocationId": "integer",
        "ScheduleNumber": "integer",
        "Quantity": "number",
        "Amount": "number",
        "RequestedDeliveryDate": "date",
    },
    (DISTRIBUTIONS,),
)
LINES = ResourceSchema(
    "lines",
    "POLineId",
    {
        "POLineId": "integer",
        "LineNumber": "integer",
        "ItemDescription": "string",
        "Quantity": "number",
        "UnitPrice": "number",
        "UOM": "string",
        "Amount": "number",
    },
    (SCHEDULES,),
)
PURCHASE_ORDERS = ResourceSchema(
    "purchaseOrders",
    "POHeaderId",
    {
        "POHeaderId": "integer",
        "OrderNumber": "string",
        "Description": "string",
        "Supplier": "string",
        "SupplierId": "integer",
        "SupplierSite": "string",
        "ProcurementBU": "string",
        "BillToBU": "string",
        "Buyer": "string",
        "CurrencyCode": "string",
        "Status": "string",
        "Total": "number",
        "CreationDate": "datetime",
        "LastUpdateDate": "datetime",
    },
    (LINES,),
)


@dataclass
class Row:
    """One item: attribute values as the JSON carries them, its opaque key, and its child collections."""

    uniq_id: str
    attrs: dict[str, Value]
    children: dict[str, list["Row"]] = field(default_factory=dict)


class SeedSummary(BaseModel):
    created: int
    malformed: int
    first_update: datetime
    last_update: datetime


# Keyed so the UniqIDs look like Oracle's serialized keys yet cannot be built from POHeaderId: clients must
# take them from `self` links or the PrimaryKey finder, as on a real pod.
_KEY_SECRET = b"fusion-simulator-uniqid"
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
_MALFORMATIONS: tuple[tuple[str, Value], ...] = (
    ("CurrencyCode", None),  # removed outright below: a required field that is absent, not null
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
_REVISION = re.compile(r" \(rev (\d+)\)$")


def uniq_id(resource: str, key: int) -> str:
    digest = hmac.new(_KEY_SECRET, f"{resource}:{key}".encode(), hashlib.sha256).hexdigest().upper()
    return "00020000000EACED0005770800" + digest[:40]


def format_timestamp(moment: datetime, millis: bool = True) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds" if millis else "seconds")


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))


def _split(rng: random.Random, quantity: int, parts: int) -> list[int]:
    if quantity < parts:
        return [quantity]
    cuts = sorted(rng.sample(range(1, quantity), parts - 1))
    return [high - low for low, high in zip([0, *cuts], [*cuts, quantity], strict=True)]


class PurchaseOrderStore:
    """Every purchase order of the pod. One lock, because the app thread reads while tests seed and touch."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.root = Row("", {}, {PURCHASE_ORDERS.name: []})
        self._by_id: dict[int, Row] = {}
        self._next = dict(_FIRST_IDS)

    @property
    def headers(self) -> list[Row]:
        return self.root.children[PURCHASE_ORDERS.name]

    def count(self) -> int:
        with self.lock:
            return len(self.headers)

    def seed(self, count: int, start: datetime, end: datetime, malformed: int, seed: int) -> SeedSummary:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        if count < 1 or not 0 <= malformed <= count or end - start < timedelta(milliseconds=1):
            raise ValueError("need count >= 1, 0 <= malformed <= count and end at least 1 ms after start")
        rng = random.Random(f"{seed}|{start.isoformat()}|{end.isoformat()}|{count}|{malformed}")
        bad = sorted(rng.sample(range(count), malformed))
        with self.lock:
            stamps = [self._add(rng, stamp) for stamp in _update_times(rng, count, start, end)]
            for cycle, index in enumerate(bad):
                name, value = _MALFORMATIONS[cycle % len(_MALFORMATIONS)]
                attrs = self.headers[len(self.headers) - count + index].attrs
                if name == "CurrencyCode":
                    del attrs[name]
                else:
                    attrs[name] = value
        return SeedSummary(created=count, malformed=malformed, first_update=min(stamps), last_update=max(stamps))

    def touch(self, po_header_id: int, at: datetime) -> datetime:
        """Moves LastUpdateDate and changes what a target would see: Description and line 1's quantity."""
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        stamp = format_timestamp(at)
        with self.lock:
            header = self._by_id[po_header_id]
            description = str(header.attrs.get("Description") or "")
            match = _REVISION.search(description)
            revision = int(match.group(1)) + 1 if match else 1
            header.attrs["Description"] = f"{_REVISION.sub('', description)} (rev {revision})"
            line = min(header.children[LINES.name], key=lambda row: int(str(row.attrs["LineNumber"])))
            price = Decimal(str(line.attrs["UnitPrice"]))
            schedule = line.children[SCHEDULES.name][-1]
            # One more unit on the line, its last schedule and that schedule's last distribution keeps
            # every level's Quantity and Amount adding up.
            for row in (line, schedule, schedule.children[DISTRIBUTIONS.name][-1]):
                row.attrs["Quantity"] = Decimal(str(row.attrs["Quantity"])) + 1
                row.attrs["Amount"] = _money(Decimal(str(row.attrs["Amount"])) + price)
            if isinstance(header.attrs.get("Total"), Decimal):
                header.attrs["Total"] = sum(
                    (Decimal(str(row.attrs["Amount"])) for row in header.children[LINES.name]), Decimal("0.00")
                )
            header.attrs["LastUpdateDate"] = stamp
        return datetime.fromisoformat(stamp)

    def _take(self, name: str, step: int = 1) -> int:
        value = self._next[name]
        self._next[name] = value + step
        return value

    def _add(self, rng: random.Random, stamp: str) -> datetime:
        updated = datetime.fromisoformat(stamp)
        bu, currency, prefix, company = rng.choice(_BUSINESS_UNITS)
        supplier, supplier_id, site = rng.choice(_SUPPLIERS)
        # Real ids are sparse: clients must not assume consecutive POHeaderIds.
        po_id = self._take("POHeaderId", rng.randint(1, 9))
        lines = [self._line(rng, number, company, updated) for number in range(1, rng.randint(1, 4) + 1)]
        created = updated - timedelta(minutes=rng.randint(1, 30 * 24 * 60), milliseconds=rng.randint(0, 999))
        attrs: dict[str, Value] = {
            "POHeaderId": po_id,
            "OrderNumber": f"{prefix}{self._take('OrderNumber')}",
            "Description": f"{rng.choice(_PURPOSES)} - {lines[0].attrs['ItemDescription']}",
            "Supplier": supplier,
            "SupplierId": supplier_id,
            "SupplierSite": site,
            "ProcurementBU": bu,
            "BillToBU": bu,
            "Buyer": rng.choice(_BUYERS),
            "CurrencyCode": currency,
            "Status": rng.choice(_STATUSES),
            "Total": sum((Decimal(str(line.attrs["Amount"])) for line in lines), Decimal("0.00")),
            "CreationDate": format_timestamp(created, millis=rng.random() < 0.5),
            "LastUpdateDate": stamp,
        }
        header = Row(uniq_id(PURCHASE_ORDERS.name, po_id), attrs, {LINES.name: lines})
        self.headers.append(header)
        self._by_id[po_id] = header
        return updated

    def _line(self, rng: random.Random, number: int, company: str, updated: datetime) -> Row:
        description, uom, low, high = rng.choice(_ITEMS)
        price = Decimal(rng.randint(low, high)) / 100
        quantity = rng.randint(1, 120)
        schedules = []
        for schedule_number, part in enumerate(_split(rng, quantity, rng.randint(1, 2)), start=1):
            distributions = []
            for distribution_number, share in enumerate(_split(rng, part, rng.randint(1, 2)), start=1):
                account = f"{company}.{rng.choice(_COST_CENTERS)}.{rng.choice(_ACCOUNTS)}.120.000.000"
                account_id = 300100001000000 + int(hashlib.sha256(account.encode()).hexdigest()[:8], 16) % 10**8
                distribution_id = self._take("PODistributionId")
                distributions.append(
                    Row(
                        uniq_id(DISTRIBUTIONS.name, distribution_id),
                        {
                            "PODistributionId": distribution_id,
                            "DistributionNumber": distribution_number,
                            "Quantity": Decimal(share),
                            "Amount": _money(share * price),
                            "POChargeAccountId": account_id,
                            "POChargeAccount": account,
                        },
                    )
                )
            location_id = self._take("LineLocationId")
            due = (updated + timedelta(days=rng.randint(7, 90))).date().isoformat()
            schedules.append(
                Row(
                    uniq_id(SCHEDULES.name, location_id),
                    {
                        "LineLocationId": location_id,
                        "ScheduleNumber": schedule_number,
                        "Quantity": Decimal(part),
                        "Amount": _money(part * price),
                        "RequestedDeliveryDate": due,
                    },
                    {DISTRIBUTIONS.name: distributions},
                )
            )
        line_id = self._take("POLineId")
        return Row(
            uniq_id(LINES.name, line_id),
            {
                "POLineId": line_id,
                "LineNumber": number,
                "ItemDescription": description,
                "Quantity": Decimal(quantity),
                "UnitPrice": price,
                "UOM": uom,
                "Amount": _money(quantity * price),
            },
            {SCHEDULES.name: schedules},
        )


def _update_times(rng: random.Random, count: int, start: datetime, end: datetime) -> list[str]:
    """`count` LastUpdateDates in [start, end), one per equal slot, some sharing a stamp with the one before.

    Shared stamps are deliberate: they are what breaks a client that pages by LastUpdateDate alone.
    """
    base = start + timedelta(microseconds=-start.microsecond % 1000)
    span_ms = (end - base) // timedelta(milliseconds=1)
    stamps: list[str] = []
    for slot in range(count):
        if stamps and rng.random() < 0.05:
            stamps.append(stamps[-1])
            continue
        low = slot * span_ms // count
        moment = base + timedelta(milliseconds=rng.randrange(low, max((slot + 1) * span_ms // count, low + 1)))
        whole_second = moment + timedelta(microseconds=-moment.microsecond % 1_000_000)
        # About half come back without milliseconds, as Fusion sends both forms.
        if rng.random() < 0.5 and whole_second < end:
            stamps.append(format_timestamp(whole_second, millis=False))
        else:
            stamps.append(format_timestamp(moment))
    return stamps
