"""Alembic environment: migrations run only through `ml_connector_dagster.store.migrate(engine)`."""

from alembic import context

from ml_connector_dagster.store.database import VERSION_TABLE
from ml_connector_dagster.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run the store's migrations with ml_connector_dagster.store.migrate(engine); "
        "it passes the connection in config.attributes['connection']"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    compare_type=True,
    # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
