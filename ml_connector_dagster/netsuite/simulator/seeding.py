"""Deterministic seed data: reference records (chart of accounts, departments, classes, locations,
subsidiaries), vendors, and purchase orders and vendor bills with their lines and accounting lines.

Change times are drawn at random over [start, end) to the second, so ids do not follow change order and
records share seconds, as they do on a busy account.
"""

import random
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from ml_connector_dagster.netsuite.simulator.formats import AccountZone, epoch_seconds
from ml_connector_dagster.netsuite.simulator.store import AccountStore
from ml_connector_dagster.netsuite.simulator.tables import Row

TransactionKind = Literal["purchaseorder", "vendorbill"]
# (id, name, parent, currency, country)
SUBSIDIARIES = (
    (1, "Honeycomb Holdings", None, 1, "US"),
    (2, "Honeycomb Inc.", 1, 1, "US"),
    (3, "Honeycomb Ltd.", 1, 2, "GB"),
)
# (id, number, name, type)
ACCOUNTS = (
    (1, "1000", "Operating Cash", "Bank"),
    (2, "2000", "Accounts Payable", "AcctPay"),
    (3, "5000", "Cost of Goods Sold", "COGS"),
    (4, "6100", "Office Supplies", "Expense"),
    (5, "6200", "Travel", "Expense"),
    (6, "6300", "Software Subscriptions", "Expense"),
    (7, "6400", "Professional Services", "Expense"),
    (8, "6500", "Facilities", "Expense"),
    (9, "1400", "Inventory Asset", "OthCurrAsset"),
    (10, "6900", "Miscellaneous Expense", "Expense"),
)
PAYABLES_ACCOUNT = 2
# The accounts lines are charged to unless told otherwise: the active expense accounts.
EXPENSE_ACCOUNTS = (3, 4, 5, 6, 7, 8)
# Retired, yet old bills still charge it: what the connector must hold back until a mapping places it.
RETIRED_ACCOUNT = 10
INACTIVE_ACCOUNTS = frozenset({RETIRED_ACCOUNT})
DEPARTMENTS = ((1, "Administration"), (2, "Sales"), (3, "Engineering"), (4, "Operations"), (5, "Finance"))
CLASSES = ((1, "Consumer"), (2, "Enterprise"), (3, "Public Sector"), (4, "Internal"))
LOCATIONS = ((1, "Seattle HQ"), (2, "Austin Warehouse"), (3, "London Office"))
ITEMS = tuple(range(501, 511))
_NAME_WORDS = (
    ("Alder", "Birch", "Cedar", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper"),
    ("Supply", "Logistics", "Analytics", "Fabrication", "Office", "Software", "Consulting", "Freight"),
    ("Inc.", "LLC", "Ltd.", "Corp.", "Co."),
)
_CENT = Decimal("0.01")


class ReferenceSummary(BaseModel):
    accounts: int
    departments: int
    classifications: int
    locations: int
    subsidiaries: int


class VendorSeedSummary(BaseModel):
    count: int
    first_id: int
    last_id: int


class TransactionSeedSummary(BaseModel):
    count: int
    first_id: int
    last_id: int
    lines: int
    accounting_lines: int


def seed_reference(store: AccountStore, at: datetime) -> ReferenceSummary:
    """The reference records, once (later calls change nothing), all changed at `at`."""
    instant = epoch_seconds(at)
    with store.lock:
        tables = store.tables
        if not len(tables["account"]):
            tables["subsidiary"].extend(
                (
                    id_,
                    name,
                    name if parent is None else f"Honeycomb Holdings : {name}",
                    parent,
                    "F",
                    currency,
                    country,
                    instant,
                )
                for id_, name, parent, currency, country in SUBSIDIARIES
            )
            tables["account"].extend(
                (id_, number, name, f"{number} {name}", kind, "T" if id_ in INACTIVE_ACCOUNTS else "F", instant)
                for id_, number, name, kind in ACCOUNTS
            )
            for table, named in (("department", DEPARTMENTS), ("classification", CLASSES), ("location", LOCATIONS)):
                tables[table].extend((id_, name, name, None, "F", 2, instant) for id_, name in named)
        return ReferenceSummary(
            accounts=len(tables["account"]),
            departments=len(tables["department"]),
            classifications=len(tables["classification"]),
            locations=len(tables["location"]),
            subsidiaries=len(tables["subsidiary"]),
        )


def seed_vendors(store: AccountStore, count: int, start: datetime, end: datetime, seed: int) -> VendorSeedSummary:
    rng = random.Random(f"vendor:{seed}")
    low, span = _range(start, end)
    with store.lock:
        ids = store.take_ids("vendor", count)
        rows = []
        for id_ in ids:
            words = [rng.choice(choices) for choices in _NAME_WORDS]
            name = " ".join(words)
            email = f"ap@{words[0].lower()}-{words[1].lower()}-{id_}.example"
            rows.append((id_, f"V{id_:05d}", name, email, "F", 2, low + rng.randrange(span)))
        store.tables["vendor"].extend(rows)
    return VendorSeedSummary(count=count, first_id=ids[0], last_id=ids[-1])


def seed_transactions(
    store: AccountStore,
    zone: AccountZone,
    kind: TransactionKind,
    count: int,
    start: datetime,
    end: datetime,
    lines: int,
    accounts: Sequence[int] | None,
    seed: int,
    accounting_changed: bool = True,
) -> TransactionSeedSummary:
    """`count` purchase orders or vendor bills of the seeded vendors, each with a mainline and `lines` lines
    (none at all when `lines` is 0: the compact form for 100,000+ rows), charged to `accounts` (default: the
    active expense accounts). Bill lines are expense lines with their accounting lines against Accounts Payable, whose
    lastmodifieddate is NULL unless `accounting_changed` (accounts from before 2023.1)."""
    if count < 1 or lines < 0:
        raise ValueError("count must be at least 1 and lines at least 0")
    # The kind is part of the seed, so orders and bills seeded alike do not share their change times.
    rng = random.Random(f"{kind}:{seed}")
    low, span = _range(start, end)
    expense_accounts = tuple(accounts or EXPENSE_ACCOUNTS)
    bill = kind == "vendorbill"
    type_code, status, prefix = ("VendBill", "A", "INV-") if bill else ("PurchOrd", "B", "PO")
    with store.lock:
        vendors = [row[0] for row in store.tables["vendor"].rows if row is not None]
        if not vendors:
            raise ValueError("seed vendors before transactions")
        ids = store.take_ids("transaction", count)
        keys = iter(store.take_ids("uniquekey", count * (lines + 1) if lines else 0))
        headers: list[Row] = []
        line_rows: list[Row] = []
        accounting: list[Row] = []
        for id_ in ids:
            changed = low + rng.randrange(span)
            accounting_stamp = changed if accounting_changed else None
            amounts: list[Row] = []
            for number in range(1, lines + 1):
                department, klass, location = (
                    rng.choice(DEPARTMENTS)[0],
                    rng.choice(CLASSES)[0],
                    rng.choice(LOCATIONS)[0],
                )
                if bill:
                    amount = (Decimal(rng.randrange(1_000, 500_000)) / 100).quantize(_CENT)
                    account = rng.choice(expense_accounts)
                    line = (
                        id_,
                        number,
                        next(keys),
                        number,
                        "F",
                        None,
                        None,
                        None,
                        amount,
                        department,
                        klass,
                        location,
                        2,
                        account,
                        changed,
                    )
                    accounting.append((id_, number, account, amount, None, amount, "T", accounting_stamp))
                else:
                    quantity, rate = Decimal(rng.randint(1, 20)), Decimal(rng.randrange(500, 50_000)) / 100
                    amount = (quantity * rate).quantize(_CENT)
                    item, account = rng.choice(ITEMS), rng.choice(expense_accounts)
                    line = (
                        id_,
                        number,
                        next(keys),
                        number,
                        "F",
                        item,
                        quantity,
                        rate,
                        amount,
                        department,
                        klass,
                        location,
                        2,
                        account,
                        changed,
                    )
                amounts.append(line)
            total = sum((line[8] for line in amounts), Decimal(0))
            vendor = vendors[rng.randrange(len(vendors))]
            trandate = zone.today_of(changed) - rng.randrange(3)
            headers.append((id_, f"{prefix}{id_}", type_code, kind, vendor, trandate, status, 1, total, "F", changed))
            if lines:
                mainline = (id_, 0, next(keys), 0, "T", None, None, None, total, None, None, None, 2, None, changed)
                line_rows.append(mainline)
                line_rows.extend(amounts)
                if bill:
                    accounting.append((id_, 0, PAYABLES_ACCOUNT, None, total, -total, "T", accounting_stamp))
        store.tables["transaction"].extend(headers)
        store.tables["transactionline"].extend(line_rows)
        store.tables["transactionaccountingline"].extend(accounting)
    return TransactionSeedSummary(
        count=count, first_id=ids[0], last_id=ids[-1], lines=len(line_rows), accounting_lines=len(accounting)
    )


def _range(start: datetime, end: datetime) -> tuple[int, int]:
    low, high = epoch_seconds(start), epoch_seconds(end)
    if high <= low:
        raise ValueError("end must be after start")
    return low, high - low
