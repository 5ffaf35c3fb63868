"""Named high-water marks (e.g. the newest change time a flow has fully processed) that only move forward."""

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from ml_connector_dagster.store.database import upsert_insert, write_transaction
from ml_connector_dagster.store.tables import watermarks


class Watermarks:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, name: str) -> datetime | None:
        with self._engine.connect() as connection:
            return connection.scalar(select(watermarks.c.value).where(watermarks.c.name == name))

    def advance(self, name: str, value: datetime) -> datetime:
        """Move the mark to `value` unless it already stands later; returns the mark as stored.

        Deciding in the database keeps the mark from moving back even when two runs advance it at once.
        """
        with write_transaction(self._engine) as connection:
            insert = upsert_insert(connection, watermarks)
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=["name"],
                    set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at},
                    where=watermarks.c.value < insert.excluded.value,
                ),
                {"name": name, "value": value, "updated_at": datetime.now(UTC)},
            )
            stored: datetime = connection.scalar(select(watermarks.c.value).where(watermarks.c.name == name))
            return stored
