"""The canonical purchase order: header, lines, schedules, distributions."""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Self

from pydantic import AwareDatetime, Field, field_validator

from ml_connector_dagster.records.accounting import ChargeAccount, MappedAccount
from ml_connector_dagster.records.base import CanonicalRecord, in_utc


class PODistribution(CanonicalRecord):
    distribution_id: int
    distribution_number: int
    quantity: Decimal | None = None
    amount: Decimal | None = None
    charge_account_id: int | None = None
    charge_account: str | None = None
    # Filled by the GL mapping just before posting; never by the source.
    cost_center: str | None = None
    gl_account: str | None = None

    @property
    def account(self) -> ChargeAccount:
        return ChargeAccount(self.charge_account_id, self.charge_account)


class POSchedule(CanonicalRecord):
    line_location_id: int
    schedule_number: int
    quantity: Decimal | None = None
    amount: Decimal | None = None
    need_by_date: date | None = None
    distributions: tuple[PODistribution, ...] = ()


class POLine(CanonicalRecord):
    line_id: int
    line_number: int
    description: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    uom: str | None = None
    amount: Decimal | None = None
    schedules: tuple[POSchedule, ...] = ()


class PurchaseOrder(CanonicalRecord):
    """A purchase order as the connector carries it between systems.

    `source_id` is the ERP's own id (Fusion POHeaderId); `order_number` is the natural key the target
    upserts by. `last_update_date` is the source version and is not part of the payload hash.
    `supplier_id` is the ERP's internal supplier id; `supplier_number`, the number JAGGAER knows the supplier
    by, is filled from the supplier cross-reference just before posting.
    """

    source_id: int
    order_number: str = Field(min_length=1)
    supplier: str = Field(min_length=1)
    supplier_id: int
    supplier_number: str | None = None
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
        return in_utc(value)

    @property
    def key(self) -> str:
        return str(self.source_id)

    @property
    def version(self) -> datetime:
        return self.last_update_date

    def charge_accounts(self) -> list[ChargeAccount]:
        return [d.account for line in self.lines for s in line.schedules for d in s.distributions]

    def with_accounting(self, mapped: Mapping[ChargeAccount, MappedAccount], supplier_number: str) -> Self:
        """A copy naming its supplier by number, whose distributions carry the JAGGAER values they map to."""

        def distribution(d: PODistribution) -> PODistribution:
            target = mapped[d.account]
            return d.model_copy(update={"cost_center": target.cost_center, "gl_account": target.gl_account})

        def schedule(s: POSchedule) -> POSchedule:
            return s.model_copy(update={"distributions": tuple(distribution(d) for d in s.distributions)})

        def line(item: POLine) -> POLine:
            return item.model_copy(update={"schedules": tuple(schedule(s) for s in item.schedules)})

        lines = tuple(line(item) for item in self.lines)
        return self.model_copy(update={"supplier_number": supplier_number, "lines": lines})
