"""Reading SuiteQL rows: every value comes as a string (booleans 'T'/'F', NULLs often left out), so each one is
parsed here, and a value that does not parse is reported naming the record and the column."""

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ml_connector_dagster.records import InvalidRecord
from ml_connector_dagster.records.bounds import integer_problem, number_problem, text_problem
from ml_connector_dagster.records.errors import shortened

Row = Mapping[str, Any]


def document_name(row: Row, key: str) -> str:
    """How messages name a transaction: its tranid (PO1002), or its internal id when the tranid is no text."""
    tranid = row.get("tranid")
    return tranid if isinstance(tranid, str) and tranid.strip() else key


class RowReader:
    """The values of one row, read for one record (`what`, e.g. "vendor bill 1042"), keyed `key` in the queue."""

    def __init__(self, row: Row, what: str, key: str) -> None:
        self.row = row
        self.what = shortened(what)
        self.key = key

    def bad(self, column: str, problem: str) -> InvalidRecord:
        return InvalidRecord(self.key, f"netsuite {self.what}: {column} {problem}")

    def text(self, column: str) -> str | None:
        value = self.row.get(column)
        if value is None or value == "":
            return None
        if isinstance(value, Mapping | Sequence) and not isinstance(value, str):
            raise self.bad(column, f"must be a value, not a {type(value).__name__}")
        text = str(value)
        problem = text_problem(text)
        if problem is not None:
            raise self.bad(column, problem)
        return text

    def child(self, column: str) -> Row | None:
        """A row the read joined in (the vendor of a transaction); None when there is none."""
        value = self.row.get(column)
        if value is not None and not isinstance(value, Mapping):
            raise self.bad(column, f"must be a row, not a {type(value).__name__}")
        return value

    def children(self, column: str) -> list[Row]:
        """The rows the read joined in under `column` (a transaction's lines)."""
        value = self.row.get(column)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(row, Mapping) for row in value):
            raise self.bad(column, "must be a list of rows")
        return value

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
            number = int(value)
        except ValueError:
            raise self.bad(column, f"{value[:40]!r} is not an integer") from None
        problem = integer_problem(number)
        if problem is not None:
            raise self.bad(column, problem)
        return number

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
            raise self.bad(column, f"{value[:40]!r} is not a number") from None
        problem = number_problem(parsed)
        if problem is not None:
            raise self.bad(column, f"{value[:40]!r} {problem}")
        return parsed

    def flag(self, column: str) -> bool:
        """'T' is true; 'F' or nothing is false."""
        value = self.text(column)
        if value not in (None, "T", "F"):
            raise self.bad(column, f"{str(value)[:40]!r} is neither 'T' nor 'F'")
        return value == "T"

    def day(self, column: str) -> date | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.bad(column, f"{value[:40]!r} is not a YYYY-MM-DD date") from None
