"""Engine creation, migrations, and the UTC column type."""

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect, select, text
from sqlalchemy.exc import StatementError

from ml_connector_dagster.store import UnsupportedDatabaseError, create_store_engine, migrate
from ml_connector_dagster.store.database import VERSION_TABLE
from ml_connector_dagster.store.tables import audit_trail, metadata

STORE_TABLES = {
    "staged_records",
    "ledger",
    "audit_trail",
    "quarantine",
    "credentials",
    "token_cache",
    "pending",
    "pending_waits",
    "gl_mapping_rows",
    "gl_mapping_rule",
    "gl_mapping_changes",
    "watermarks",
    "inbound_documents",
}
HEAD = "0005"


def _revisions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))


def test_migrate_creates_every_table_and_a_second_run_changes_nothing(engine: Engine) -> None:
    assert STORE_TABLES | {VERSION_TABLE} <= set(inspect(engine).get_table_names())
    assert _revisions(engine) == [HEAD]
    with engine.begin() as connection:
        connection.execute(
            insert(audit_trail).values(
                run_id="r1", system="s", entity="e", record_key="k", status="posted", recorded_at=datetime.now(UTC)
            )
        )

    migrate(engine)

    assert _revisions(engine) == [HEAD]
    with engine.connect() as connection:
        assert connection.scalar(select(audit_trail.c.run_id)) == "r1"


def test_tables_match_the_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE, "compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_concurrent_migrations_serialise(store_url: str) -> None:
    engines = [create_store_engine(store_url) for _ in range(2)]
    errors: list[BaseException] = []

    def run(engine: Engine) -> None:
        try:
            migrate(engine)
        except BaseException as exc:  # collected so the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert _revisions(engines[0]) == [HEAD]
    finally:
        for engine in engines:
            engine.dispose()


def test_sqlite_store_creates_its_directory_and_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'store.db'}")
    try:
        assert (tmp_path / "nested" / "dir").is_dir()
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["postgres://u:pw@db/x", "postgresql://u:pw@db/x", "postgresql+psycopg2://u:pw@db/x"])
def test_postgres_urls_are_normalised_to_psycopg2(url: str) -> None:
    engine = create_store_engine(url)
    assert engine.url.drivername == "postgresql+psycopg2"
    assert engine.url.database == "x"


def test_unsupported_urls_are_refused_without_showing_the_password() -> None:
    with pytest.raises(UnsupportedDatabaseError) as raised:
        create_store_engine("mysql://user:hunter2@db/x")
    assert "hunter2" not in str(raised.value)
    with pytest.raises(UnsupportedDatabaseError, match="must be a file"):
        create_store_engine("sqlite://")
    with pytest.raises(UnsupportedDatabaseError, match="must be a file"):
        create_store_engine("sqlite:///:memory:")


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(StatementError) as raised, engine.begin() as connection:
        connection.execute(
            insert(audit_trail).values(
                run_id="r", system="s", entity="e", record_key="k", status="posted", recorded_at=datetime(2025, 1, 1)
            )
        )
    assert isinstance(raised.value.orig, ValueError)
    assert "naive datetime" in str(raised.value.orig)


def test_datetimes_come_back_aware_utc_and_equal(engine: Engine) -> None:
    written = datetime(2025, 3, 30, 1, 30, 15, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    with engine.begin() as connection:
        connection.execute(
            insert(audit_trail).values(
                run_id="r", system="s", entity="e", record_key="k", status="posted", recorded_at=written
            )
        )
    with engine.connect() as connection:
        read = connection.scalar(select(audit_trail.c.recorded_at))
    assert read == written
    assert read.tzinfo is UTC
    assert read.hour == 20 and read.day == 29
