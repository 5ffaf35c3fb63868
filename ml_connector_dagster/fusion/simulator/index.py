"""Purchase order headers kept sorted by (LastUpdateDate, POHeaderId): the order windowed reads ask for."""

from bisect import bisect_left
from collections.abc import Iterable

from ml_connector_dagster.fusion.simulator.rows import Row
from ml_connector_dagster.fusion.simulator.values import instant_micros

# Headers without a valid LastUpdateDate sort after every real instant, as NULLS LAST puts them in an
# ascending order; no LastUpdateDate comparison ever matches them.
NO_INSTANT = 1 << 62
IndexKey = tuple[int, int]


def index_key(row: Row) -> IndexKey:
    instant = instant_micros(row.attrs.get("LastUpdateDate"))
    return (NO_INSTANT if instant is None else instant, row.key)


class ChangeIndex:
    """Sorted keys with their rows side by side; positions come from bisecting the keys."""

    def __init__(self) -> None:
        self.keys: list[IndexKey] = []
        self.rows: list[Row] = []

    def __len__(self) -> int:
        return len(self.keys)

    def extend(self, rows: Iterable[Row]) -> None:
        pairs = sorted([*zip(self.keys, self.rows, strict=True), *((index_key(row), row) for row in rows)])
        self.keys = [key for key, _ in pairs]
        self.rows = [row for _, row in pairs]

    def remove(self, key: IndexKey) -> None:
        position = bisect_left(self.keys, key)
        del self.keys[position], self.rows[position]

    def insert(self, row: Row) -> None:
        key = index_key(row)
        position = bisect_left(self.keys, key)
        self.keys.insert(position, key)
        self.rows.insert(position, row)

    def span(self, lower: int | None, upper: int | None) -> tuple[int, int]:
        """Positions of the headers whose instant is in [lower, upper) (None: unbounded, NO_INSTANT included)."""
        start = 0 if lower is None else bisect_left(self.keys, (lower, -1))
        end = len(self.keys) if upper is None else bisect_left(self.keys, (upper, -1))
        return start, max(start, end)
