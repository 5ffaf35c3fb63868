"""The canonical purchase order: header, lines, schedules, distributions."""

from datetime import UTC, date, datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PODistribution(_Record):
    distribution_id: int
    distribution_number: int
    quantity: Decimal | None = None
    amount: Decimal | None = None
    charge_account_id: int | None = None
    charge_account: str | None = None


class POSchedule(_Record):
    line_location_id: int
    schedule_number: int
    quantity: Decimal | None = None
    amount: Decimal | None = None
    need_by_date: date | None = None
    distributions: tuple[PODistribution, ...] = ()


class POLine(_Record):
    line_id: int
    line_number: int
    description: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    uom: str | None = None
    amount: Decimal | None = None
    schedules: tuple[POSchedule, ...] = ()


class PurchaseOrder(_Record):
    """A purchase order as the connector carries it between systems.

    `source_id` is the ERP's own id (Fusion POHeaderId); `order_number` is the natural key the target
    upserts by. `last_update_date` is the source version and is not part of the payload hash.
    """

    source_id: int
    order_number: str = Field(min_length=1)
    supplier: str = Field(min_length=1)
    supplier_id: int
    supplier_site: str | None = None
    procurement_bu: str = Field(min_length=1)
    bill_to_bu: str | None = None
    buyer: str | None = None
    currency_code: str = Field(pattern=r"^[A-Z]{3}$")
    status: str
    total: Decimal
    creation_date: AwareDatetime
    last_update_date: AwareDatetime
    lines: tuple[POLine, ...] = ()

    @field_validator("creation_date", "last_update_date")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        # Versions are compared and stored as instants; one zone keeps equal instants equal in payloads too.
        return value.astimezone(UTC)

    @property
    def key(self) -> str:
        return str(self.source_id)

    @property
    def version(self) -> datetime:
        return self.last_update_date
