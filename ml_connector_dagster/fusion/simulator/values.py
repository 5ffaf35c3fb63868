"""Stored attribute values in comparable form, each distinct datetime or date text parsed once."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ml_connector_dagster.fusion.simulator.rows import Value
from ml_connector_dagster.fusion.simulator.schema import AttrType

INVALID = object()  # a stored value of the wrong type: deliberately malformed seed data
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """An aware datetime as microseconds since the epoch: exact, and cheap to compare and bisect."""
    return (moment - _EPOCH) // _MICROSECOND


@lru_cache(maxsize=1 << 20)
def parsed_datetime(text: str) -> Any:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return INVALID


@lru_cache(maxsize=1 << 16)
def parsed_date(text: str) -> Any:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return INVALID


def instant_micros(raw: Value) -> int | None:
    """A stored datetime as epoch microseconds, or None when it is null, malformed or zone-less."""
    if not isinstance(raw, str):
        return None
    moment = parsed_datetime(raw)
    if moment is INVALID or moment.tzinfo is None:
        return None
    return micros(moment)


def stored(kind: AttrType, raw: Value) -> Any:
    """A stored value in comparable form: None for null, INVALID when it does not fit its type."""
    if raw is None:
        return None
    if kind == "integer":
        return raw if isinstance(raw, int) and not isinstance(raw, bool) else INVALID
    if kind == "number":
        return raw if isinstance(raw, Decimal) else Decimal(raw) if isinstance(raw, int) else INVALID
    if kind == "string":
        return raw if isinstance(raw, str) else INVALID
    if kind == "boolean":
        return raw if isinstance(raw, bool) else INVALID
    if not isinstance(raw, str):
        return INVALID
    return parsed_datetime(raw) if kind == "datetime" else parsed_date(raw)
