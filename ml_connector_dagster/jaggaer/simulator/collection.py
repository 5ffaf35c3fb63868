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
        self._requests = 0
        self._last_time = datetime.min.replace(tzinfo=UTC)

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

    def create(self, document: dict[str, Any]) -> int:
        with self.lock:
            document_id = next(self._ids)
            self._store(document_id, document)
            return document_id

    def replace(self, document_id: int, document: dict[str, Any]) -> None:
        with self.lock:
            previous = self._documents[document_id]
            self._by_key[self._key_of(previous)].remove(document_id)
            self._store(document_id, document)

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
            )

    def reset(self) -> None:
        """Forgets documents and counts; ids keep rising so a stale id never names a new document."""
        with self.lock:
            self._documents.clear()
            self._by_key.clear()
            self._writes = 0
            self._requests = 0

    def _store(self, document_id: int, document: dict[str, Any]) -> None:
        # Strictly increasing, so every write moves the modified time and `>=` windows see every change.
        now = max(datetime.now(UTC), self._last_time + timedelta(milliseconds=1))
        self._last_time = now
        stamped = {**copy.deepcopy(document), self._id_member: document_id, self._time_member: format_time(now)}
        self._documents[document_id] = stamped
        self._by_key.setdefault(self._key_of(stamped), []).append(document_id)
        self._writes += 1
