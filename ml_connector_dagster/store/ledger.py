"""The ledger: per record and target, the version last seen, the version last written, and open intents."""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, or_, select, update

from ml_connector_dagster.store.audit import insert_audit
from ml_connector_dagster.store.database import upsert_insert, write_transaction
from ml_connector_dagster.store.models import AuditEntry, Intent, LedgerEntry, RecordRef, SeenVersion, Written
from ml_connector_dagster.store.pending import BackoffPolicy, Held, hold, release
from ml_connector_dagster.store.tables import ledger

_KEY = ["source_system", "target_system", "entity", "source_key"]
# Keeps IN lists well inside every driver's bound-parameter limit.
_CHUNK = 500
_NO_INTENT: dict[str, Any] = {
    "intent_version": None,
    "intent_hash": None,
    "intent_run_id": None,
    "intent_at": None,
}


def _entry(row: Row[Any]) -> LedgerEntry:
    values = row._asdict()
    ref = RecordRef(**{name: values.pop(name) for name in _KEY})
    return LedgerEntry(ref=ref, **values)


def _preference(entry: LedgerEntry) -> tuple[bool, datetime]:
    return (entry.target_id is not None, entry.updated_at)


class Ledger:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get_many(
        self, source_system: str, target_system: str, entity: str, source_keys: Sequence[str]
    ) -> dict[str, LedgerEntry]:
        """Entries by source key; keys never seen are absent."""
        keys = list(dict.fromkeys(source_keys))
        found: dict[str, LedgerEntry] = {}
        with self._engine.connect() as connection:
            for start in range(0, len(keys), _CHUNK):
                statement = select(ledger).where(
                    *self._flow(source_system, target_system, entity),
                    ledger.c.source_key.in_(keys[start : start + _CHUNK]),
                )
                for row in connection.execute(statement):
                    entry = _entry(row)
                    found[entry.ref.source_key] = entry
        return found

    def record_seen(self, source_system: str, target_system: str, entity: str, items: Sequence[SeenVersion]) -> None:
        """Remember the newest source version per key; an older version never replaces a newer one."""
        newest: dict[str, SeenVersion] = {}
        for item in items:
            # One statement may not touch a row twice (PostgreSQL refuses), so keep one item per key.
            current = newest.get(item.source_key)
            if current is None or item.version >= current.version:
                newest[item.source_key] = item
        if not newest:
            return
        now = datetime.now(UTC)
        rows = [
            {
                "source_system": source_system,
                "target_system": target_system,
                "entity": entity,
                "source_key": item.source_key,
                "natural_key": item.natural_key,
                "seen_version": item.version,
                "seen_hash": item.payload_hash,
                "updated_at": now,
            }
            for item in newest.values()
        ]
        with self._engine.begin() as connection:
            insert = upsert_insert(connection, ledger)
            statement = insert.on_conflict_do_update(
                index_elements=_KEY,
                set_={
                    "natural_key": insert.excluded.natural_key,
                    "seen_version": insert.excluded.seen_version,
                    "seen_hash": insert.excluded.seen_hash,
                    "updated_at": insert.excluded.updated_at,
                },
                # Deciding in the database keeps this true even when two runs record at once.
                where=or_(ledger.c.seen_version.is_(None), ledger.c.seen_version <= insert.excluded.seen_version),
            )
            connection.execute(statement, rows)

    def record_intents(self, intents: Sequence[Intent], run_id: str) -> None:
        """Announce a batch of writes before making them, in one transaction committed before the first call."""
        if not intents:
            return
        now = datetime.now(UTC)
        rows = [
            {
                **intent.ref.model_dump(),
                "natural_key": intent.natural_key,
                "intent_version": intent.version,
                "intent_hash": intent.payload_hash,
                "intent_run_id": run_id,
                "intent_at": now,
                "updated_at": now,
            }
            for intent in intents
        ]
        with self._engine.begin() as connection:
            self._upsert(
                connection, rows, ["natural_key", "intent_version", "intent_hash", "intent_run_id", "intent_at"]
            )

    def record_outcomes(
        self,
        run_id: str,
        written: Sequence[Written] = (),
        cleared: Sequence[RecordRef] = (),
        audit: Sequence[AuditEntry] = (),
        held: Sequence[Held] = (),
        released: Sequence[RecordRef] = (),
        backoff: BackoffPolicy | None = None,
    ) -> None:
        """A batch's outcomes in one transaction, so the ledger, the pending queue and the audit trail cannot
        disagree.

        `written`: confirmed writes (their intents close). `cleared`: intents closed because the write was
        proven not to have happened or was refused. Intents of writes whose outcome is unknown are left open.
        `held`: records put in (or kept in) the pending queue, next tried after `backoff`'s delay.
        `released`: records leaving the queue (written, or no longer waiting).
        """
        both = {item.ref for item in held} & set(released)
        if both:
            keys = ", ".join(sorted(ref.source_key for ref in both))
            raise ValueError(f"records both held and released in one batch: {keys}")
        now = datetime.now(UTC)
        closed = {**_NO_INTENT, "last_run_id": run_id, "updated_at": now}
        # The write lock up front: holding reads the attempts already counted before it writes.
        with write_transaction(self._engine) as connection:
            if written:
                rows = [
                    {
                        **item.ref.model_dump(),
                        **closed,
                        "written_version": item.version,
                        "written_hash": item.payload_hash,
                        "target_id": item.target_id,
                        "target_state": item.target_state,
                    }
                    for item in written
                ]
                self._upsert(
                    connection, rows, [*closed, "written_version", "written_hash", "target_id", "target_state"]
                )
            if cleared:
                self._upsert(connection, [{**ref.model_dump(), **closed} for ref in cleared], list(closed))
            hold(connection, run_id, held, backoff, now)
            release(connection, released)
            insert_audit(connection, audit)

    def by_natural_keys(
        self, source_system: str, target_system: str, entity: str, natural_keys: Sequence[str]
    ) -> dict[str, LedgerEntry]:
        """Entries by natural key; keys never seen are absent.

        Should two source keys share a natural key, the one written to the target wins, then the one
        updated last: that is the record a dependent flow must point at.
        """
        keys = list(dict.fromkeys(natural_keys))
        found: dict[str, LedgerEntry] = {}
        with self._engine.connect() as connection:
            for start in range(0, len(keys), _CHUNK):
                statement = select(ledger).where(
                    *self._flow(source_system, target_system, entity),
                    ledger.c.natural_key.in_(keys[start : start + _CHUNK]),
                )
                for row in connection.execute(statement):
                    entry, current = _entry(row), found.get(row.natural_key)
                    if current is None or _preference(entry) > _preference(current):
                        found[row.natural_key] = entry
        return found

    def natural_keys_with_state(self, source_system: str, target_system: str, entity: str, state: str) -> set[str]:
        """Natural keys of records written to the target and last written in `state` (e.g. "active")."""
        statement = select(ledger.c.natural_key).where(
            *self._flow(source_system, target_system, entity),
            ledger.c.target_id.is_not(None),
            ledger.c.target_state == state,
            ledger.c.natural_key.is_not(None),
        )
        with self._engine.connect() as connection:
            return set(connection.scalars(statement))

    def entries(
        self, source_system: str, target_system: str, entity: str, batch_size: int = 500
    ) -> Iterator[LedgerEntry]:
        """Every entry of one flow in source-key order, read one keyset batch at a time so memory stays bounded."""
        return self._in_batches(self._flow(source_system, target_system, entity), batch_size)

    def seen_between(
        self, source_system: str, target_system: str, entity: str, lo: datetime, hi: datetime, batch_size: int = 500
    ) -> Iterator[LedgerEntry]:
        """Entries whose newest source version lies in [lo, hi), in source-key order, one keyset batch at a time."""
        scope = (*self._flow(source_system, target_system, entity), ledger.c.seen_version >= lo)
        return self._in_batches((*scope, ledger.c.seen_version < hi), batch_size)

    def forget_written(self, source_system: str, target_system: str, entity: str, source_keys: Sequence[str]) -> int:
        """Clears what the ledger believes was written for these keys (version, hash, target id and state), so
        the next post looks each record up by natural key and writes it again. Returns the entries changed.

        For a reconciliation that found the target or the ledger wrong: a record deleted in the target by hand,
        a ledger restored from an older backup. What was seen at the source, and open intents, stay."""
        keys = list(dict.fromkeys(source_keys))
        changed = 0
        with self._engine.begin() as connection:
            for start in range(0, len(keys), _CHUNK):
                statement = (
                    update(ledger)
                    .where(
                        *self._flow(source_system, target_system, entity),
                        ledger.c.source_key.in_(keys[start : start + _CHUNK]),
                    )
                    .values(
                        written_version=None,
                        written_hash=None,
                        target_id=None,
                        target_state=None,
                        updated_at=datetime.now(UTC),
                    )
                )
                changed += connection.execute(statement).rowcount
        return changed

    def open_intents(self, source_system: str, target_system: str, entity: str) -> list[LedgerEntry]:
        """Writes announced but never resolved, oldest first: each needs a look at the target."""
        statement = (
            select(ledger)
            .where(*self._flow(source_system, target_system, entity), ledger.c.intent_at.is_not(None))
            .order_by(ledger.c.intent_at, ledger.c.source_key)
        )
        with self._engine.connect() as connection:
            return [_entry(row) for row in connection.execute(statement)]

    def _in_batches(self, where: tuple[Any, ...], batch_size: int) -> Iterator[LedgerEntry]:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        base = select(ledger).where(*where).order_by(ledger.c.source_key).limit(batch_size)
        statement = base
        while True:
            with self._engine.connect() as connection:
                batch = [_entry(row) for row in connection.execute(statement)]
            yield from batch
            if len(batch) < batch_size:
                return
            statement = base.where(ledger.c.source_key > batch[-1].ref.source_key)

    @staticmethod
    def _flow(source_system: str, target_system: str, entity: str) -> tuple[Any, ...]:
        return (
            ledger.c.source_system == source_system,
            ledger.c.target_system == target_system,
            ledger.c.entity == entity,
        )

    @staticmethod
    def _upsert(connection: Connection, rows: list[dict[str, Any]], columns: list[str]) -> None:
        insert = upsert_insert(connection, ledger)
        statement = insert.on_conflict_do_update(
            index_elements=_KEY,
            set_={name: insert.excluded[name] for name in {*columns, "updated_at"}},
        )
        connection.execute(statement, rows)
