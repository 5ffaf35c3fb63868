"""NetSuite vendors as canonical suppliers: JAGGAER knows each by its `entityid` (the vendor's ID field)."""

from datetime import datetime

from ml_connector_dagster.netsuite.changed import changed_at
from ml_connector_dagster.netsuite.values import Row, RowReader
from ml_connector_dagster.records import Supplier

VENDOR_COLUMNS = ("entityid", "companyname", "isinactive", "subsidiary")
INACTIVE = "INACTIVE"


def supplier(row: Row) -> Supplier:
    key = str(row.get("id"))
    reader = RowReader(row, f"vendor {key}", key)
    number = reader.required_text("entityid")
    return Supplier(
        source_id=reader.required_integer("id"),
        supplier_number=number,
        # A person vendor has no company name: JAGGAER still needs a name, and the vendor ID is what NetSuite shows.
        name=reader.text("companyname") or number,
        status=INACTIVE if reader.flag("isinactive") else "ACTIVE",
        last_update_date=changed_at(reader),
    )


def deleted_supplier(last: Supplier, at: datetime) -> Supplier:
    """A vendor deleted in NetSuite: its supplier is deactivated in JAGGAER, never removed."""
    return last.model_copy(update={"status": INACTIVE, "last_update_date": at})
