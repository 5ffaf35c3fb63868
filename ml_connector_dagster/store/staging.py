"""Staging: what was pulled from a source, deduplicated by (key, version), read back window by window."""

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Engine, func, select, tuple_

from ml_connector_dagster.store.database import upsert_insert
from ml_connector_dagster.store.models import StagedRecord
from ml_connector_dagster.store.tables import staged_records

_KEY = ("source_system", "entity", "version", "source_key")
# Keeps IN lists well inside every driver's bound-parameter limit.
_CHUNK = 500


class Staging:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def stage(self, records: Sequence[StagedRecord], replace_changed: bool = False) -> int:
        """Insert the records not staged before; returns how many were new (or replaced).

        Re-pulling an overlapping window hands the same (key, version) again; it is ignored, so
        re-running a window is always safe. `replace_changed` is for snapshots, whose version is the window's
        end rather than a change time at the source: a re-read of the same window with a different payload
        replaces the staged one instead of being dropped.
        """
        if not records:
            return 0
        with self._engine.begin() as connection:
            insert = upsert_insert(connection, staged_records)
            if replace_changed:
                conflict = insert.on_conflict_do_update(
                    index_elements=list(_KEY),
                    set_={
                        name: insert.excluded[name]
                        for name in ("natural_key", "payload_hash", "payload", "pulled_run_id")
                    },
                    where=staged_records.c.payload_hash != insert.excluded.payload_hash,
                )
            else:
                conflict = insert.on_conflict_do_nothing(index_elements=list(_KEY))
            # Only rows actually written come back, which is the honest count: executemany rowcounts are not
            # reliable across drivers.
            statement = conflict.returning(staged_records.c.source_key)
            inserted = connection.execute(statement, [record.model_dump() for record in records])
            return len(inserted.all())

    def get_many(
        self, source_system: str, entity: str, keys: Sequence[tuple[str, datetime]]
    ) -> dict[tuple[str, datetime], StagedRecord]:
        """Staged records by (source key, version); pairs never staged are absent."""
        pairs = list(dict.fromkeys(keys))
        table = staged_records
        found: dict[tuple[str, datetime], StagedRecord] = {}
        with self._engine.connect() as connection:
            for start in range(0, len(pairs), _CHUNK):
                statement = select(table).where(
                    table.c.source_system == source_system,
                    table.c.entity == entity,
                    tuple_(table.c.source_key, table.c.version).in_(pairs[start : start + _CHUNK]),
                )
                for row in connection.execute(statement):
                    record = StagedRecord.model_validate(row, from_attributes=True)
                    found[(record.source_key, record.version)] = record
        return found

    def latest(self, source_system: str, entity: str, source_keys: Sequence[str]) -> dict[str, StagedRecord]:
        """The newest staged version of each key; keys never staged are absent."""
        keys = list(dict.fromkeys(source_keys))
        table = staged_records
        found: dict[str, StagedRecord] = {}
        with self._engine.connect() as connection:
            for start in range(0, len(keys), _CHUNK):
                scope = (
                    table.c.source_system == source_system,
                    table.c.entity == entity,
                    table.c.source_key.in_(keys[start : start + _CHUNK]),
                )
                newest = (
                    select(table.c.source_key, func.max(table.c.version).label("version"))
                    .where(*scope)
                    .group_by(table.c.source_key)
                    .subquery()
                )
                statement = select(table).where(
                    *scope,
                    tuple_(table.c.source_key, table.c.version).in_(select(newest.c.source_key, newest.c.version)),
                )
                for row in connection.execute(statement):
                    record = StagedRecord.model_validate(row, from_attributes=True)
                    found[record.source_key] = record
        return found

    def iter_between(
        self, source_system: str, entity: str, lo: datetime, hi: datetime, batch_size: int = 500
    ) -> Iterator[list[StagedRecord]]:
        """Records with lo <= version < hi in (version, source_key) order, one batch at a time.

        Each batch is its own keyset query, so memory and transaction length stay bounded
        however large the window is.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        table = staged_records
        base = (
            select(table)
            .where(
                table.c.source_system == source_system,
                table.c.entity == entity,
                table.c.version >= lo,
                table.c.version < hi,
            )
            .order_by(table.c.version, table.c.source_key)
            .limit(batch_size)
        )
        statement = base
        while True:
            with self._engine.connect() as connection:
                batch = [
                    StagedRecord.model_validate(row, from_attributes=True) for row in connection.execute(statement)
                ]
            if batch:
                yield batch
            if len(batch) < batch_size:
                return
            last = batch[-1]
            statement = base.where(tuple_(table.c.version, table.c.source_key) > tuple_(last.version, last.source_key))
