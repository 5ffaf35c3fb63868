"""Looking Fusion records up by natural key before writing: many keys per `q`, each asked once per batch."""

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar

Value = TypeVar("Value")


def string_in(attribute: str, values: Iterable[str]) -> str:
    """`OrderNumber in ('A','B')`, quotes doubled as `q` literals want them."""
    literals = ",".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"{attribute} in ({literals})"


class LookupCache(Generic[Value]):
    """What the target holds for each key, asked `batch_size` keys at a time and remembered (absence too) until
    `clear`: writes of one batch that name the same purchase order or supplier ask for it once, even when they
    run side by side. The sinks clear it when a new batch starts, so a record waiting for a purchase order sees
    it on the next batch after it appears."""

    def __init__(self, fetch: Callable[[list[str]], dict[str, Value]], batch_size: int) -> None:
        self._fetch = fetch
        self._batch_size = batch_size
        self._known: dict[str, Value | None] = {}
        self._asking: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._known.clear()

    def get_many(self, keys: Sequence[str]) -> dict[str, Value]:
        """The keys the target holds; absent keys are left out."""
        wanted = list(dict.fromkeys(keys))
        with self._lock:
            mine = [key for key in wanted if key not in self._known and key not in self._asking]
            others = [self._asking[key] for key in wanted if key in self._asking]
            self._asking.update({key: threading.Event() for key in mine})
        try:
            self._ask(mine)
        finally:
            with self._lock:
                for key in mine:
                    self._asking.pop(key).set()
        for asked in others:
            asked.wait()
        with self._lock:
            # Another thread's request failed: its keys are asked again here rather than taken as absent.
            rest = [key for key in wanted if key not in self._known]
        self._ask(rest)
        with self._lock:
            return {key: value for key in wanted if (value := self._known.get(key)) is not None}

    def _ask(self, keys: list[str]) -> None:
        for start in range(0, len(keys), self._batch_size):
            chunk = keys[start : start + self._batch_size]
            found = self._fetch(chunk)
            with self._lock:
                self._known.update({key: found.get(key) for key in chunk})
