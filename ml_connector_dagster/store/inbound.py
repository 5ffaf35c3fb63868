"""The inbound queue: documents JAGGAER pushed, waiting for the flow that also polls to take and finish them.

A push never writes a target itself; queueing it here is what lets push and poll share one write path.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, Field
from sqlalchemy import ColumnElement, Engine, and_, func, or_, select, update

from ml_connector_dagster.store.database import upsert_insert, write_transaction
from ml_connector_dagster.store.models import _Row
from ml_connector_dagster.store.tables import inbound_documents

# Keeps IN lists well inside every driver's bound-parameter limit.
_CHUNK = 500


class InboundStatus(StrEnum):
    """Where a pushed document is: waiting, taken by a run, or finished by one."""

    QUEUED = "queued"
    TAKEN = "taken"
    DONE = "done"


class InboundDocument(_Row):
    """One delivered document, as queued: the payload without the sender's credentials."""

    message_id: str = Field(min_length=1)
    document_type: str = Field(min_length=1, description='the root element, e.g. "BuyerInvoiceExportMessage"')
    document_number: str = Field(min_length=1)
    sent_at: str | None = Field(default=None, description="the header Timestamp, as sent")
    payload: str
    payload_hash: str = Field(description="of the document without its header, so a resend hashes the same")


class InboundRow(InboundDocument):
    id: int
    received_at: AwareDatetime
    status: InboundStatus
    taken_at: AwareDatetime | None
    done_at: AwareDatetime | None
    done_run_id: str | None


class InboundQueue:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def enqueue(self, document: InboundDocument) -> bool:
        """Queue a document; False when its MessageId, or the same document under another one, is already in."""
        row = {**document.model_dump(), "received_at": datetime.now(UTC), "status": InboundStatus.QUEUED.value}
        with self._engine.begin() as connection:
            # No conflict target: either unique constraint (MessageId, or type + number + hash) makes it a duplicate.
            statement = upsert_insert(connection, inbound_documents).values(**row).on_conflict_do_nothing()
            return connection.execute(statement).rowcount == 1

    def duplicate_of(self, document: InboundDocument) -> InboundRow | None:
        """The queued row that makes `document` a duplicate: same MessageId first, else the same document."""
        table = inbound_documents
        same_message = table.c.message_id == document.message_id
        same_document = and_(
            table.c.document_type == document.document_type,
            table.c.document_number == document.document_number,
            table.c.payload_hash == document.payload_hash,
        )
        statement = select(table).where(or_(same_message, same_document)).order_by(~same_message, table.c.id)
        with self._engine.connect() as connection:
            row = connection.execute(statement.limit(1)).first()
        return InboundRow.model_validate(row, from_attributes=True) if row is not None else None

    def take(
        self,
        limit: int,
        retake_after: timedelta | None = None,
        *,
        prefix: str | None = None,
        excluding_prefix: str | None = None,
    ) -> list[InboundRow]:
        """Mark up to `limit` queued documents taken, oldest first, and return them.

        With `retake_after`, documents taken longer ago than that and never marked done (the run that took
        them died) are taken again. `prefix` takes only documents whose type starts with it, `excluding_prefix`
        only those whose type does not: each system's sensor takes its own ("netsuite:vendorbill").
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        table = inbound_documents
        now = datetime.now(UTC)
        available = table.c.status == InboundStatus.QUEUED.value
        if retake_after is not None:
            stale = and_(table.c.status == InboundStatus.TAKEN.value, table.c.taken_at < now - retake_after)
            available = or_(available, stale)
        if prefix is not None:
            available = and_(available, _starts_with(prefix))
        if excluding_prefix is not None:
            available = and_(available, ~_starts_with(excluding_prefix))
        with write_transaction(self._engine) as connection:
            # SKIP LOCKED lets two takers on PostgreSQL share the queue; SQLite's write lock already serialises them.
            chosen = select(table.c.id).where(available).order_by(table.c.id).limit(limit)
            ids = list(connection.scalars(chosen.with_for_update(skip_locked=True)))
            if not ids:
                return []
            connection.execute(
                update(table).where(table.c.id.in_(ids)).values(status=InboundStatus.TAKEN.value, taken_at=now)
            )
            rows = connection.execute(select(table).where(table.c.id.in_(ids)).order_by(table.c.id))
            return [InboundRow.model_validate(row, from_attributes=True) for row in rows]

    def mark_done(self, ids: Sequence[int], run_id: str) -> int:
        """Finish taken documents; returns how many changed (one not taken, or already done, is left alone)."""
        table = inbound_documents
        unique = list(dict.fromkeys(ids))
        now = datetime.now(UTC)
        changed = 0
        with self._engine.begin() as connection:
            for start in range(0, len(unique), _CHUNK):
                statement = (
                    update(table)
                    .where(table.c.id.in_(unique[start : start + _CHUNK]), table.c.status == InboundStatus.TAKEN.value)
                    .values(status=InboundStatus.DONE.value, done_at=now, done_run_id=run_id)
                )
                changed += connection.execute(statement).rowcount
        return changed

    # Last in the class: the method's name would shadow the builtin in the annotations of any defined after it.
    def list(self, status: InboundStatus | None = None) -> list[InboundRow]:
        """Every document in the queue (or only those with `status`), oldest first."""
        statement = select(inbound_documents).order_by(inbound_documents.c.id)
        if status is not None:
            statement = statement.where(inbound_documents.c.status == status.value)
        with self._engine.connect() as connection:
            return [InboundRow.model_validate(row, from_attributes=True) for row in connection.execute(statement)]


def _starts_with(prefix: str) -> ColumnElement[bool]:
    # Not LIKE: SQLite's is case-insensitive, and `_`/`%` in a prefix would need escaping.
    return func.substr(inbound_documents.c.document_type, 1, len(prefix)) == prefix
