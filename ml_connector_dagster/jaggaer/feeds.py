"""JAGGAER as a source of records, in the shape the sync engine reads (`sync/ports.py` SourceFeed).

Receipts, PO acknowledgments and supplier-submitted invoices, read in modified-time windows [lo, hi) by keyset
on their id (listing.py). A tenant without a modified-time filter is read in full each window, kept to the
window by each document's own modified time; the engine's ledger drops the versions it has already seen.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from ml_connector_dagster.jaggaer.client import JaggaerClient
from ml_connector_dagster.records import Invoice, POAcknowledgment, Receipt

Record = TypeVar("Record", Receipt, POAcknowledgment, Invoice)
Converted = TypeVar("Converted", Receipt, POAcknowledgment, Invoice, covariant=True)


class _Reading(Protocol[Converted]):
    def changed(self, lo: datetime, hi: datetime) -> Iterator[dict[str, Any]]: ...

    def first_change(self, at: datetime) -> datetime | None: ...

    def convert(self, raw: dict[str, Any]) -> tuple[Converted, list[str]]: ...

    def record_key(self, raw: dict[str, Any]) -> str: ...


class _JaggaerFeed(Generic[Record]):
    system = "jaggaer"
    entity: str
    snapshot = False
    reading: _Reading[Record]

    def __init__(self, client: JaggaerClient) -> None:
        self.client = client

    def changed(self, lo: datetime, hi: datetime) -> Iterator[dict[str, Any]]:
        """Documents modified in [lo, hi) in id order (about oldest first: ids grow with creation)."""
        return self.reading.changed(lo, hi)

    def convert(self, raw: dict[str, Any]) -> tuple[Record, list[str]]:
        return self.reading.convert(raw)

    def record_key(self, raw: dict[str, Any]) -> str:
        return self.reading.record_key(raw)

    def natural_key(self, record: Record) -> str:
        return record.natural_key

    def version(self, record: Record) -> datetime:
        return record.version

    def first_change_at_or_after(self, instant: datetime) -> datetime | None:
        return self.reading.first_change(instant)


class JaggaerReceiptFeed(_JaggaerFeed[Receipt]):
    entity = "receipts"

    def __init__(self, client: JaggaerClient) -> None:
        super().__init__(client)
        self.reading = client.receipts


class JaggaerAcknowledgmentFeed(_JaggaerFeed[POAcknowledgment]):
    entity = "acknowledgments"

    def __init__(self, client: JaggaerClient) -> None:
        super().__init__(client)
        self.reading = client.acknowledgments


class JaggaerInvoiceFeed(_JaggaerFeed[Invoice]):
    entity = "payables_invoices"

    def __init__(self, client: JaggaerClient) -> None:
        super().__init__(client)
        self.reading = client.invoices.reading

    def raw_natural_key(self, raw: dict[str, Any]) -> str | None:
        return self.reading.natural_key(raw)
