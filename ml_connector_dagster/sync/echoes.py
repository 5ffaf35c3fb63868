"""Echoes: records a feed reads back that another flow of the connector wrote to the same system. An invoice the
Fusion → JAGGAER flow imported is listed by JAGGAER beside the supplier-submitted ones; read by the JAGGAER →
Fusion flow it would travel back (quarantined at best, posted to Fusion a second time at worst). A record is
an echo when a writing flow's ledger holds its natural key: written, or about to be (an open intent)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ml_connector_dagster.store import Store
from ml_connector_dagster.sync.ports import EchoingFeed


@dataclass(frozen=True)
class Writer:
    """A flow that writes to the feed's system: its source and entity name its ledger."""

    source_system: str
    entity: str

    def reason(self, system: str) -> str:
        return f"written to {system} by the connector's {self.entity} flow from {self.source_system}: not read back"


class Echoes:
    def __init__(self, store: Store, feed: EchoingFeed, writers: Sequence[Writer]) -> None:
        self._store = store
        self._feed = feed
        self._writers = tuple(writers)

    def of(self, raws: Sequence[dict[str, Any]]) -> dict[int, Writer]:
        """The writer of each raw record (by position) that is an echo; one ledger query per writer."""
        keys = {position: key for position, raw in enumerate(raws) if (key := self._feed.raw_natural_key(raw))}
        found: dict[int, Writer] = {}
        if not keys:
            return found
        for writer in self._writers:
            held = self._store.ledger.by_natural_keys(
                writer.source_system, self._feed.system, writer.entity, list(set(keys.values()))
            )
            found.update({position: writer for position, key in keys.items() if key in held and position not in found})
        return found
