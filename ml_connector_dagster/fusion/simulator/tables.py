"""The rows of one top-level resource: by key, by its alternate key if it has one, and in the order reads
walk: change order (the change index) when the resource is windowed, key order when it is read whole."""

from bisect import insort
from collections.abc import Iterable, Sequence

from ml_connector_dagster.fusion.simulator.index import ChangeIndex
from ml_connector_dagster.fusion.simulator.rows import Row, Value, key_of_path
from ml_connector_dagster.fusion.simulator.schema import ResourceSchema

Order = list[tuple[str, bool]]


class Table:
    def __init__(self, schema: ResourceSchema) -> None:
        self.schema = schema
        self.index = None if schema.changed is None else ChangeIndex(schema.changed)
        # The order the change index keeps: an orderBy that is this, or a prefix of it, is served by walking it.
        self.index_order: Order = [] if schema.changed is None else [(schema.changed, False), (schema.key, False)]
        self._by_key: dict[int, Row] = {}
        self._in_key_order: list[Row] = []
        self._by_alternate: dict[Value, Row] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def get(self, key: int) -> Row | None:
        return self._by_key.get(key)

    def find(self, segment: str) -> Row | None:
        """The row a path segment names: by its key, or by its alternate key (valueSets/{ValueSetCode})."""
        key = key_of_path(self.schema, segment)
        row = None if key is None else self._by_key.get(key)
        if row is None and self.schema.alternate_key is not None:
            row = self._by_alternate.get(segment)
        return row

    def rows(self) -> Sequence[Row]:
        return self._in_key_order if self.index is None else self.index.rows

    def add(self, rows: Iterable[Row]) -> None:
        added = list(rows)
        self._by_key.update((row.key, row) for row in added)
        if self.schema.alternate_key is not None:
            self._by_alternate.update((row.attrs.get(self.schema.alternate_key), row) for row in added)
        if self.index is not None:
            self.index.extend(added)
        else:
            for row in added:
                insort(self._in_key_order, row, key=lambda each: each.key)

    def restamp(self, row: Row, stamp: str) -> None:
        """Moves a row to a new change time, keeping the change index in order."""
        if self.index is None or self.schema.changed is None:
            raise ValueError(f"{self.schema.name} has no change time")
        self.index.remove(row)
        row.attrs[self.schema.changed] = stamp
        self.index.insert(row)

    def replace(self, old: Row, new: Row) -> None:
        """Puts `new` where `old` was (same key): an item rewritten whole, children and all."""
        if self.index is not None:
            self.index.remove(old)
            self.index.insert(new)
        else:
            self._in_key_order[self._in_key_order.index(old)] = new
        self._by_key[new.key] = new
        if self.schema.alternate_key is not None:
            self._by_alternate.pop(old.attrs.get(self.schema.alternate_key), None)
            self._by_alternate[new.attrs.get(self.schema.alternate_key)] = new
