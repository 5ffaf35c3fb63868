"""What every canonical record shares: frozen, strict about unknown fields, versions kept in UTC."""

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict


class CanonicalRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def in_utc(value: datetime) -> datetime:
    # Versions are compared and stored as instants; one zone keeps equal instants equal in payloads too.
    return value.astimezone(UTC)
