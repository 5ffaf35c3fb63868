"""The canonical purchase order acknowledgment: the supplier's answer to an order and to each of its schedules."""

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field, field_validator

from ml_connector_dagster.records.base import CanonicalRecord, in_utc

Response = Literal["accept", "reject"]


class ScheduleAcknowledgment(CanonicalRecord):
    po_line_number: int = Field(ge=1)
    po_schedule_number: int = Field(default=1, ge=1)
    response: Response
    note: str | None = None


class POAcknowledgment(CanonicalRecord):
    """`source_id` is the source system's acknowledgment id; the natural key is the PO number (one answer per
    order; a later answer replaces the earlier one)."""

    source_id: str = Field(min_length=1)
    po_number: str = Field(min_length=1)
    response: Response
    note: str | None = None
    schedules: tuple[ScheduleAcknowledgment, ...] = ()
    last_update: AwareDatetime

    @field_validator("last_update")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return in_utc(value)

    @property
    def natural_key(self) -> str:
        return self.po_number

    @property
    def version(self) -> datetime:
        return self.last_update
