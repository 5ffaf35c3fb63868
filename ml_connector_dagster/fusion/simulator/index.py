"""Rows of a windowed resource kept sorted by (change time, key): the order windowed reads ask for."""

from bisect import bisect_left
from collections.abc import Iterable

from ml_connector_dagster.fusion.simulator.rows import Row
from ml_connector_dagster.fusion.simulator.values import instant_micros

# Rows without a valid change time sort after every real instant, as NULLS LAST puts them in an ascending
# order; no comparison on the change time ever matches them.
NO_INSTANT = 1 << 62
IndexKey = tuple[int, int]


class ChangeIndex:
    """Sorted keys with their rows side by side; positions come from bisecting the keys."""

    def __init__(self, changed: str) -> None:
        self.changed = changed
        self.keys: list[IndexKey] = []
        self.rows: list[Row] = []

    def __len__(self) -> int:
        return len(self.keys)

    def key(self, row: Row) -> IndexKey:
        instant = instant_micros(row.attrs.get(self.changed))
        return (NO_INSTANT if instant is None else instant, row.key)

    def extend(self, rows: Iterable[Row]) -> None:
        key = self.key
        pairs = sorted([*zip(self.keys, self.rows, strict=True), *((key(row), row) for row in rows)])
        self.keys = [key for key, _ in pairs]
        self.rows = [row for _, row in pairs]

    def remove(self, row: Row) -> None:
        position = bisect_left(self.keys, self.key(row))
        del self.keys[position], self.rows[position]

    def insert(self, row: Row) -> None:
        key = self.key(row)
        position = bisect_left(self.keys, key)
        self.keys.insert(position, key)
        self.rows.insert(position, row)

    def span(self, lower: int | None, upper: int | None) -> tuple[int, int]:
        """Positions of the rows whose instant is in [lower, upper) (None: unbounded, NO_INSTANT included)."""
        start = 0 if lower is None else bisect_left(self.keys, (lower, -1))
        end = len(self.keys) if upper is None else bisect_left(self.keys, (upper, -1))
        return start, max(start, end)
