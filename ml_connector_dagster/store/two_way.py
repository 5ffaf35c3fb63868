"""What both systems last agreed on for each two-way reference record: the base a change is judged against."""

from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import Engine, select

from ml_connector_dagster.store.database import upsert_insert
from ml_connector_dagster.store.tables import two_way_agreed


class Agreed(BaseModel):
    natural_key: str
    view_hash: str
    view: str  # the view as JSON, for the audit trail of a conflict


class TwoWayState:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def agreed(self, entity: str) -> dict[str, Agreed]:
        statement = select(two_way_agreed.c.natural_key, two_way_agreed.c.view_hash, two_way_agreed.c.view).where(
            two_way_agreed.c.entity == entity
        )
        with self._engine.connect() as connection:
            return {
                row.natural_key: Agreed.model_validate(row, from_attributes=True)
                for row in connection.execute(statement)
            }

    def record(self, entity: str, agreed: Sequence[Agreed], run_id: str) -> None:
        """Sets the agreed view of these keys, in one transaction."""
        if not agreed:
            return
        now = datetime.now(UTC)
        rows = [{"entity": entity, **item.model_dump(), "agreed_at": now, "run_id": run_id} for item in agreed]
        with self._engine.begin() as connection:
            statement = upsert_insert(connection, two_way_agreed)
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["entity", "natural_key"],
                    set_={
                        "view_hash": statement.excluded.view_hash,
                        "view": statement.excluded.view,
                        "agreed_at": statement.excluded.agreed_at,
                        "run_id": statement.excluded.run_id,
                    },
                ),
                rows,
            )
