"""Revision 0002 upgrades a store already holding data, and downgrades cleanly."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from ml_connector_dagster.store import AuditStatus, Store, create_store_engine, migrate
from ml_connector_dagster.store.database import VERSION_TABLE, alembic_config, write_transaction
from ml_connector_dagster.store.tables import audit_trail, ledger, staged_records

NOW = datetime(2025, 1, 1, tzinfo=UTC)
NEW_TABLES = {"pending", "pending_waits", "gl_mapping_rows", "gl_mapping_rule", "gl_mapping_changes", "watermarks"}


@pytest.fixture
def engine_at_0001(store_url: str) -> Iterator[Engine]:
    engine = create_store_engine(store_url)
    migrate(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            insert(staged_records).values(
                source_system="fusion",
                entity="invoice",
                source_key="1",
                version=NOW,
                natural_key="INV-1",
                payload_hash="h",
                payload="{}",
                pulled_run_id="run-0",
            )
        )
        # Only 0001's columns: target_state does not exist yet.
        connection.execute(
            insert(ledger).values(
                source_system="fusion",
                target_system="jaggaer",
                entity="invoice",
                source_key="1",
                natural_key="INV-1",
                target_id="J-1",
                updated_at=NOW,
            )
        )
        for key in ("1", "2"):
            connection.execute(
                insert(audit_trail).values(
                    run_id="run-0", system="jaggaer", entity="invoice", record_key=key, status="posted", recorded_at=NOW
                )
            )
    try:
        yield engine
    finally:
        engine.dispose()


def _audit(engine: Engine, status: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(audit_trail).values(
                run_id="run-1", system="jaggaer", entity="invoice", record_key="3", status=status, recorded_at=NOW
            )
        )


def _revision(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}")))


def test_0002_keeps_existing_rows_and_allows_the_pending_status(engine_at_0001: Engine) -> None:
    engine = engine_at_0001
    assert _revision(engine) == "0001"
    with pytest.raises(IntegrityError):
        _audit(engine, "pending")

    migrate(engine, "0002")

    assert _revision(engine) == "0002"
    assert set(inspect(engine).get_table_names()) >= NEW_TABLES
    with engine.connect() as connection:
        assert [tuple(row) for row in connection.execute(select(audit_trail.c.id, audit_trail.c.record_key))] == [
            (1, "1"),
            (2, "2"),
        ]
        assert connection.scalar(select(staged_records.c.natural_key)) == "INV-1"
    # The rebuilt audit table keeps its indexes, its autoincrement and its check.
    assert {index["name"] for index in inspect(engine).get_indexes("audit_trail")} == {
        "ix_audit_trail_run_id",
        "ix_audit_trail_record",
        "ix_audit_trail_recorded_at",
    }
    _audit(engine, "pending")
    with pytest.raises(IntegrityError):
        _audit(engine, "bogus")
    store = Store(engine)
    # PostgreSQL's sequence also counts the refused inserts; either way ids keep growing past the old rows.
    assert store.audit.query(status=AuditStatus.PENDING)[0].id > 2
    entry = store.ledger.get_many("fusion", "jaggaer", "invoice", ["1"])["1"]
    assert (entry.target_id, entry.target_state) == ("J-1", None)
    assert store.ledger.by_natural_keys("fusion", "jaggaer", "invoice", ["INV-1"])["INV-1"] == entry


def test_0002_downgrades_to_0001_and_upgrades_again(engine_at_0001: Engine) -> None:
    engine = engine_at_0001
    migrate(engine)
    _audit(engine, "pending")

    with write_transaction(engine) as connection:
        command.downgrade(alembic_config(connection), "0001")

    assert _revision(engine) == "0001"
    assert not NEW_TABLES & set(inspect(engine).get_table_names())
    assert "target_state" not in {column["name"] for column in inspect(engine).get_columns("ledger")}
    with engine.connect() as connection:
        assert list(connection.scalars(select(audit_trail.c.status))) == ["posted", "posted"]
    with pytest.raises(IntegrityError):
        _audit(engine, "pending")

    migrate(engine, "0002")
    assert _revision(engine) == "0002"
    _audit(engine, "pending")
