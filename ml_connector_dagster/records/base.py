"""What every canonical record shares: frozen, strict about unknown fields, versions kept in UTC, and every
value within what the systems at both ends can hold."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from ml_connector_dagster.records.bounds import MAX_TEXT, integer_problem, nul_problem, number_problem


class CanonicalRecord(BaseModel):
    # The length bound also makes pydantic refuse text with unpaired surrogates (it decodes to count), which no
    # JSON payload, store or target could carry.
    model_config = ConfigDict(frozen=True, extra="forbid", str_max_length=MAX_TEXT)

    @field_validator("*", mode="after")
    @classmethod
    def _within_bounds(cls, value: Any) -> Any:
        # One check for every field of every record: a value no target can hold is bad data, quarantined here
        # naming the field, not a crash when the record is serialized, stored or posted.
        for item in value if isinstance(value, tuple) else (value,):
            problem = _problem(item)
            if problem is not None:
                raise ValueError(problem)
        return value


def _problem(value: Any) -> str | None:
    if isinstance(value, str):
        return nul_problem(value)
    if isinstance(value, Decimal):
        return number_problem(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return integer_problem(value)
    return None


def in_utc(value: datetime) -> datetime:
    # Versions are compared and stored as instants; one zone keeps equal instants equal in payloads too.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range once in UTC") from None
