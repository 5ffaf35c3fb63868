"""The simulated tenant's purchase orders: a thread-safe document store and the FIQL `flt` filter."""

import copy
import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from ml_connector_dagster.jaggaer.simulator.errors import (
    RC_DUPLICATE,
    RC_INVALID_QUERY,
    RC_INVALID_REQUEST,
    RC_UNSUPPORTED_OPERATION,
    J1PError,
)
from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings
from ml_connector_dagster.jaggaer.simulator.shapes import header_fields, parse_write, stamped

# Large and far from 1 so a client that confuses poId with a line number or a list index fails visibly.
_FIRST_PO_ID = 7_000_000_001


class PurchaseOrderStats(BaseModel):
    stored: int
    distinct_po_numbers: int
    duplicates: int
    writes: int


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _format_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


# Field names match case-insensitively: the only modified-time filter seen in the wild is `LASTMODTIME`.
_FILTER_FIELDS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "ponumber": ("poNumber", str),
    "poid": ("poId", int),
    "lastmodtime": ("lastModTime", _parse_time),
}
_TERM = re.compile(r"^(?P<field>\w+)(?P<op>==|=in=|>=|<=)(?P<value>.+)$")


@dataclass(frozen=True)
class _Term:
    key: str
    op: str
    convert: Callable[[str], Any]
    values: tuple[Any, ...]

    def matches(self, document: dict[str, Any]) -> bool:
        actual = self.convert(str(document[self.key]))
        if self.op == ">=":
            return bool(actual >= self.values[0])
        if self.op == "<=":
            return bool(actual <= self.values[0])
        return actual in self.values


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_filter(flt: str) -> list[_Term]:
    """FIQL as J1P uses it: `;` joins terms with AND; `==`, `=in=(a,b)`, `>=`, `<=`."""
    terms = []
    for text in flt.split(";"):
        match = _TERM.match(text.strip())
        if match is None:
            raise J1PError(RC_INVALID_QUERY, f"Invalid filter term {text!r}")
        field, op, raw = match["field"], match["op"], match["value"]
        if field.lower() not in _FILTER_FIELDS:
            raise J1PError(RC_INVALID_QUERY, f"Unknown filter field {field}")
        key, convert = _FILTER_FIELDS[field.lower()]
        if op == "=in=":
            if not (raw.startswith("(") and raw.endswith(")")):
                raise J1PError(RC_INVALID_QUERY, f"Invalid filter term {text!r}: =in= needs (a,b,...)")
            raw_values = [part.strip() for part in raw[1:-1].split(",")]
        else:
            raw_values = [raw]
        try:
            values = tuple(convert(_unquote(value)) for value in raw_values)
        except ValueError as error:
            raise J1PError(RC_INVALID_QUERY, f"Invalid value {raw!r} for filter field {field}") from error
        terms.append(_Term(key, op, convert, values))
    return terms


