"""What the engine needs from a system: a feed of changed records at the source, a sink at the target."""

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from pydantic import BaseModel


class Deletion(NamedTuple):
    """A record the source deleted at `at`, as a feed yields it among the raw records of its window.

    The source no longer holds the record, so the engine stages the last version it read, marked deleted by
    the feed's `tombstone` (a supplier deactivated, a document cancelled) under the deletion time as its
    version: the post then applies it like any change, never over a newer version."""

    source_key: str
    at: datetime


class SourceFeed(Protocol):
    system: str
    entity: str
    # A snapshot feed has no change time at the source: `changed` reads everything, and the engine stamps each
    # record with the window's end as its version (see sync/pull.py).
    snapshot: bool

    def changed(self, lo: datetime, hi: datetime) -> Iterator[dict[str, Any] | Deletion]:
        """Raw records whose source version lies in [lo, hi), oldest first; every record for a snapshot feed.
        A feed that reads deletions yields them too, and then implements `DeletingFeed.tombstone`."""
        ...

    def convert(self, raw: dict[str, Any]) -> tuple[BaseModel, list[str]]:
        """The canonical record and the optional source attributes it lacked (`<resource>.<attribute>`, once
        per row lacking it); raises InvalidRecord naming the record and field."""
        ...

    def record_key(self, raw: dict[str, Any]) -> str: ...

    def natural_key(self, record: BaseModel) -> str: ...

    def version(self, record: BaseModel) -> datetime: ...


class DeletingFeed(SourceFeed, Protocol):
    def tombstone(self, payload: str, deletion: Deletion) -> BaseModel:
        """The record staged last (its JSON payload) as the source's deletion leaves it at the target."""
        ...


class EchoingFeed(SourceFeed, Protocol):
    """A feed that reads back what other flows write to its system (an invoice the connector imported into
    JAGGAER is listed with the supplier-submitted ones): it names a raw record's natural key before converting
    it, so an echo is recognised even when it would not convert."""

    def raw_natural_key(self, raw: dict[str, Any]) -> str | None: ...


class TargetSink(Protocol):
    system: str
    record_type: type[BaseModel]
    concurrency: int  # writes the engine may have in flight at once (never two of one key)
    bulk_lookup: bool  # whether `find_ids` should be asked before writing records with no known target id

    def find_ids(self, natural_keys: Sequence[str]) -> dict[str, str]:
        """Target ids of the records that already exist, by natural key, looked up many at a time."""
        ...

    def write(self, record: BaseModel, known_id: str | None, looked_up: bool = False) -> str:
        """Creates or updates the record idempotently; returns the target's id. Called from several threads.

        `looked_up`: `known_id` comes from a lookup just made, so None means the record is not there.
        Raises NothingToWrite when the record needs no document at the target."""
        ...

    def target_state(self, record: BaseModel) -> str | None:
        """ "active" or "inactive" for records other flows depend on (suppliers, custom-field values), else None."""
        ...


class SideRecord(NamedTuple):
    """A reference record as one system holds it: the shared view, and when that system last changed it (None
    when it does not say)."""

    view: BaseModel
    changed_at: datetime | None


class ReferenceSide(Protocol):
    """One system's half of a two-way reference entity (records/shared.py views)."""

    system: str
    # False when the system offers no way to write this entity (the other system is then its only source).
    writable: bool

    def read_all(self) -> dict[str, SideRecord]:
        """Every record, by the view's key."""
        ...

    def write(self, view: BaseModel, current: BaseModel | None) -> None:
        """Makes this system hold `view`. `current` is what it holds now (read this cycle), None when it holds no
        such record. Writes only what differs; raises RequestRejected naming the record and field when the
        system refuses, or when it cannot hold the change (e.g. a record it cannot create)."""
        ...
