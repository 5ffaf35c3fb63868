"""The audit trail: which run did what to which record, and why."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from ml_connector_dagster.store.models import AuditEntry, AuditRow, AuditStatus
from ml_connector_dagster.store.tables import audit_trail


def insert_audit(connection: Connection, entries: Sequence[AuditEntry]) -> None:
    """Insert on the caller's connection, so a ledger change and its audit row commit together."""
    if not entries:
        return
    recorded_at = datetime.now(UTC)
    connection.execute(
        insert(audit_trail),
        [{**entry.model_dump(), "status": entry.status.value, "recorded_at": recorded_at} for entry in entries],
    )


class AuditTrail:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, entries: Sequence[AuditEntry]) -> None:
        with self._engine.begin() as connection:
            insert_audit(connection, entries)

    def query(
        self,
        run_id: str | None = None,
        system: str | None = None,
        entity: str | None = None,
        status: AuditStatus | None = None,
        record_key: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
    ) -> list[AuditRow]:
        """Newest first; `since` is inclusive and compares with when the row was recorded."""
        filters: dict[str, Any] = {
            "run_id": run_id,
            "system": system,
            "entity": entity,
            "status": status.value if status is not None else None,
            "record_key": record_key,
        }
        statement = select(audit_trail).where(
            *(audit_trail.c[name] == value for name, value in filters.items() if value is not None)
        )
        if since is not None:
            statement = statement.where(audit_trail.c.recorded_at >= since)
        statement = statement.order_by(audit_trail.c.recorded_at.desc(), audit_trail.c.id.desc()).limit(limit)
        with self._engine.connect() as connection:
            return [AuditRow.model_validate(row, from_attributes=True) for row in connection.execute(statement)]

    def counts(self, run_id: str, system: str | None = None, entity: str | None = None) -> dict[AuditStatus, int]:
        """Rows per status for one run; every status is present, zero when none."""
        statement = (
            select(audit_trail.c.status, func.count())
            .where(audit_trail.c.run_id == run_id)
            .group_by(audit_trail.c.status)
        )
        if system is not None:
            statement = statement.where(audit_trail.c.system == system)
        if entity is not None:
            statement = statement.where(audit_trail.c.entity == entity)
        totals = dict.fromkeys(AuditStatus, 0)
        with self._engine.connect() as connection:
            for status, count in connection.execute(statement):
                totals[AuditStatus(status)] = count
        return totals
