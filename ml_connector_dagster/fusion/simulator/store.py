"""Every record of the pod, a table per top-level resource: reference data from construction, seeding, and
edits as a user would make them."""

import gc
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel

from ml_connector_dagster.fusion.simulator.edits import EDITS
from ml_connector_dagster.fusion.simulator.invoice_seeding import (
    INVOICE_MALFORMATIONS,
    InvoiceSeeder,
    charge_unmapped,
    orders_by_supplier,
)
from ml_connector_dagster.fusion.simulator.reference import account_combinations, base_suppliers, value_sets
from ml_connector_dagster.fusion.simulator.rows import Row, Value, format_timestamp
from ml_connector_dagster.fusion.simulator.schema import (
    ACCOUNT_COMBINATIONS,
    INVOICES,
    PURCHASE_ORDERS,
    SUPPLIERS,
    TOP_LEVEL,
    VALUE_SETS,
)
from ml_connector_dagster.fusion.simulator.seeding import MALFORMATIONS, IdSequence, Seeder, malform
from ml_connector_dagster.fusion.simulator.supplier_seeding import SUPPLIER_MALFORMATIONS, SupplierSeeder
from ml_connector_dagster.fusion.simulator.tables import Table

# A pod this large holds millions of objects the cycle collector would scan on every full collection (about a
# second each, in the middle of serving a page). The rows hold no reference cycles, so from this size on they
# are moved out of its sight with gc.freeze(); reference counting still frees them with the simulator.
_FREEZE_FROM = 10_000


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cycle collection while a seed allocates: it would rescan the growing seed again and again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class SeedSummary(BaseModel):
    created: int
    malformed: int
    first_update: datetime
    last_update: datetime


class SupplierSeedSummary(SeedSummary):
    # The base suppliers stamped into the window on the first supplier seed.
    restamped: int


class InvoiceSeedSummary(SeedSummary):
    unmapped: int
    canceled: int


