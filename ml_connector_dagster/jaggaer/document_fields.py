"""Reading a JAGGAER document's fields for a canonical record, with errors a person can act on.

Every problem names the record and the field's place in the document (`lineList.receiptLine[2].poNumber`,
list positions counted from 0 as in the JSON), and all of a document's problems are reported together. A
member the document did not send is never a silent null: a required one is a problem, an optional one is
counted as missing (`<resource>.<member>`, once per object lacking it).
"""

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ml_connector_dagster.jaggaer.answers import Document
from ml_connector_dagster.records import InvalidRecord
from ml_connector_dagster.records.bounds import integer_problem, number_problem, text_problem
from ml_connector_dagster.records.errors import shortened

Model = TypeVar("Model", bound=BaseModel)
Value = TypeVar("Value")
_ABSENT = object()


class _Unreadable(ValueError):
    pass


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Unreadable("must be text")
    text = str(value).strip()
    if not text:
        raise _Unreadable("required")
    problem = text_problem(text)
    if problem is not None:
        raise _Unreadable(problem)
    return text


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise _Unreadable(f"must be a whole number, not {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Unreadable(f"must be a whole number, not {str(value)[:40]!r}") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise _Unreadable(f"must be a whole number, not {str(value)[:40]!r}")
    # Checked before int(): 1E+999999999 is a whole number no memory holds.
    problem = integer_problem(number)
    if problem is not None:
        raise _Unreadable(problem)
    return int(number)


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float):
        raise _Unreadable(f"must be a number, not {str(value)[:40]!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Unreadable(f"must be a number, not {str(value)[:40]!r}") from None
    problem = number_problem(number)
    if problem is not None:
        raise _Unreadable(f"{problem}, not {str(value)[:40]!r}")
    return number


def _timestamp(value: Any) -> datetime:
    """ISO-8601; J1P stamps in UTC, so a time without an offset (or a bare date, at midnight) is read as UTC."""
    if not isinstance(value, str):
        raise _Unreadable(f"must be an ISO-8601 time, not {str(value)[:40]!r}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _Unreadable(f"must be an ISO-8601 time, not {value[:40]!r}") from None
    try:
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except OverflowError:
        raise _Unreadable(f"is out of range once in UTC ({value[:40]!r})") from None


def _date(value: Any) -> date:
    """An ISO-8601 date, or the date part of a time as the document wrote it."""
    if not isinstance(value, str):
        raise _Unreadable(f"must be an ISO-8601 date, not {str(value)[:40]!r}")
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise _Unreadable(f"must be an ISO-8601 date, not {value[:40]!r}") from None


def _at(source: Any, member: str) -> Any:
    for part in member.split("."):
        if not isinstance(source, dict) or part not in source:
            return _ABSENT
        source = source[part]
    return source


class DocumentReader:
    """One document's reading: getters answer None for a problem (collected) or an absent optional member
    (counted); `build` raises InvalidRecord with every problem, or returns the model and what was missing."""

    def __init__(self, document: Document, label: str, record_key: str) -> None:
        self.document = document
        self.label = shortened(label)  # "receipt RC-1"
        self.record_key = record_key
        self.problems: list[str] = []
        self.missing: list[str] = []

    def text(self, source: Any, where: str, member: str, resource: str, required: bool = True) -> str | None:
        return self._read(source, where, member, resource, required, _text)

    def integer(self, source: Any, where: str, member: str, resource: str, required: bool = True) -> int | None:
        return self._read(source, where, member, resource, required, _integer)

    def decimal(self, source: Any, where: str, member: str, resource: str, required: bool = True) -> Decimal | None:
        return self._read(source, where, member, resource, required, _decimal)

    def timestamp(self, source: Any, where: str, member: str, resource: str, required: bool = True) -> datetime | None:
        return self._read(source, where, member, resource, required, _timestamp)

    def day(self, source: Any, where: str, member: str, resource: str, required: bool = True) -> date | None:
        return self._read(source, where, member, resource, required, _date)

    def raw(self, source: Any, where: str, member: str, resource: str, required: bool = True) -> Any:
        """The member as sent (None when absent or null), for values read in more than one shape."""
        return self._read(source, where, member, resource, required, lambda value: value)

    def problem(self, where: str, member: str, reason: str) -> None:
        self.problems.append(f"{_place(where, member)}: {reason}")

    def items(self, member: str, resource: str, required: bool = True) -> Iterator[tuple[str, Document]]:
        """(place, object) of each object of the wrapped list at `member` (`lineList.receiptLine`)."""
        found = _at(self.document, member)
        if found is _ABSENT or found is None:
            if required:
                self.problem("", member, "required")
            elif found is _ABSENT:
                self.missing.append(f"{resource}.{member}")
            return
        if not isinstance(found, list):
            self.problem("", member, "must be a list")
            return
        for index, item in enumerate(found):
            place = f"{member}[{index}]"
            if isinstance(item, dict):
                yield place, item
            else:
                self.problem("", place, "must be an object")

    def build(self, model: type[Model], fields: dict[str, Any]) -> tuple[Model, list[str]]:
        if self.problems:
            raise InvalidRecord(self.record_key, f"{self.label}: {'; '.join(self.problems)}")
        try:
            return model.model_validate(fields), self.missing
        except ValidationError as error:
            # What the canonical record refuses of values read well (a quantity of 0): named canonically.
            raise InvalidRecord.refused(self.record_key, self.label, error) from None

    def _read(
        self, source: Any, where: str, member: str, resource: str, required: bool, convert: Callable[[Any], Value]
    ) -> Value | None:
        value = _at(source, member)
        if value is _ABSENT or value is None:
            if required:
                self.problem(where, member, "required")
            elif value is _ABSENT:
                self.missing.append(f"{resource}.{member}")
            return None
        try:
            return convert(value)
        except _Unreadable as unreadable:
            self.problem(where, member, str(unreadable))
            return None


def _place(where: str, member: str) -> str:
    return f"{where}.{member}" if where else member
