"""Quarantine: records that failed validation, kept with a reason a person can act on."""

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, select, update

from ml_connector_dagster.store.database import upsert_insert
from ml_connector_dagster.store.models import QuarantineEntry, QuarantineRow
from ml_connector_dagster.store.tables import quarantine

_KEY = ["source_system", "entity", "record_key"]
# Keeps IN lists well inside every driver's bound-parameter limit.
_CHUNK = 500


class Quarantine:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def put(self, entries: Sequence[QuarantineEntry]) -> None:
        """Quarantine records, or refresh them; a record that fails again is open again."""
        # One statement may not touch a row twice (PostgreSQL refuses), so the last entry per key wins.
        latest = {(entry.source_system, entry.entity, entry.record_key): entry for entry in entries}
        if not latest:
            return
        now = datetime.now(UTC)
        rows = [{**entry.model_dump(), "first_seen_at": now, "last_seen_at": now} for entry in latest.values()]
        with self._engine.begin() as connection:
            insert = upsert_insert(connection, quarantine)
            statement = insert.on_conflict_do_update(
                index_elements=_KEY,
                set_={
                    "source_version": insert.excluded.source_version,
                    "reason": insert.excluded.reason,
                    "raw_payload": insert.excluded.raw_payload,
                    "run_id": insert.excluded.run_id,
                    "last_seen_at": insert.excluded.last_seen_at,
                    "resolved_at": None,
                    "resolved_run_id": None,
                },
            )
            connection.execute(statement, rows)

    def resolve(self, source_system: str, entity: str, record_keys: Sequence[str], run_id: str) -> int:
        """Mark open entries resolved (the record went through); returns how many were open."""
        keys = list(dict.fromkeys(record_keys))
        resolved = 0
        now = datetime.now(UTC)
        with self._engine.begin() as connection:
            for start in range(0, len(keys), _CHUNK):
                statement = (
                    update(quarantine)
                    .where(
                        quarantine.c.source_system == source_system,
                        quarantine.c.entity == entity,
                        quarantine.c.record_key.in_(keys[start : start + _CHUNK]),
                        quarantine.c.resolved_at.is_(None),
                    )
                    .values(resolved_at=now, resolved_run_id=run_id)
                )
                resolved += connection.execute(statement).rowcount
        return resolved

    def list_open(
        self, source_system: str | None = None, entity: str | None = None, limit: int = 100
    ) -> list[QuarantineRow]:
        """Unresolved entries, most recently seen first."""
        statement = select(quarantine).where(quarantine.c.resolved_at.is_(None))
        if source_system is not None:
            statement = statement.where(quarantine.c.source_system == source_system)
        if entity is not None:
            statement = statement.where(quarantine.c.entity == entity)
        statement = statement.order_by(
            quarantine.c.last_seen_at.desc(),
            quarantine.c.source_system,
            quarantine.c.entity,
            quarantine.c.record_key,
        ).limit(limit)
        with self._engine.connect() as connection:
            return [QuarantineRow.model_validate(row, from_attributes=True) for row in connection.execute(statement)]
