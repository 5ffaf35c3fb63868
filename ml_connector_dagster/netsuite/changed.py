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
            if parsed.tzinfo is not None:
                return parsed.astimezone(UTC)
        except (ValueError, OverflowError):
            pass
    raise reader.bad("lastmodifieddate", f"{str(value)[:40]!r} is not a change time")
