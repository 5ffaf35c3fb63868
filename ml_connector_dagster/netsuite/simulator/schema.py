"""The SuiteQL tables the simulated account serves, with the columns the reference lists.

Rows are plain tuples in column order, to hold 100,000+ transactions cheaply. Stored forms: `int` ids and
integers, `text` strings, `number` Decimals, `bool` 'T'/'F' (as SuiteQL compares them), `datetime` epoch
seconds (instants; shown in the account's time zone), `date` proleptic ordinals; None is NULL.
"""

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["int", "text", "number", "bool", "datetime", "date"]


@dataclass(frozen=True)
class TableSchema:
    name: str
    columns: tuple[tuple[str, Kind], ...]
    # The change time the table is indexed by, and the unique key that orders rows sharing one (None: none).
    changed: str
    key: str | None
    # Columns with a hash index, for `=` and `IN` look-ups (lines of many headers).
    indexed: tuple[str, ...] = ()
    position: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", {name: index for index, (name, _) in enumerate(self.columns)})

    def kind(self, column: str) -> Kind:
        return self.columns[self.position[column]][1]


def _named(*extra: tuple[str, Kind]) -> tuple[tuple[str, Kind], ...]:
    """Columns of the named reference records (departments, classes, locations)."""
    return (
        ("id", "int"),
        ("name", "text"),
        ("fullname", "text"),
        ("parent", "int"),
        ("isinactive", "bool"),
        *extra,
        ("lastmodifieddate", "datetime"),
    )


TRANSACTION = TableSchema(
    "transaction",
    (
        ("id", "int"),
        ("tranid", "text"),
        ("type", "text"),
        ("recordtype", "text"),
        ("entity", "int"),
        ("trandate", "date"),
        ("status", "text"),
        ("currency", "int"),
        ("foreigntotal", "number"),
        ("voided", "bool"),
        ("lastmodifieddate", "datetime"),
    ),
    "lastmodifieddate",
    "id",
    ("id", "entity"),
)
TRANSACTION_LINE = TableSchema(
    "transactionline",
    (
        ("transaction", "int"),
        ("id", "int"),
        # Line ids are unique within their transaction only; uniquekey is unique in the account.
        ("uniquekey", "int"),
        ("linesequencenumber", "int"),
        ("mainline", "bool"),
        ("item", "int"),
        ("quantity", "number"),
        ("rate", "number"),
        ("netamount", "number"),
        ("department", "int"),
        ("class", "int"),
        ("location", "int"),
        ("subsidiary", "int"),
        # The line's expense account (item lines of orders, expense lines of bills); NULL on the mainline.
        ("expenseaccount", "int"),
        ("linelastmodifieddate", "datetime"),
    ),
    "linelastmodifieddate",
    "uniquekey",
    ("transaction",),
)
TRANSACTION_ACCOUNTING_LINE = TableSchema(
    "transactionaccountingline",
    (
        ("transaction", "int"),
        ("transactionline", "int"),
        ("account", "int"),
        ("debit", "number"),
        ("credit", "number"),
        ("amount", "number"),
        ("posting", "bool"),
        ("lastmodifieddate", "datetime"),
    ),
    "lastmodifieddate",
    None,
    ("transaction",),
)
VENDOR = TableSchema(
    "vendor",
    (
        ("id", "int"),
        ("entityid", "text"),
        ("companyname", "text"),
        ("email", "text"),
        ("isinactive", "bool"),
        ("subsidiary", "int"),
        ("lastmodifieddate", "datetime"),
    ),
    "lastmodifieddate",
    "id",
    ("id",),
)
ACCOUNT = TableSchema(
    "account",
    (
        ("id", "int"),
        ("acctnumber", "text"),
        ("fullname", "text"),
        ("accountsearchdisplayname", "text"),
        ("accttype", "text"),
        ("isinactive", "bool"),
        ("lastmodifieddate", "datetime"),
    ),
    "lastmodifieddate",
    "id",
    ("id",),
)
DEPARTMENT = TableSchema("department", _named(("subsidiary", "int")), "lastmodifieddate", "id", ("id",))
CLASSIFICATION = TableSchema("classification", _named(("subsidiary", "int")), "lastmodifieddate", "id", ("id",))
LOCATION = TableSchema("location", _named(("subsidiary", "int")), "lastmodifieddate", "id", ("id",))
SUBSIDIARY = TableSchema(
    "subsidiary", _named(("currency", "int"), ("country", "text")), "lastmodifieddate", "id", ("id",)
)
DELETED_RECORD = TableSchema(
    "deletedrecord",
    (
        ("deleteddate", "datetime"),
        ("recordid", "int"),
        ("recordtypeid", "int"),
        ("type", "text"),
        ("name", "text"),
        ("context", "text"),
    ),
    "deleteddate",
    None,
    ("recordid",),
)

SCHEMAS: dict[str, TableSchema] = {
    schema.name: schema
    for schema in (
        TRANSACTION,
        TRANSACTION_LINE,
        TRANSACTION_ACCOUNTING_LINE,
        VENDOR,
        ACCOUNT,
        DEPARTMENT,
        CLASSIFICATION,
        LOCATION,
        SUBSIDIARY,
        DELETED_RECORD,
    )
}
# Tables whose feature an account can have off (`features_off`).
FEATURE_TABLES = frozenset({"classification", "department", "location"})
