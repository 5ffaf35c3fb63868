"""What every write of the pod shares: the JSON body read as Fusion reads it (amounts exact), validation errors
that name the record and the attribute, purchase order schedules found by the numbers a client knows, and the
instant a write stamps."""

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError

from ml_connector_dagster.fusion.simulator.errors import SimError
from ml_connector_dagster.fusion.simulator.rows import Row, format_timestamp

ModelT = TypeVar("ModelT", bound=BaseModel)
CENT = Decimal("0.01")


def json_object(raw: bytes, record: str) -> dict[str, Any]:
    """The body as a JSON object, its numbers as Decimals; a 400 naming the record otherwise."""
    try:
        body = json.loads(raw, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError, InvalidOperation):
        raise SimError(400, f"The {record} payload is not valid JSON.", code="SIM-PAYLOAD") from None
    if not isinstance(body, dict):
        raise SimError(400, f"The {record} payload must be a JSON object.", code="SIM-PAYLOAD")
    return body


def validated(model: type[ModelT], body: dict[str, Any], record: str) -> ModelT:
    """The body as `model`; the first problem as a 400 naming the record and the attribute's path."""
    try:
        return model.model_validate(body)
    except ValidationError as error:
        problem = error.errors()[0]
        path = attribute_path(problem["loc"])
        raise SimError(400, f"{record} attribute {path}: {problem['msg']}.", path, "SIM-ATTRIBUTE") from None


def attribute_path(location: tuple[int | str, ...]) -> str:
    """('lines', 0, 'Quantity') as `lines[0].Quantity`."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def stamp_now() -> str:
    return format_timestamp(datetime.now(UTC))


class Schedule(NamedTuple):
    order: Row
    line: Row
    schedule: Row


def find_schedule(order: Row | None, line_number: int, schedule_number: int) -> Schedule | str:
    """The order's line and schedule with these numbers, or which of them the order lacks (a message)."""
    if order is None:
        return "order"
    line = next((row for row in order.children[0] if row.attrs.get("LineNumber") == line_number), None)
    if line is None:
        return "line"
    schedule = next((row for row in line.children[0] if row.attrs.get("ScheduleNumber") == schedule_number), None)
    return "schedule" if schedule is None else Schedule(order, line, schedule)


def by_amount(line: Row) -> bool:
    """Fixed-price service lines are received and matched by amount."""
    return line.attrs.get("MatchingBasis") == "AMOUNT"
