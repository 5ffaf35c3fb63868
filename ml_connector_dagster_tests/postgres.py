"""Throwaway PostgreSQL databases on ML_CONNECTOR_TEST_POSTGRES_URL's server, for tests that need one."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from ml_connector_dagster.store import create_store_engine

POSTGRES_URL_ENV = "ML_CONNECTOR_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "ML_CONNECTOR_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


@contextmanager
def throwaway_database(prefix: str) -> Iterator[URL]:
    """A new, empty database, dropped afterwards. An unreachable server skips the test, or fails it when
    ML_CONNECTOR_REQUIRE_POSTGRES=1 (CI), with the reason."""
    admin = create_store_engine(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    unreachable: str | None = None
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        unreachable = f"PostgreSQL not reachable at {admin.url.render_as_string(hide_password=True)}: {reason}"
    # Failing outside the except block: pytest would print the chained driver error, whose arguments include
    # the password.
    if unreachable is not None:
        admin.dispose()
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(unreachable, pytrace=False)
        pytest.skip(unreachable)
    try:
        yield admin.url.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
