"""The pending queue: records held back until something they depend on exists, retried with growing delays."""

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine, Row, Select, delete, select, tuple_, update

from ml_connector_dagster.store.database import upsert_insert
from ml_connector_dagster.store.models import RecordRef, _Row
from ml_connector_dagster.store.tables import pending, pending_waits

_KEY = ["source_system", "target_system", "entity", "source_key"]
# Keeps IN lists well inside every driver's bound-parameter limit (four parameters per key tuple).
_CHUNK = 200


class BackoffPolicy(BaseModel):
    """How long a held record waits before its next try: first × factor^(attempts − 1), capped."""

    model_config = ConfigDict(frozen=True)

    first_delay_seconds: float = Field(default=300, gt=0)
    factor: float = Field(default=2.0, ge=1)
    cap_seconds: float = Field(default=21600, gt=0)

    def delay(self, attempts: int) -> timedelta:
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {attempts}")
        try:
            seconds = self.first_delay_seconds * self.factor ** (attempts - 1)
        except OverflowError:
            seconds = self.cap_seconds
        return timedelta(seconds=min(seconds, self.cap_seconds))


class Held(_Row):
    """A record this run could not write because it waits on another record."""

    ref: RecordRef
    natural_key: str
    version: AwareDatetime
    payload_hash: str
    reason: str = Field(description='what a person reads: "waiting on GL mapping for 101.95.60510.120.000.000"')
    waits_on: tuple[str, ...] = Field(description='dependency tokens such as "supplier:1005"')


class PendingEntry(_Row):
    ref: RecordRef
    natural_key: str
    version: AwareDatetime
    payload_hash: str
    reason: str
    waits_on: tuple[str, ...]
    first_run_id: str
    since: AwareDatetime
    attempts: int
    next_try_at: AwareDatetime
    last_run_id: str
    last_tried_at: AwareDatetime


def _entry(row: Row[Any]) -> PendingEntry:
    values = row._asdict()
    ref = RecordRef(**{name: values.pop(name) for name in _KEY})
    return PendingEntry(ref=ref, **{**values, "waits_on": tuple(json.loads(values["waits_on"]))})


def _ref_key(ref: RecordRef) -> tuple[str, str, str, str]:
    return (ref.source_system, ref.target_system, ref.entity, ref.source_key)


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    return (items[start : start + _CHUNK] for start in range(0, len(items), _CHUNK))


def hold(
    connection: Connection, run_id: str, held: Sequence[Held], backoff: BackoffPolicy | None, now: datetime
) -> None:
    """Upsert held records on the caller's connection, so they commit with the rest of a batch's outcomes.

    The connection must hold the write lock (`write_transaction`): the next delay depends on the attempts
    already counted, which are read first.
    """
    latest = {_ref_key(item.ref): item for item in held}
    if not latest:
        return
    if backoff is None:
        raise ValueError("a BackoffPolicy is required to hold records")
    refs = list(latest)
    previous: dict[tuple[str, str, str, str], int] = {}
    for chunk in _chunks(refs):
        statement = select(*(pending.c[name] for name in _KEY), pending.c.attempts).where(
            tuple_(*(pending.c[name] for name in _KEY)).in_(chunk)
        )
        previous.update({tuple(row[:4]): row.attempts for row in connection.execute(statement)})
    rows = []
    for key, item in latest.items():
        attempts = previous.get(key, 0) + 1
        rows.append(
            {
                **item.ref.model_dump(),
                "natural_key": item.natural_key,
                "version": item.version,
                "payload_hash": item.payload_hash,
                "reason": item.reason,
                "waits_on": json.dumps(list(item.waits_on)),
                "first_run_id": run_id,
                "since": now,
                "attempts": attempts,
                "next_try_at": now + backoff.delay(attempts),
                "last_run_id": run_id,
                "last_tried_at": now,
            }
        )
    statement = upsert_insert(connection, pending)
    kept = {*_KEY, "first_run_id", "since"}
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=_KEY,
            set_={
                column.name: statement.excluded[column.name] for column in pending.columns if column.name not in kept
            },
        ),
        rows,
    )
    for chunk in _chunks(refs):
        connection.execute(delete(pending_waits).where(tuple_(*(pending_waits.c[name] for name in _KEY)).in_(chunk)))
    waits = [
        {**dict(zip(_KEY, key, strict=True)), "token": token}
        for key, item in latest.items()
        for token in dict.fromkeys(item.waits_on)
    ]
    if waits:
        # A concurrent run holding the same record may have inserted the same tokens since the delete above.
        connection.execute(upsert_insert(connection, pending_waits).on_conflict_do_nothing(), waits)


