"""NetSuite's GL dimensions as JAGGAER custom-field values: accounts become GL values, departments cost
centers, and classes, locations and subsidiaries values of their own fields.

Values are keyed by what a charge combination names (charges.py): an account by its number (its internal id
when the account has none), every other dimension by its internal id, which outlives renames; the name goes
to JAGGAER as the value's description.
"""

from dataclasses import dataclass

from ml_connector_dagster.netsuite.values import Row, RowReader
from ml_connector_dagster.records import CostCenter, GLAccount

ACCOUNT_COLUMNS = ("acctnumber", "fullname", "accttype", "isinactive")
NAMED_COLUMNS = ("name", "fullname", "isinactive")


@dataclass(frozen=True)
class DimensionTable:
    """A classification table: departments, classes (`classification`), locations, subsidiaries."""

    table: str
    entity: str
    title: str


DEPARTMENTS = DimensionTable("department", "netsuite_departments", "Departments")
CLASSES = DimensionTable("classification", "netsuite_classes", "Classes")
LOCATIONS = DimensionTable("location", "netsuite_locations", "Locations")
SUBSIDIARIES = DimensionTable("subsidiary", "netsuite_subsidiaries", "Subsidiaries")


def account_value(row: Row) -> str:
    """The GL value an account is known by in JAGGAER and in charge combinations."""
    number = row.get("acctnumber")
    return str(number) if number not in (None, "") else str(row["id"])


def gl_account(row: Row) -> GLAccount:
    reader = RowReader(row, f"account {row.get('id')}", str(row.get("id")))
    code_combination_id = reader.required_integer("id")
    value = reader.text("acctnumber") or str(code_combination_id)
    return GLAccount(
        code_combination_id=code_combination_id,
        combination=value,
        segments=(value,),
        enabled=not reader.flag("isinactive"),
        account_type=reader.text("accttype"),
    )


def dimension_value(dimension: DimensionTable, row: Row) -> CostCenter:
    reader = RowReader(row, f"{dimension.table} {row.get('id')}", str(row.get("id")))
    return CostCenter(
        value_set_code=dimension.table,
        value=str(reader.required_integer("id")),
        description=reader.text("fullname") or reader.text("name"),
        enabled=not reader.flag("isinactive"),
    )
