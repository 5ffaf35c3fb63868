"""What both systems hold of a reference record, and so what two-way sync compares and aligns: a supplier's name,
status and addresses; a cost center's or GL value's description and whether it is enabled.

Each system converts its own records to these views and writes them back; two views are the same record state
exactly when they are equal, so `view_hash` is what the engine compares across systems and over time.
"""

from typing import Literal

from pydantic import BaseModel, Field

from ml_connector_dagster.records.base import CanonicalRecord
from ml_connector_dagster.records.hashing import payload_hash

SupplierStatus = Literal["ACTIVE", "INACTIVE"]


class AddressView(CanonicalRecord):
    address_name: str = Field(min_length=1, description="the address's name at the ERP, JAGGAER's addressCode")
    address_line1: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None


class SupplierView(CanonicalRecord):
    supplier_number: str = Field(min_length=1)
    name: str = Field(min_length=1)
    status: SupplierStatus
    # Sorted by address name, so the order a system lists them in is no difference.
    addresses: tuple[AddressView, ...] = ()

    @property
    def key(self) -> str:
        return self.supplier_number


class ValueView(CanonicalRecord):
    """One value of a reference list both systems hold (cost centers, GL values), by its code."""

    value: str = Field(min_length=1)
    description: str | None = None
    enabled: bool

    @property
    def key(self) -> str:
        return self.value


def view_hash(view: BaseModel) -> str:
    return payload_hash(view)