def release(connection: Connection, refs: Sequence[RecordRef]) -> None:
    """Drop records from the queue (written, or no longer waiting), on the caller's connection."""
    keys = list(dict.fromkeys(_ref_key(ref) for ref in refs))
    for chunk in _chunks(keys):
        # Their pending_waits rows go with them (ON DELETE CASCADE).
        connection.execute(delete(pending).where(tuple_(*(pending.c[name] for name in _KEY)).in_(chunk)))


class PendingQueue:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get_many(
        self, source_system: str, target_system: str, entity: str, source_keys: Sequence[str]
    ) -> dict[str, PendingEntry]:
        """Held records by source key; keys not held are absent."""
        keys = list(dict.fromkeys(source_keys))
        found: dict[str, PendingEntry] = {}
        for chunk in _chunks(keys):
            statement = select(pending).where(
                *self._entity(source_system, target_system, entity), pending.c.source_key.in_(chunk)
            )
            found.update((entry.ref.source_key, entry) for entry in self._read(statement))
        return found

    def for_entity(
        self, source_system: str, target_system: str, entity: str, due_before: datetime | None = None
    ) -> list[PendingEntry]:
        """Held records of one flow, oldest first; with `due_before`, only those whose next try is due by then."""
        statement = select(pending).where(*self._entity(source_system, target_system, entity))
        if due_before is not None:
            statement = statement.where(pending.c.next_try_at <= due_before)
        return self._read(statement)

    def make_due(self, waits_on: Sequence[str]) -> int:
        """Bring forward the next try of records waiting on any of these tokens (the dependency now exists).

        Returns how many records were not yet due and now are.
        """
        tokens = list(dict.fromkeys(waits_on))
        now = datetime.now(UTC)
        made_due = 0
        with self._engine.begin() as connection:
            for chunk in _chunks(tokens):
                waiting = select(*(pending_waits.c[name] for name in _KEY)).where(pending_waits.c.token.in_(chunk))
                statement = (
                    update(pending)
                    .where(tuple_(*(pending.c[name] for name in _KEY)).in_(waiting), pending.c.next_try_at > now)
                    .values(next_try_at=now)
                )
                made_due += connection.execute(statement).rowcount
        return made_due

    @staticmethod
    def _entity(source_system: str, target_system: str, entity: str) -> tuple[Any, ...]:
        return (
            pending.c.source_system == source_system,
            pending.c.target_system == target_system,
            pending.c.entity == entity,
        )

    def _read(self, statement: Select[Any]) -> list[PendingEntry]:
        ordered = statement.order_by(pending.c.since, *(pending.c[name] for name in _KEY))
        with self._engine.connect() as connection:
            return [_entry(row) for row in connection.execute(ordered)]

    # Last in the class: the method's name would shadow the builtin in the annotations of any defined after it.
    def list(
        self, source_system: str | None = None, target_system: str | None = None, entity: str | None = None
    ) -> list[PendingEntry]:
        """Every held record matching the filters, oldest first."""
        filters = {"source_system": source_system, "target_system": target_system, "entity": entity}
        statement = select(pending).where(
            *(pending.c[name] == value for name, value in filters.items() if value is not None)
        )
        return self._read(statement)
