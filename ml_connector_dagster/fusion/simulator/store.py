"""Every purchase order of the pod, indexed by change time; seeding, and edits as a user would make them."""

import gc
import random
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel

from ml_connector_dagster.fusion.simulator.index import ChangeIndex, index_key
from ml_connector_dagster.fusion.simulator.rows import Row, format_timestamp
from ml_connector_dagster.fusion.simulator.seeding import MALFORMATIONS, IdSequence, Seeder, money

_REVISION = re.compile(r" \(rev (\d+)\)$")
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


def _cents(amount: Decimal) -> int:
    return int(amount.scaleb(2))


class PurchaseOrderStore:
    """One lock for everything: the server thread reads while tests seed and touch."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.index = ChangeIndex()
        self._by_id: dict[int, Row] = {}
        self._ids = IdSequence()

    def count(self) -> int:
        with self.lock:
            return len(self._by_id)

    def header(self, po_header_id: int) -> Row | None:
        return self._by_id.get(po_header_id)

    def seed(
        self, count: int, start: datetime, end: datetime, malformed: int, seed: int, max_lines: int = 4
    ) -> SeedSummary:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        if count < 1 or not 0 <= malformed <= count or end - start < timedelta(milliseconds=1) or max_lines < 1:
            raise ValueError(
                "need count >= 1, 0 <= malformed <= count, max_lines >= 1 and end at least 1 ms after start"
            )
        rng = random.Random(f"{seed}|{start.isoformat()}|{end.isoformat()}|{count}|{malformed}|{max_lines}")
        bad = set(rng.sample(range(count), malformed))
        with self.lock, _collector_paused():
            seeder = Seeder(rng, self._ids, max_lines)
            moments = seeder.update_times(count, start, end)
            headers = [seeder.purchase_order(moment) for moment in moments]
            for cycle, index in enumerate(sorted(bad)):
                name, value = MALFORMATIONS[cycle % len(MALFORMATIONS)]
                if name == "CurrencyCode":
                    del headers[index].attrs[name]
                else:
                    headers[index].attrs[name] = value
            self._by_id.update((header.key, header) for header in headers)
            self.index.extend(headers)
            if len(self._by_id) >= _FREEZE_FROM:
                gc.freeze()
        return SeedSummary(created=count, malformed=malformed, first_update=min(moments), last_update=max(moments))

    def touch(self, po_header_id: int, at: datetime) -> datetime:
        """Moves LastUpdateDate and changes what a target would see: Description and line 1's quantity."""
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        stamp = format_timestamp(at)
        with self.lock:
            header = self._by_id[po_header_id]
            self.index.remove(index_key(header))
            description = str(header.attrs.get("Description") or "")
            match = _REVISION.search(description)
            revision = int(match.group(1)) + 1 if match else 1
            header.attrs["Description"] = f"{_REVISION.sub('', description)} (rev {revision})"
            line = min(header.children, key=lambda row: int(str(row.attrs["LineNumber"])))
            price = _cents(Decimal(str(line.attrs["Price"])))
            schedule = line.children[-1]
            # One more unit on the line, its last schedule and that schedule's last distribution keeps
            # every level's Quantity and Amount adding up.
            for row in (line, schedule, schedule.children[-1]):
                row.attrs["Quantity"] = Decimal(str(row.attrs["Quantity"])) + 1
                row.attrs["Amount"] = money(_cents(Decimal(str(row.attrs["Amount"]))) + price)
            if isinstance(header.attrs.get("Total"), Decimal):
                header.attrs["Total"] = money(sum(_cents(Decimal(str(row.attrs["Amount"]))) for row in header.children))
            header.attrs["LastUpdateDate"] = stamp
            self.index.insert(header)
        return datetime.fromisoformat(stamp)
