"""The canonical payables invoice: header, lines, distributions with their charge account."""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Self

from pydantic import AwareDatetime, Field, field_validator

from ml_connector_dagster.records.accounting import ChargeAccount, MappedAccount
from ml_connector_dagster.records.base import CanonicalRecord, in_utc


class InvoiceDistribution(CanonicalRecord):
    distribution_id: int
    distribution_line_number: int
    amount: Decimal
    combination: str = Field(min_length=1, description="DistributionCombination, concatenated segments")
    # Filled by the GL mapping just before posting; never by the source.
    cost_center: str | None = None
    gl_account: str | None = None

    @property
    def charge_account(self) -> ChargeAccount:
        return ChargeAccount(None, self.combination)


class InvoiceLine(CanonicalRecord):
    line_number: int
    line_type: str
    amount: Decimal
    description: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    po_number: str | None = None
    po_line_number: int | None = None
    po_schedule_number: int | None = None
    distributions: tuple[InvoiceDistribution, ...] = ()


def invoice_key(supplier_number: str, invoice_number: str) -> str:
    """An invoice's natural key: supplier invoice numbers are unique per supplier."""
    return f"{supplier_number}/{invoice_number}"


class Invoice(CanonicalRecord):
    """`source_id` is the source system's invoice id (Fusion's InvoiceId, JAGGAER's invoiceId). The natural key
    is supplier number + supplier invoice number: JAGGAER keeps `supplierInvoiceNumber` unique per supplier, and
    Fusion the invoice number per supplier and business unit."""

    source_id: int
    invoice_number: str = Field(min_length=1)
    supplier_number: str = Field(min_length=1)
    supplier: str | None = None
    supplier_site: str | None = None
    business_unit: str = Field(min_length=1)
    currency_code: str = Field(pattern=r"^[A-Z]{3}$")
    amount: Decimal
    invoice_date: date
    invoice_type: str = "Standard"
    validation_status: str | None = None
    canceled: bool = False
    last_update_date: AwareDatetime
    lines: tuple[InvoiceLine, ...] = ()

    @field_validator("last_update_date")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return in_utc(value)

    @property
    def natural_key(self) -> str:
        return invoice_key(self.supplier_number, self.invoice_number)

    @property
    def version(self) -> datetime:
        return self.last_update_date

    def charge_accounts(self) -> list[ChargeAccount]:
        return [d.charge_account for line in self.lines for d in line.distributions]

    def with_accounting(self, mapped: Mapping[ChargeAccount, MappedAccount]) -> Self:
        """A copy whose distributions carry the JAGGAER values their charge accounts map to."""
        lines = tuple(
            line.model_copy(
                update={
                    "distributions": tuple(
                        d.model_copy(
                            update={
                                "cost_center": mapped[d.charge_account].cost_center,
                                "gl_account": mapped[d.charge_account].gl_account,
                            }
                        )
                        for d in line.distributions
                    )
                }
            )
            for line in self.lines
        )
        return self.model_copy(update={"lines": lines})
