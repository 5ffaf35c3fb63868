"""The canonical supplier: header, sites and addresses. JAGGAER knows it by the ERP supplier number."""

from datetime import date, datetime

from pydantic import AwareDatetime, Field, field_validator

from ml_connector_dagster.records.base import CanonicalRecord, in_utc


class SupplierAddress(CanonicalRecord):
    address_id: int
    address_name: str = Field(min_length=1)
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = Field(default=None, description="ISO 3166 alpha-2 code")


class SupplierSite(CanonicalRecord):
    site_id: int
    site_name: str = Field(min_length=1)
    procurement_bu: str | None = None
    address_id: int | None = None
    inactive_date: date | None = None


class Supplier(CanonicalRecord):
    """`source_id` is Fusion's SupplierId; `supplier_number` is the natural key (JAGGAER `extCode`)."""

    source_id: int
    supplier_number: str = Field(min_length=1)
    name: str = Field(min_length=1)
    status: str | None = None
    duns_number: str | None = None
    tax_organization_type: str | None = None
    last_update_date: AwareDatetime
    sites: tuple[SupplierSite, ...] = ()
    addresses: tuple[SupplierAddress, ...] = ()

    @field_validator("last_update_date")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return in_utc(value)

    @property
    def active(self) -> bool:
        return (self.status or "ACTIVE").upper() != "INACTIVE"

    @property
    def version(self) -> datetime:
        return self.last_update_date
