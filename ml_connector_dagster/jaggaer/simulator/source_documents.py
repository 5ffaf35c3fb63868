"""Collections the connector only reads from the simulated tenant: receipts and PO acknowledgments.

Suppliers and buyers make these in JAGGAER's own screens, so there is no write route: tests add and edit them
through the simulator object, and every change stamps a new `lastUpdate`. Lists are in id order.
"""

import itertools
from collections.abc import Hashable, Iterable, Mapping
from datetime import datetime
from typing import Any

from ml_connector_dagster.jaggaer.simulator.collection import Collection
from ml_connector_dagster.jaggaer.simulator.errors import J1PError
from ml_connector_dagster.jaggaer.simulator.fiql import FilterField, Term, parse_time
from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings

RECEIPT_FILTER_FIELDS = {
    "receiptId": FilterField(("receiptId",), int),
    "receiptNumber": FilterField(("receiptNumber",)),
    "supplierNumber": FilterField(("supplier", "supplierNumber")),
    "lastUpdate": FilterField(("lastUpdate",), parse_time),
}
ACKNOWLEDGMENT_FILTER_FIELDS = {
    "acknowledgmentId": FilterField(("acknowledgmentId",), int),
    "poNumber": FilterField(("poNumber",)),
    "lastUpdate": FilterField(("lastUpdate",), parse_time),
}


class SourceDocumentStore:
    """One read-only collection: documents by server id, indexed by `key_member` for `==` and `=in=` filters."""

    def __init__(self, settings: JaggaerSimSettings, noun: str, first_id: int, id_member: str, key_member: str) -> None:
        self._settings = settings
        self._noun = noun
        self._key_member = key_member
        # A document the tests stored without its key (to show a bad one) is indexed under None.
        self.collection = Collection(first_id, id_member, lambda d: d.get(key_member), "lastUpdate")

    def add(self, document: dict[str, Any], at: datetime | None = None) -> int:
        return self.collection.create(document, at)

    def edit(self, document_id: int, changes: Mapping[str, Any], at: datetime | None = None) -> None:
        """Merges top-level members into the document (a `lineList` replaces the lines) and stamps it anew."""
        with self.collection.lock:
            self.get(document_id)
            self.collection.edit(document_id, dict(changes), at)

    def get(self, document_id: int) -> dict[str, Any]:
        found = self.collection.get(document_id)
        if found is None:
            raise self.not_found(document_id)
        return found

    def not_found(self, document_id: object) -> J1PError:
        return J1PError(self._settings.not_found_code, f"{self._noun} {document_id} not found")

    def page(self, terms: list[Term], start: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        total, documents = self.collection.page(terms, start, limit, self._index)
        self.collection.edit_after_read(documents, self._settings.edits_during_read)
        return total, documents

    def _index(self, terms: list[Term]) -> list[Hashable] | None:
        return next((list(t.values) for t in terms if t.equal_values((self._key_member,))), None)


def receipt_document(
    receipt_number: str, supplier_number: str | None, lines: Iterable[Mapping[str, Any]], **members: Any
) -> dict[str, Any]:
    """A receipt as JAGGAER holds it, from lines named like the canonical ones (po_number, po_line_number,
    po_schedule_number, quantity or amount, uom); `members` add or replace header members."""
    numbers = itertools.count(1)
    receipt_lines = [
        {
            "lineNumber": line.get("line_number", next(numbers)),
            "poNumber": line["po_number"],
            "poLineNumber": line.get("po_line_number", 1),
            "poScheduleNumber": line.get("po_schedule_number", 1),
            **{name: line[name] for name in ("quantity", "amount") if line.get(name) is not None},
            "uom": line.get("uom", "Each"),
        }
        for line in lines
    ]
    return {
        "receiptNumber": receipt_number,
        "supplier": {"supplierNumber": supplier_number},
        "receivedDate": "2026-01-15",
        "status": "Received",
        "lineList": {"receiptLine": receipt_lines},
        **members,
    }


def acknowledgment_document(
    po_number: str, status: str, comment: str | None, lines: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """A PO acknowledgment as JAGGAER holds it, from lines named po_line_number, po_schedule_number, status,
    comment (a line's status defaults to the order's)."""
    acknowledgment_lines = [
        {
            "poLineNumber": line["po_line_number"],
            "poScheduleNumber": line.get("po_schedule_number", 1),
            "status": line.get("status", status),
            "comment": line.get("comment"),
        }
        for line in lines
    ]
    return {
        "poNumber": po_number,
        "status": status,
        "comment": comment,
        "lineList": {"acknowledgmentLine": acknowledgment_lines},
    }