class PurchaseOrderStore:
    """Documents as clients sent them plus the server-assigned `poId` and `lastModTime`.

    A lock guards everything: the app serves from uvicorn's thread while tests inspect from theirs.
    """

    def __init__(self, settings: JaggaerSimSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._documents: dict[int, dict[str, Any]] = {}
        # poNumber → poIds: lookups by number must not scan every document once a benchmark stores 50,000.
        self._by_number: dict[str, list[int]] = {}
        self._ids = itertools.count(_FIRST_PO_ID)
        self._writes = 0
        self._last_time = datetime.min.replace(tzinfo=UTC)

    def write(self, body: Any) -> int:
        """Applies one `{"purchaseOrder": {...}}` request; returns the poId written."""
        order = parse_write(body, self._settings.document_shape)
        with self._lock:
            if order.operation == "CREATE":
                return self._create(order.po_number, order.document)
            if order.operation == "UPDATE":
                if order.po_id is None:
                    where = "header.poId" if self._settings.document_shape == "header" else "poId"
                    raise J1PError(RC_INVALID_REQUEST, f"Invalid purchase order: purchaseOrder.{where}: required")
                return self._replace(order.po_id, order.po_number, order.document)
            if order.operation == "CREATEUPDATE" and self._settings.po_upsert_supported:
                existing = self._ids_with_number(order.po_number)
                if existing:
                    return self._replace(existing[0], order.po_number, order.document)
                return self._create(order.po_number, order.document)
            raise J1PError(RC_UNSUPPORTED_OPERATION, f"Unsupported operationCode {order.operation}")

    def get(self, po_id: int) -> dict[str, Any]:
        with self._lock:
            if po_id not in self._documents:
                raise self.not_found(po_id)
            return copy.deepcopy(self._documents[po_id])

    def not_found(self, po_id: object) -> J1PError:
        return J1PError(self._settings.not_found_code, f"Purchase order {po_id} not found")

    def page(self, terms: list[_Term], start: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """The total matching and the `limit` documents from 1-based position `start`, in poId order."""
        with self._lock:
            numbers = next((t.values for t in terms if t.key == "poNumber" and t.op in ("==", "=in=")), None)
            if numbers is None:
                candidates = list(self._documents.values())
            else:
                ids = sorted({po_id for number in numbers for po_id in self._by_number.get(str(number), [])})
                candidates = [self._documents[po_id] for po_id in ids]
            matching = [d for d in candidates if all(t.matches(self._fields(d)) for t in terms)]
            return len(matching), copy.deepcopy(matching[start - 1 : start - 1 + limit])

    def documents(self, po_number: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                copy.deepcopy(d)
                for d in self._documents.values()
                if po_number is None or self._fields(d)["poNumber"] == po_number
            ]

    def stats(self) -> PurchaseOrderStats:
        with self._lock:
            stored = len(self._documents)
            distinct = len({self._fields(d)["poNumber"] for d in self._documents.values()})
            return PurchaseOrderStats(
                stored=stored, distinct_po_numbers=distinct, duplicates=stored - distinct, writes=self._writes
            )

    def reset(self) -> None:
        """Forgets documents and counts; ids keep rising so a stale poId never names a new document."""
        with self._lock:
            self._documents.clear()
            self._by_number.clear()
            self._writes = 0

    def _fields(self, document: dict[str, Any]) -> dict[str, Any]:
        return header_fields(document, self._settings.document_shape)

    def _create(self, po_number: str, document: dict[str, Any]) -> int:
        self._check_number_free(po_number, None)
        po_id = next(self._ids)
        self._store(po_id, document)
        return po_id

    def _replace(self, po_id: int, po_number: str, document: dict[str, Any]) -> int:
        if po_id not in self._documents:
            raise self.not_found(po_id)
        self._check_number_free(po_number, po_id)
        self._store(po_id, document)
        return po_id

    def _check_number_free(self, po_number: str, own_id: int | None) -> None:
        if self._settings.duplicate_po_number == "reject" and any(
            other != own_id for other in self._ids_with_number(po_number)
        ):
            raise J1PError(RC_DUPLICATE, f"Purchase order number {po_number} already exists")

    def _ids_with_number(self, po_number: str) -> list[int]:
        return list(self._by_number.get(po_number, []))

    def _store(self, po_id: int, document: dict[str, Any]) -> None:
        # Strictly increasing, so an UPDATE always moves lastModTime and `>=` windows see every change.
        now = max(datetime.now(UTC), self._last_time + timedelta(milliseconds=1))
        self._last_time = now
        shape = self._settings.document_shape
        previous = self._documents.get(po_id)
        if previous is not None:
            self._by_number[self._fields(previous)["poNumber"]].remove(po_id)
        self._documents[po_id] = stamped(copy.deepcopy(document), shape, po_id, _format_time(now))
        self._by_number.setdefault(self._fields(self._documents[po_id])["poNumber"], []).append(po_id)
        self._writes += 1
