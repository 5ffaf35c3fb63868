"""One simulated J1P collection: documents by server id, indexed by their natural key, stamped on every write.

Thread-safe: the app serves from uvicorn's thread while tests inspect from theirs. Callers that read, decide
and write (an upsert) hold `lock` around all three.
"""

import copy
import itertools
import threading
from collections.abc import Callable, Hashable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from ml_connector_dagster.jaggaer.simulator.fiql import Term, format_time


class CollectionStats(BaseModel):
    stored: int
    distinct_keys: int
    duplicates: int
    writes: int
    requests: int
    # Of `writes`, those that changed nothing stored (and so left the modified time alone).
    unchanged_writes: int = 0


class Collection:
    def __init__(
        self, first_id: int, id_member: str, key_of: Callable[[dict[str, Any]], Hashable], time_member: str
    ) -> None:
        self.lock = threading.RLock()
        self._id_member = id_member
        self._time_member = time_member
        self._key_of = key_of
        self._documents: dict[int, dict[str, Any]] = {}
        # Key → ids: lookups by key must not scan every document.
        self._by_key: dict[Hashable, list[int]] = {}
        self._ids = itertools.count(first_id)
        self._writes = 0
        self._unchanged_writes = 0
        self._requests = 0
        self._last_time = datetime.min.replace(tzinfo=UTC)
        # Documents `edit_after_read` has edited: each once, as a user would.
        self._edited_during_read: set[int] = set()

    def count_request(self) -> None:
        with self.lock:
            self._requests += 1

    def ids_with(self, key: Hashable) -> list[int]:
        with self.lock:
            return list(self._by_key.get(key, []))

    def get(self, document_id: int) -> dict[str, Any] | None:
        with self.lock:
            found = self._documents.get(document_id)
            return None if found is None else copy.deepcopy(found)

    def create(self, document: dict[str, Any], at: datetime | None = None) -> int:
        """Stores a new document stamped now, or at `at` (a change made earlier, for tests of past windows)."""
        with self.lock:
            document_id = next(self._ids)
            self._store(document_id, document, at)
            return document_id

    def replace(self, document_id: int, document: dict[str, Any], at: datetime | None = None) -> None:
        with self.lock:
            previous = self._documents[document_id]
            self._by_key[self._key_of(previous)].remove(document_id)
            self._store(document_id, document, at)

    def update(self, document_id: int, document: dict[str, Any]) -> None:
        """A client's write over a stored document (without server members): one that changes nothing is
        counted as unchanged and does not move the modified time, so a two-way reader sees no change in it."""
        with self.lock:
            stored = self._documents[document_id]
            server = (self._id_member, self._time_member)
            if {name: value for name, value in stored.items() if name not in server} != document:
                self.replace(document_id, document)
                return
            self._writes += 1
            self._unchanged_writes += 1

    def edit(self, document_id: int, changes: dict[str, Any], at: datetime | None = None) -> None:
        """Merges `changes` into the document's top-level members and stamps it anew (now, or at `at`);
        KeyError when absent."""
        with self.lock:
            self.replace(document_id, {**self._documents[document_id], **changes}, at)

    def edit_after_read(self, served: list[dict[str, Any]], count: int) -> None:
        """Users editing up to `count` of the documents a list page just served: they leave the window read."""
        with self.lock:
            ids = [d[self._id_member] for d in served if d[self._id_member] not in self._edited_during_read]
            for document_id in ids[:count]:
                if document_id in self._documents:
                    self._edited_during_read.add(document_id)
                    self.edit(document_id, {})

    def page(
        self, terms: list[Term], start: int, limit: int, index: Callable[[list[Term]], list[Hashable] | None]
    ) -> tuple[int, list[dict[str, Any]]]:
        """The total matching and the `limit` documents from 1-based `start`, in id order. `index` names the
        keys the terms pin, when they pin any, so a lookup reads only those documents."""
        with self.lock:
            keys = index(terms)
            if keys is None:
                candidates = list(self._documents.values())
            else:
                ids = sorted({found for key in keys for found in self._by_key.get(key, [])})
                candidates = [self._documents[found] for found in ids]
            matching = [d for d in candidates if all(term.matches(d) for term in terms)]
            return len(matching), copy.deepcopy(matching[start - 1 : start - 1 + limit])

    def documents(self) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(list(self._documents.values()))

    def stats(self) -> CollectionStats:
        with self.lock:
            stored = len(self._documents)
            distinct = sum(1 for ids in self._by_key.values() if ids)
            return CollectionStats(
                stored=stored,
                distinct_keys=distinct,
                duplicates=stored - distinct,
                writes=self._writes,
                requests=self._requests,
                unchanged_writes=self._unchanged_writes,
            )

    def reset(self) -> None:
        """Forgets documents and counts; ids keep rising so a stale id never names a new document."""
        with self.lock:
            self._documents.clear()
            self._by_key.clear()
            self._edited_during_read.clear()
            self._writes = 0
            self._unchanged_writes = 0
            self._requests = 0

    def _store(self, document_id: int, document: dict[str, Any], at: datetime | None = None) -> None:
        if at is not None:
            now = at.astimezone(UTC)
        else:
            # Strictly increasing, so every write moves the modified time and `>=` windows see every change.
            now = max(datetime.now(UTC), self._last_time + timedelta(milliseconds=1))
            self._last_time = now
        stamped = {**copy.deepcopy(document), self._id_member: document_id, self._time_member: format_time(now)}
        self._documents[document_id] = stamped
        self._by_key.setdefault(self._key_of(stamped), []).append(document_id)
        self._writes += 1
