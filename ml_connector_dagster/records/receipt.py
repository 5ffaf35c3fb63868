"""The canonical receipt: goods or services received against purchase order schedules, for three-way matching."""

from datetime import datetime
from decimal import Decimal
from typing import Self

from pydantic import AwareDatetime, Field, field_validator, model_validator

from ml_connector_dagster.records.base import CanonicalRecord, in_utc


class ReceiptLine(CanonicalRecord):
    """One schedule received. Quantity-based lines carry `quantity`; fixed-price service lines are received by
    `amount` (which one a PO line takes is the ERP's to say, so a source may send both)."""

    line_number: int = Field(ge=1)
    po_number: str = Field(min_length=1)
    po_line_number: int = Field(ge=1)
    po_schedule_number: int = Field(default=1, ge=1)
    quantity: Decimal | None = Field(default=None, gt=0)
    amount: Decimal | None = Field(default=None, gt=0)
    unit_of_measure: str | None = None

    @model_validator(mode="after")
    def _measured(self) -> Self:
        if self.quantity is None and self.amount is None:
            raise ValueError("a receipt line needs a quantity or an amount")
        return self


class Receipt(CanonicalRecord):
    """`source_id` is the source system's receipt id; `receipt_number` is the natural key, sent to the ERP as the
    receipt's shipment number so the receipt can be looked up there before it is created."""

    source_id: str = Field(min_length=1)
    receipt_number: str = Field(min_length=1)
    supplier_number: str | None = None
    received_at: AwareDatetime | None = None
    last_update: AwareDatetime
    lines: tuple[ReceiptLine, ...] = Field(min_length=1)

    @field_validator("last_update", "received_at")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else in_utc(value)

    @property
    def natural_key(self) -> str:
        return self.receipt_number

    @property
    def version(self) -> datetime:
        return self.last_update

    @property
    def po_numbers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.po_number for line in self.lines))
