"""Engine creation, schema migration, and the few dialect differences the repositories share."""

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Not Alembic's default `alembic_version`: the store may share a PostgreSQL database with Dagster's own
# storage, which keeps its own Alembic history under that name.
VERSION_TABLE = "ml_connector_alembic_version"

_IMMEDIATE = "ml_connector_begin_immediate"
_SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant works; it only has to be the same in every process that migrates this database.
_MIGRATION_LOCK_ID = 0x6D6C_636F_6E6E

UpsertInsert = sqlite.Insert | postgresql.Insert


class UnsupportedDatabaseError(ValueError):
    pass


def _normalise(url: str) -> URL:
    # Heroku-style `postgres://` and driverless `postgresql://` both mean the psycopg2 driver we ship.
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgresql+psycopg2"):
        return parsed.set(drivername="postgresql+psycopg2")
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return parsed
    raise UnsupportedDatabaseError(
        f"unsupported store URL {parsed.render_as_string(hide_password=True)}: "
        "use sqlite:///path/to/file.db or postgresql://user@host/database"
    )


def create_store_engine(url: str) -> Engine:
    parsed = _normalise(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    if not parsed.database or parsed.database == ":memory:" or parsed.query.get("mode") == "memory":
        # Each pooled connection would get its own empty in-memory database.
        raise UnsupportedDatabaseError("the SQLite store must be a file: use sqlite:///path/to/file.db")
    Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 otherwise runs SELECTs outside any transaction and BEGINs only at the first
    # write, so a read-then-write sequence would not be atomic; SQLAlchemy emits BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # The busy timeout makes concurrent writers wait for each other instead of failing at once.
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        _enable_wal(cursor)
    finally:
        cursor.close()


def _enable_wal(cursor: Any) -> None:
    """WAL lets readers (the Dagster UI, the CLI) work while a run writes.

    Switching a new database to WAL needs a moment of exclusive access that SQLite does not wait for
    through the busy timeout, so two processes opening a new store at once retry here. WAL is kept in
    the file, so this only ever contends while a store is new.
    """
    deadline = time.monotonic() + _SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _begin_sqlite_transaction(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that reads before it writes.

    On SQLite it takes the write lock up front: a deferred transaction that reads first cannot later
    upgrade to a writer if another connection wrote in between, and would fail instead of waiting.
    """
    with engine.execution_options(**{_IMMEDIATE: True}).begin() as connection:
        yield connection


def upsert_insert(connection: Connection, table: Table) -> UpsertInsert:
    """The dialect's INSERT, which is the one that offers ON CONFLICT."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    if connection.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise UnsupportedDatabaseError(f"unsupported database dialect {connection.dialect.name!r}")


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration for running the store's migrations on `connection`."""
    config = Config()
    # Config values go through ConfigParser interpolation, where a bare % in the path would be an error.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (the newest by default); safe to call from every process at start-up."""
    with write_transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            # Several run workers may open the store at once; the second waits and then finds
            # the schema current instead of racing to create the same tables.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_ID})
        command.upgrade(alembic_config(connection), revision)
