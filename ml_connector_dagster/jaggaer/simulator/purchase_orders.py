"""The simulated tenant's purchase orders: a thread-safe document store and the FIQL `flt` filter."""

import copy
import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings

RC_UNSUPPORTED_OPERATION = 10
RC_INVALID_REQUEST = 20
RC_DUPLICATE = 30
RC_NOT_FOUND = 40
RC_INVALID_QUERY = 50

# Large and far from 1 so a client that confuses poId with a line number or a list index fails visibly.
_FIRST_PO_ID = 7_000_000_001


class J1PError(Exception):
    """An application error: J1P answers these with HTTP 200 and a non-zero returnCode."""

    def __init__(self, return_code: int, message: str) -> None:
        super().__init__(message)
        self.return_code = return_code
        self.message = message


class PurchaseOrderStats(BaseModel):
    stored: int
    distinct_po_numbers: int
    duplicates: int
    writes: int


class _PurchaseOrderWrite(BaseModel):
    model_config = ConfigDict(extra="allow")

    operationCode: str
    poNumber: str
    poId: int | None = None

    @field_validator("poNumber")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


class _WriteRequest(BaseModel):
    purchaseOrder: _PurchaseOrderWrite


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
        self._ids = itertools.count(_FIRST_PO_ID)
        self._writes = 0
        self._last_time = datetime.min.replace(tzinfo=UTC)

    def write(self, body: Any) -> int:
        """Applies one `{"purchaseOrder": {...}}` request; returns the poId written."""
        try:
            request = _WriteRequest.model_validate(body)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors())
            raise J1PError(RC_INVALID_REQUEST, f"Invalid purchase order: {problems}") from error
        order = request.purchaseOrder
        document = {k: v for k, v in body["purchaseOrder"].items() if k != "operationCode"}
        with self._lock:
            if order.operationCode == "CREATE":
                return self._create(document)
            if order.operationCode == "UPDATE":
                if order.poId is None:
                    raise J1PError(RC_INVALID_REQUEST, "Invalid purchase order: purchaseOrder.poId: required")
                return self._replace(order.poId, document)
            if order.operationCode == "CREATEUPDATE" and self._settings.po_upsert_supported:
                existing = self._ids_with_number(order.poNumber)
                return self._replace(existing[0], document) if existing else self._create(document)
            raise J1PError(RC_UNSUPPORTED_OPERATION, f"Unsupported operationCode {order.operationCode}")

    def get(self, po_id: int) -> dict[str, Any]:
        with self._lock:
            if po_id not in self._documents:
                raise J1PError(RC_NOT_FOUND, f"Purchase order {po_id} not found")
            return copy.deepcopy(self._documents[po_id])

    def page(self, terms: list[_Term], start: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """The total matching and the `limit` documents from 1-based position `start`, in poId order."""
        with self._lock:
            matching = [d for d in self._documents.values() if all(t.matches(d) for t in terms)]
            return len(matching), copy.deepcopy(matching[start - 1 : start - 1 + limit])

    def documents(self, po_number: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                copy.deepcopy(d) for d in self._documents.values() if po_number is None or d["poNumber"] == po_number
            ]

    def stats(self) -> PurchaseOrderStats:
        with self._lock:
            stored = len(self._documents)
            distinct = len({d["poNumber"] for d in self._documents.values()})
            return PurchaseOrderStats(
                stored=stored, distinct_po_numbers=distinct, duplicates=stored - distinct, writes=self._writes
            )

    def reset(self) -> None:
        """Forgets documents and counts; ids keep rising so a stale poId never names a new document."""
        with self._lock:
            self._documents.clear()
            self._writes = 0

    def _create(self, document: dict[str, Any]) -> int:
        self._check_number_free(document["poNumber"], None)
        po_id = next(self._ids)
        self._store(po_id, document)
        return po_id

    def _replace(self, po_id: int, document: dict[str, Any]) -> int:
        if po_id not in self._documents:
            raise J1PError(RC_NOT_FOUND, f"Purchase order {po_id} not found")
        self._check_number_free(document["poNumber"], po_id)
        self._store(po_id, document)
        return po_id

    def _check_number_free(self, po_number: str, own_id: int | None) -> None:
        if self._settings.duplicate_po_number == "reject" and any(
            other != own_id for other in self._ids_with_number(po_number)
        ):
            raise J1PError(RC_DUPLICATE, f"Purchase order number {po_number} already exists")

    def _ids_with_number(self, po_number: str) -> list[int]:
        return [po_id for po_id, d in self._documents.items() if d["poNumber"] == po_number]

    def _store(self, po_id: int, document: dict[str, Any]) -> None:
        # Strictly increasing, so an UPDATE always moves lastModTime and `>=` windows see every change.
        now = max(datetime.now(UTC), self._last_time + timedelta(milliseconds=1))
        self._last_time = now
        self._documents[po_id] = {**copy.deepcopy(document), "poId": po_id, "lastModTime": _format_time(now)}
        self._writes += 1
