"""Reading J1P answers without trusting their shape.

Tenants differ in where a document's fields sit (at the top of each item or under `header`) and in where lists
sit. Anything the connector cannot read raises RequestRejected naming what was unreadable, so it fails the
one record being written, never the window.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.jaggaer.connection import SYSTEM
from ml_connector_dagster.jaggaer.document_template import dotted

Document = dict[str, Any]
OK_CODES = frozenset({0, 1})  # 1 = done with warnings
PO_ID_PLACES: tuple[tuple[str, ...], ...] = (("poId",), ("header", "poId"))
PO_NUMBER_PLACES: tuple[tuple[str, ...], ...] = (("poNumber",), ("header", "poNumber"))


def _rejected(message: str, code: int | None = None) -> RequestRejected:
    return RequestRejected(SYSTEM, message, code=None if code is None else str(code))


def _at(value: Any, path: Sequence[str]) -> Any:
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _places(places: Sequence[tuple[str, ...]]) -> str:
    names = [dotted(place) for place in places]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def checked(body: Any, what: str) -> dict[str, Any]:
    """The answer's body when its returnCode says ok: J1P reports application errors with HTTP 200."""
    if not isinstance(body, dict) or "returnCode" not in body:
        raise _rejected(f"{what} answer has no returnCode envelope")
    raw = body["returnCode"]
    try:
        code = int(raw)
    except (TypeError, ValueError):
        raise _rejected(f"{what} answer has a returnCode that is not a number ({str(raw)[:40]!r})") from None
    if code not in OK_CODES:
        raise _rejected(f"{what}: returnCode {code}: {body.get('returnMessage', '')}", code)
    return body


def _count(body: dict[str, Any], name: str) -> int | None:
    raw = body.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise _rejected(f"list answer has a {name} that is not a number ({str(raw)[:40]!r})") from None


@dataclass(frozen=True)
class ListPage:
    items: list[dict[str, Any]]
    returned: int
    total: int


def list_page(body: dict[str, Any], list_paths: Sequence[tuple[str, ...]], start: int) -> ListPage:
    """The documents of one list answer, each checked to be an object; `start` numbers them in messages."""
    returned = _count(body, "returnedRecords")
    total = _count(body, "totRecords")
    found = next((items for items in (_at(body, path) for path in list_paths) if items is not None), None)
    if found is None:
        if returned == 0 or (returned is None and not total):
            return ListPage([], 0, total or 0)
        raise _rejected(f"list answer has no list at {_places(list_paths)}")
    if not isinstance(found, list):
        raise _rejected(f"list answer's {_places(list_paths)} is not a list")
    for offset, item in enumerate(found):
        if not isinstance(item, dict):
            raise _rejected(f"list answer item {start + offset} is not an object")
    count = len(found) if returned is None else returned
    return ListPage(found, count, total if total is not None else 0)


def _identifier(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip()):
        return str(value).strip()
    return None


def identifier(document: Document, places: Sequence[tuple[str, ...]], name: str, what: str) -> str:
    """The identifier `name` at the first of `places` that holds one (a non-blank string or an integer)."""
    found = optional_identifier(document, places)
    if found is None:
        raise _rejected(f"{what} has no {name} (looked at {_places(places)})")
    return found


def optional_identifier(document: Document, places: Sequence[tuple[str, ...]]) -> str | None:
    return next((found for found in (_identifier(_at(document, p)) for p in places) if found is not None), None)


def po_id(document: Document, what: str) -> str:
    """The poId of a write answer or a listed document: at the top or under `header`."""
    return identifier(document, PO_ID_PLACES, "poId", what)


def po_number(document: Document, places: Sequence[tuple[str, ...]], what: str) -> str:
    return identifier(document, places, "poNumber", what)


def po_number_places(template_key_path: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Where to read a listed document's PO number: where the template puts it, then at the top, under header."""
    return tuple(dict.fromkeys((template_key_path, *PO_NUMBER_PLACES)))
