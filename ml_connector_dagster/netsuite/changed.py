"""The change time a windowed read attaches to each row (client.iter_window: a UTC datetime), read back."""

from datetime import UTC, datetime

from ml_connector_dagster.netsuite.suiteql import CHANGED_AT
from ml_connector_dagster.netsuite.values import RowReader


def changed_at(reader: RowReader) -> datetime:
    """The row's change time; a row replayed from the quarantine carries it as ISO text."""
    value = reader.row.get(CHANGED_AT)
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    raise reader.bad("lastmodifieddate", f"{value!r} is not a change time")
