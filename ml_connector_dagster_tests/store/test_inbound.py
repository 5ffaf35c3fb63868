"""The inbound queue keeps each pushed document once, by MessageId and by document, and hands it out once."""

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, insert, inspect, update
from sqlalchemy.exc import IntegrityError

from ml_connector_dagster.store import InboundDocument, InboundStatus, Store, migrate
from ml_connector_dagster.store.database import alembic_config, write_transaction
from ml_connector_dagster.store.tables import inbound_documents


def _document(message_id: str, number: str = "INV-1", payload_hash: str = "h1") -> InboundDocument:
    return InboundDocument(
        message_id=message_id,
        document_type="BuyerInvoiceExportMessage",
        document_number=number,
        sent_at="2026-11-30T10:00:00Z",
        payload=f"<BuyerInvoiceExportMessage><InvoiceNumber>{number}</InvoiceNumber></BuyerInvoiceExportMessage>",
        payload_hash=payload_hash,
    )


def test_a_document_is_queued_once_by_message_id_and_by_document(store: Store) -> None:
    assert store.inbound.enqueue(_document("m1")) is True
    assert store.inbound.enqueue(_document("m1")) is False
    # The same document resent under a new MessageId.
    assert store.inbound.enqueue(_document("m2")) is False
    # The same number with other content (a cancellation arrives without lines) is a new document.
    assert store.inbound.enqueue(_document("m3", payload_hash="h2")) is True
    assert store.inbound.enqueue(_document("m4", number="INV-2")) is True

    rows = store.inbound.list()
    assert [(row.message_id, row.document_number, row.payload_hash) for row in rows] == [
        ("m1", "INV-1", "h1"),
        ("m3", "INV-1", "h2"),
        ("m4", "INV-2", "h1"),
    ]
    assert all(row.status is InboundStatus.QUEUED and row.received_at.tzinfo is UTC for row in rows)
    assert rows[0].sent_at == "2026-11-30T10:00:00Z"
    assert rows[0].payload.startswith("<BuyerInvoiceExportMessage>")


def test_duplicate_of_names_the_row_that_made_it_a_duplicate(store: Store) -> None:
    store.inbound.enqueue(_document("m1"))
    store.inbound.enqueue(_document("m2", number="INV-2"))

    same_message = store.inbound.duplicate_of(_document("m2"))
    assert same_message is not None and same_message.message_id == "m2"
    same_document = store.inbound.duplicate_of(_document("m9"))
    assert same_document is not None and same_document.message_id == "m1"
    assert store.inbound.duplicate_of(_document("m9", payload_hash="other")) is None


def test_take_hands_each_document_out_once_oldest_first_and_done_finishes_it(store: Store) -> None:
    for index in range(5):
        store.inbound.enqueue(_document(f"m{index}", number=f"INV-{index}"))

    first = store.inbound.take(2)
    second = store.inbound.take(10)
    assert [row.message_id for row in first] == ["m0", "m1"]
    assert [row.message_id for row in second] == ["m2", "m3", "m4"]
    assert all(row.status is InboundStatus.TAKEN and row.taken_at is not None for row in first + second)
    assert store.inbound.take(10) == []

    assert store.inbound.mark_done([row.id for row in first] * 2, "run-7") == 2
    # Already done: left alone.
    assert store.inbound.mark_done([first[0].id], "run-8") == 0
    done = store.inbound.list(InboundStatus.DONE)
    assert [(row.message_id, row.done_run_id) for row in done] == [("m0", "run-7"), ("m1", "run-7")]
    assert all(row.done_at is not None for row in done)
    assert len(store.inbound.list(InboundStatus.TAKEN)) == 3
    with pytest.raises(ValueError, match="limit"):
        store.inbound.take(0)


def test_take_filters_by_document_type_prefix_so_each_sensor_takes_its_own(store: Store) -> None:
    store.inbound.enqueue(_document("m1"))
    # `_` and `%` are literal here, and case counts: neither LIKE pattern nor SQLite's case folding applies.
    for message_id, document_type in (("n1", "netsuite:vendorbill"), ("n2", "NETSUITE:vendor"), ("n3", "net_uite:x")):
        document = _document(message_id, number=message_id).model_copy(update={"document_type": document_type})
        store.inbound.enqueue(document)

    assert [row.message_id for row in store.inbound.take(10, prefix="netsuite:")] == ["n1"]
    assert [row.message_id for row in store.inbound.take(10, excluding_prefix="net_uite:")] == ["m1", "n2"]
    assert [row.message_id for row in store.inbound.take(10)] == ["n3"]


def test_documents_a_dead_run_took_are_taken_again_after_the_delay(store: Store, engine: Engine) -> None:
    store.inbound.enqueue(_document("m1"))
    store.inbound.enqueue(_document("m2", number="INV-2"))
    taken = store.inbound.take(2)
    assert store.inbound.take(2, retake_after=timedelta(minutes=10)) == []

    long_ago = datetime.now(UTC) - timedelta(hours=1)
    with engine.begin() as connection:
        connection.execute(
            update(inbound_documents).where(inbound_documents.c.id == taken[0].id).values(taken_at=long_ago)
        )
    again = store.inbound.take(5, retake_after=timedelta(minutes=10))
    assert [row.message_id for row in again] == ["m1"]
    assert again[0].taken_at is not None and again[0].taken_at > long_ago


def test_the_database_refuses_a_status_outside_the_enum(engine: Engine) -> None:
    row = {**_document("m1").model_dump(), "received_at": datetime.now(UTC)}
    with engine.begin() as connection:
        for status in InboundStatus:
            connection.execute(
                insert(inbound_documents).values(
                    **{**row, "message_id": f"m-{status}", "payload_hash": status.value, "status": status.value}
                )
            )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(inbound_documents).values(**row, status="lost"))


def test_0003_downgrades_to_0002_and_upgrades_again(store: Store, engine: Engine) -> None:
    store.inbound.enqueue(_document("m1"))

    with write_transaction(engine) as connection:
        command.downgrade(alembic_config(connection), "0002")
    assert "inbound_documents" not in inspect(engine).get_table_names()

    migrate(engine)
    assert store.inbound.list() == []
    assert store.inbound.enqueue(_document("m1")) is True
