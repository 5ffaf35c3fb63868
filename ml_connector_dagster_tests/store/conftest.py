"""Every store test runs on SQLite and on PostgreSQL, each test on an empty schema."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from ml_connector_dagster.store import MasterKeys, Store, create_store_engine, generate_key

POSTGRES_URL_ENV = "ML_CONNECTOR_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "ML_CONNECTOR_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway database for this session, so tests never touch anyone's data."""
    admin = create_store_engine(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    name = f"mlc_test_{uuid.uuid4().hex[:12]}"
    unreachable: str | None = None
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        unreachable = f"PostgreSQL not reachable at {admin.url.render_as_string(hide_password=True)}: {reason}"
    # Failing outside the except block: pytest would print the chained driver error, whose
    # arguments include the password.
    if unreachable is not None:
        admin.dispose()
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(unreachable, pytrace=False)
        pytest.skip(unreachable)
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'store.db'}"
    url: str = request.getfixturevalue("postgres_url")
    engine = create_store_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return url


@pytest.fixture
def master_key() -> str:
    return generate_key()


@pytest.fixture
def store(store_url: str, master_key: str) -> Iterator[Store]:
    opened = Store.open(store_url, MasterKeys.from_env_value(master_key))
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def engine(store: Store) -> Engine:
    return store.engine
