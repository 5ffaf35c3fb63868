"""Reading SuiteQL rows: every value comes as a string (booleans 'T'/'F', NULLs often left out), so each one is
parsed here, and a value that does not parse is reported naming the record and the column."""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ml_connector_dagster.records import InvalidRecord

Row = Mapping[str, Any]


class RowReader:
    """The values of one row, read for one record (`what`, e.g. "vendor bill 1042"), keyed `key` in the queue."""

    def __init__(self, row: Row, what: str, key: str) -> None:
        self.row = row
        self.what = what
        self.key = key

    def bad(self, column: str, problem: str) -> InvalidRecord:
        return InvalidRecord(self.key, f"netsuite {self.what}: {column} {problem}")

    def text(self, column: str) -> str | None:
        value = self.row.get(column)
        if value is None or value == "":
            return None
        return str(value)

    def required_text(self, column: str) -> str:
        value = self.text(column)
        if value is None:
            raise self.bad(column, "is empty; it is required")
        return value

    def integer(self, column: str) -> int | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise self.bad(column, f"{value!r} is not an integer") from None

    def required_integer(self, column: str) -> int:
        value = self.integer(column)
        if value is None:
            raise self.bad(column, "is empty; it is required")
        return value

    def decimal(self, column: str) -> Decimal | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            parsed = Decimal(value)
        except InvalidOperation:
            raise self.bad(column, f"{value!r} is not a number") from None
        if not parsed.is_finite():
            raise self.bad(column, f"{value!r} is not a finite number")
        return parsed

    def flag(self, column: str) -> bool:
        """'T' is true; 'F' or nothing is false."""
        value = self.text(column)
        if value not in (None, "T", "F"):
            raise self.bad(column, f"{value!r} is neither 'T' nor 'F'")
        return value == "T"

    def day(self, column: str) -> date | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.bad(column, f"{value!r} is not a YYYY-MM-DD date") from None