def _check_window(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    if end - start < timedelta(milliseconds=1):
        raise ValueError("end must be at least 1 ms after start")


class PodStore:
    """One lock for everything: the server thread reads while tests seed and touch."""

    def __init__(self, cost_center_value_set: str) -> None:
        self.lock = threading.RLock()
        self.tables = {name: Table(schema) for name, schema in TOP_LEVEL.items()}
        self._ids = IdSequence()
        self._cost_center_value_set = cost_center_value_set
        self._base_suppliers = base_suppliers()
        self._base_restamped = False
        self.tables[SUPPLIERS.name].add(self._base_suppliers)
        self.tables[ACCOUNT_COMBINATIONS.name].add(account_combinations())
        self.tables[VALUE_SETS.name].add(value_sets(cost_center_value_set))
        # What receipts have taken from each purchase order schedule (by LineLocationId): a quantity, or an
        # amount on fixed-price service lines.
        self.received: dict[int, Decimal] = {}
        # Invoices created through the REST API (not seeded), in the order they were created.
        self.written_invoices: list[int] = []
        # Acknowledgment PATCHes that changed nothing: a client resending what is already there.
        self.unchanged_acknowledgments = 0
        self._orders_by_number: dict[Value, Row] = {}
        self._orders_numbered = 0

    def take_id(self, name: str) -> int:
        return self._ids.take(name)

    def order_by_number(self, number: str) -> Row | None:
        """The purchase order with this OrderNumber (orders are only ever added, so the map only grows)."""
        orders = self.tables[PURCHASE_ORDERS.name]
        if self._orders_numbered < len(orders):
            self._orders_by_number = {row.attrs.get("OrderNumber"): row for row in orders.rows()}
            self._orders_numbered = len(orders)
        return self._orders_by_number.get(number)

    def count(self, resource: str) -> int:
        with self.lock:
            return len(self.tables[resource])

    def seed_purchase_orders(
        self, count: int, start: datetime, end: datetime, malformed: int, seed: int, max_lines: int = 4
    ) -> SeedSummary:
        _check_window(start, end)
        if count < 1 or not 0 <= malformed <= count or max_lines < 1:
            raise ValueError("need count >= 1, 0 <= malformed <= count and max_lines >= 1")
        rng = random.Random(f"{seed}|{start.isoformat()}|{end.isoformat()}|{count}|{malformed}|{max_lines}")
        bad = rng.sample(range(count), malformed)
        with self.lock, _collector_paused():
            seeder = Seeder(rng, self._ids, max_lines)
            moments = seeder.update_times(count, start, end)
            headers = [seeder.purchase_order(moment) for moment in moments]
            malform(headers, bad, MALFORMATIONS)
            self._add(PURCHASE_ORDERS.name, headers)
        return SeedSummary(created=count, malformed=malformed, first_update=min(moments), last_update=max(moments))

    def seed_suppliers(
        self, count: int, start: datetime, end: datetime, malformed: int, seed: int
    ) -> SupplierSeedSummary:
        _check_window(start, end)
        if count < 0 or not 0 <= malformed <= count:
            raise ValueError("need count >= 0 and 0 <= malformed <= count")
        rng = random.Random(f"suppliers|{seed}|{start.isoformat()}|{end.isoformat()}|{count}|{malformed}")
        with self.lock:
            restamp = [] if self._base_restamped else self._base_suppliers
            if count + len(restamp) == 0:
                raise ValueError("nothing to seed: count is 0 and the base suppliers are already stamped")
            table = self.tables[SUPPLIERS.name]
            names = {str(row.attrs.get("Supplier")) for row in table.rows()}
            seeder = SupplierSeeder(rng, self._ids, names)
            moments = seeder.update_times(count + len(restamp), start, end)
            # The base suppliers take instants spread over the window, the new ones the rest, in order.
            base_slots = set(rng.sample(range(len(moments)), len(restamp)))
            base_moments = [moment for slot, moment in enumerate(moments) if slot in base_slots]
            suppliers = [seeder.supplier(moment) for slot, moment in enumerate(moments) if slot not in base_slots]
            malform(suppliers, rng.sample(range(count), malformed), SUPPLIER_MALFORMATIONS)
            for row, moment in zip(restamp, base_moments, strict=True):
                table.restamp(row, format_timestamp(moment, millis=moment.microsecond != 0))
            self._base_restamped = True
            self._add(SUPPLIERS.name, suppliers)
        return SupplierSeedSummary(
            created=count,
            malformed=malformed,
            restamped=len(restamp),
            first_update=min(moments),
            last_update=max(moments),
        )

    def seed_invoices(
        self,
        count: int,
        start: datetime,
        end: datetime,
        malformed: int,
        unmapped: int,
        canceled: int,
        seed: int,
        max_lines: int = 4,
    ) -> InvoiceSeedSummary:
        _check_window(start, end)
        special = malformed + unmapped + canceled
        if count < 1 or min(malformed, unmapped, canceled) < 0 or special > count or max_lines < 1:
            raise ValueError("need count >= 1, max_lines >= 1 and malformed + unmapped + canceled <= count, each >= 0")
        rng = random.Random(
            f"invoices|{seed}|{start.isoformat()}|{end.isoformat()}|{count}|{malformed}|{unmapped}|{canceled}"
            f"|{max_lines}"
        )
        # Disjoint: each special invoice is wrong in one way only, so a test can tell which path took it.
        chosen = rng.sample(range(count), special)
        bad, strays, voided = (
            chosen[:malformed],
            chosen[malformed : malformed + unmapped],
            set(chosen[malformed + unmapped :]),
        )
        with self.lock, _collector_paused():
            orders = orders_by_supplier(self.tables[PURCHASE_ORDERS.name].rows())
            seeder = InvoiceSeeder(rng, self._ids, max_lines, orders)
            moments = seeder.update_times(count, start, end)
            invoices = [seeder.invoice(moment, position in voided) for position, moment in enumerate(moments)]
            for position in strays:
                charge_unmapped(invoices[position], rng)
            malform(invoices, bad, INVOICE_MALFORMATIONS)
            self._add(INVOICES.name, invoices)
        return InvoiceSeedSummary(
            created=count,
            malformed=malformed,
            unmapped=unmapped,
            canceled=canceled,
            first_update=min(moments),
            last_update=max(moments),
        )

    def _add(self, resource: str, rows: list[Row]) -> None:
        self.tables[resource].add(rows)
        if sum(len(table) for table in self.tables.values()) >= _FREEZE_FROM:
            gc.freeze()

    def touch(self, resource: str, key: int, at: datetime, edit: Callable[[Row], None] | None = None) -> datetime:
        """Edits a record as a user would (see edits.py, or `edit`) and moves its LastUpdateDate to `at`."""
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        stamp = format_timestamp(at)
        with self.lock:
            table = self.tables[resource]
            row = table.get(key)
            if row is None:
                raise KeyError(key)
            (edit or EDITS[resource])(row)
            table.restamp(row, stamp)
        return datetime.fromisoformat(stamp)

    def set_account_enabled(self, code_combination_id: int, enabled: bool) -> None:
        with self.lock:
            row = self.tables[ACCOUNT_COMBINATIONS.name].get(code_combination_id)
            if row is None:
                raise KeyError(code_combination_id)
            row.attrs["EnabledFlag"] = enabled

    def set_cost_center_enabled(self, value: str, enabled: bool) -> None:
        with self.lock:
            value_set = self.tables[VALUE_SETS.name].find(self._cost_center_value_set)
            row = (
                None
                if value_set is None
                else next((r for r in value_set.children[0] if r.attrs["Value"] == value), None)
            )
            if row is None:
                raise KeyError(value)
            row.attrs["EnabledFlag"] = enabled
