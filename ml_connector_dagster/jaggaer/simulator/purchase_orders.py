"""The simulated tenant's purchase orders: a thread-safe document store."""

import copy
import itertools
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from ml_connector_dagster.jaggaer.simulator.errors import (
    RC_DUPLICATE,
    RC_INVALID_REQUEST,
    RC_UNSUPPORTED_OPERATION,
    J1PError,
)
from ml_connector_dagster.jaggaer.simulator.fiql import FilterField, Term, format_time, parse_time
from ml_connector_dagster.jaggaer.simulator.references import ReferenceCheck, supplier_number_in
from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings
from ml_connector_dagster.jaggaer.simulator.shapes import header_fields, parse_write, stamped

# Large and far from 1 so a client that confuses poId with a line number or a list index fails visibly.
_FIRST_PO_ID = 7_000_000_001


class PurchaseOrderStats(BaseModel):
    stored: int
    distinct_po_numbers: int
    duplicates: int
    writes: int
    requests: int


PO_FILTER_FIELDS = {
    "poNumber": FilterField(("poNumber",)),
    "poId": FilterField(("poId",), int),
    "lastModTime": FilterField(("lastModTime",), parse_time),
}


class PurchaseOrderStore:
    """Documents as clients sent them plus the server-assigned `poId` and `lastModTime`.

    A lock guards everything: the app serves from uvicorn's thread while tests inspect from theirs.
    """

    def __init__(self, settings: JaggaerSimSettings, references: ReferenceCheck) -> None:
        self._settings = settings
        self._references = references
        self._lock = threading.Lock()
        self._documents: dict[int, dict[str, Any]] = {}
        # poNumber → poIds: lookups by number must not scan every document once a benchmark stores 50,000.
        self._by_number: dict[str, list[int]] = {}
        self._ids = itertools.count(_FIRST_PO_ID)
        self._writes = 0
        self._requests = 0
        self._last_time = datetime.min.replace(tzinfo=UTC)

    def write(self, body: Any) -> int:
        """Applies one `{"purchaseOrder": {...}}` request; returns the poId written."""
        order = parse_write(body, self._settings.document_shape)
        header = header_fields(order.document, self._settings.document_shape)
        self._references.check(order.document, supplier_number_in(header))
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

    def count_request(self) -> None:
        with self._lock:
            self._requests += 1

    def get(self, po_id: int) -> dict[str, Any]:
        with self._lock:
            if po_id not in self._documents:
                raise self.not_found(po_id)
            return copy.deepcopy(self._documents[po_id])

    def not_found(self, po_id: object) -> J1PError:
        return J1PError(self._settings.not_found_code, f"Purchase order {po_id} not found")

    def page(self, terms: list[Term], start: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """The total matching and the `limit` documents from 1-based position `start`, in poId order."""
        with self._lock:
            numbers = next((t.equal_values(("poNumber",)) for t in terms if t.equal_values(("poNumber",))), None)
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

    def delete(self, po_number: str) -> int:
        """A user deleting every document with this PO number in JAGGAER's UI; returns how many were removed."""
        with self._lock:
            ids = self._by_number.pop(po_number, [])
            for po_id in ids:
                del self._documents[po_id]
            return len(ids)

    def stats(self) -> PurchaseOrderStats:
        with self._lock:
            stored = len(self._documents)
            distinct = len({self._fields(d)["poNumber"] for d in self._documents.values()})
            return PurchaseOrderStats(
                stored=stored,
                distinct_po_numbers=distinct,
                duplicates=stored - distinct,
                writes=self._writes,
                requests=self._requests,
            )

    def reset(self) -> None:
        """Forgets documents and counts; ids keep rising so a stale poId never names a new document."""
        with self._lock:
            self._documents.clear()
            self._by_number.clear()
            self._writes = 0
            self._requests = 0

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
        self._documents[po_id] = stamped(copy.deepcopy(document), shape, po_id, format_time(now))
        self._by_number.setdefault(self._fields(self._documents[po_id])["poNumber"], []).append(po_id)
        self._writes += 1
