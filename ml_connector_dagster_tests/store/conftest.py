"""Every store test runs on SQLite and on PostgreSQL, each test on an empty schema."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from ml_connector_dagster.store import MasterKeys, Store, create_store_engine, generate_key
from ml_connector_dagster_tests.postgres import throwaway_database


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway database for this session, so tests never touch anyone's data."""
    with throwaway_database("mlc_test") as url:
        yield url.render_as_string(hide_password=False)


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
