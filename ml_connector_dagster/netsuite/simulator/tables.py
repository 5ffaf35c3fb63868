"""One SuiteQL table's rows with two indexes: sorted by (change time, key), and hashed on look-up columns.

Rows live at fixed positions (a deleted row leaves None); the indexes hold positions, so replacing a row's
tuple only touches the index entries whose values changed.
"""

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from typing import Any

from ml_connector_dagster.netsuite.simulator.schema import TableSchema

Row = tuple[Any, ...]
# A row with a NULL change time sorts after every instant, as NULLS LAST does in an ascending order; no
# comparison on the change time ever matches it.
NO_INSTANT = 1 << 62
LOWEST = -(1 << 62)
IndexKey = tuple[int, int, int]  # (change time, key, position)
Bound = tuple[int, int]  # (change time, key): a lower bound is inclusive, an upper one exclusive


class Table:
    def __init__(self, schema: TableSchema) -> None:
        self.schema = schema
        self.rows: list[Row | None] = []
        self.order: list[IndexKey] = []
        self._changed = schema.position[schema.changed]
        self._key = None if schema.key is None else schema.position[schema.key]
        self.hashes: dict[int, dict[Any, list[int]]] = {schema.position[name]: {} for name in schema.indexed}
        self.live = 0

    def __len__(self) -> int:
        return self.live

    def index_key(self, row: Row, position: int) -> IndexKey:
        changed = row[self._changed]
        key = position if self._key is None else row[self._key]
        return (NO_INSTANT if changed is None else changed, key, position)

    def sort_key(self, row: Row) -> Bound:
        """The (change time, key) a row is ordered and bounded by."""
        changed = row[self._changed]
        return (NO_INSTANT if changed is None else changed, 0 if self._key is None else row[self._key])

    def extend(self, rows: Iterable[Row]) -> list[int]:
        """Appends rows; one sort of the index for all of them. Returns their positions."""
        added = list(rows)
        start = len(self.rows)
        self.rows.extend(added)
        positions = list(range(start, len(self.rows)))
        self.order.extend(self.index_key(row, position) for position, row in zip(positions, added, strict=True))
        self.order.sort()
        for column, hashed in self.hashes.items():
            for position, row in zip(positions, added, strict=True):
                hashed.setdefault(row[column], []).append(position)
        self.live += len(positions)
        return positions

    def at(self, position: int) -> Row:
        row = self.rows[position]
        if row is None:
            raise KeyError(f"{self.schema.name} has no row at {position}")
        return row

    def replace(self, position: int, row: Row) -> None:
        old = self.at(position)
        old_key, new_key = self.index_key(old, position), self.index_key(row, position)
        if old_key != new_key:
            del self.order[bisect_left(self.order, old_key)]
            insort(self.order, new_key)
        for column, hashed in self.hashes.items():
            if old[column] != row[column]:
                hashed[old[column]].remove(position)
                hashed.setdefault(row[column], []).append(position)
        self.rows[position] = row

    def delete(self, position: int) -> None:
        old = self.at(position)
        del self.order[bisect_left(self.order, self.index_key(old, position))]
        for column, hashed in self.hashes.items():
            hashed[old[column]].remove(position)
        self.rows[position] = None
        self.live -= 1

    def find(self, column: str, value: Any) -> list[int]:
        """Positions of the live rows whose hashed `column` equals `value`."""
        return list(self.hashes[self.schema.position[column]].get(value, ()))

    def span(self, lower: Bound, upper: Bound) -> tuple[int, int]:
        """Index positions of the rows whose (change time, key) is in [lower, upper)."""
        start = bisect_left(self.order, lower)
        return start, max(start, bisect_left(self.order, upper))

    def ordered(self, start: int = 0, end: int | None = None) -> Iterator[Row]:
        """Rows by (change time, key), between two index positions."""
        for _, _, position in self.order[start:end]:
            yield self.at(position)
