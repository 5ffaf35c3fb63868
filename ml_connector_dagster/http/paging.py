"""The paging loops, written once: every system describes its envelope as a Page, these walk them.

Offset paging (`iterate_pages`) is for small, stable collections: a purchase order's lines, a target's
lookup answers. A window of changed records is read by keyset (`iterate_keyset`): each page starts after the
last row read, so rows that leave the window while it is read, or share one timestamp, never shift a page.
"""

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Cursor = TypeVar("Cursor", bound=tuple[Any, ...])


@dataclass(frozen=True)
class Page(Generic[Item]):
    items: list[Item]
    has_more: bool
    advance: int = 0  # offset paging: how far the position moves, the count the server says it returned


class PagingError(RuntimeError):
    """The server's paging answers contradict themselves; reading on would loop or skip rows."""


def iterate_pages(fetch: Callable[[int], Page[Item]], start: int, what: str) -> Iterator[Item]:
    position = start
    while True:
        page = fetch(position)
        yield from page.items
        if not page.has_more:
            return
        if page.advance <= 0:
            raise PagingError(f"{what}: the server reported more rows at position {position} but returned none")
        position += page.advance


def iterate_keyset(
    fetch: Callable[[Cursor | None], Page[Item]],
    cursor_of: Callable[[Item], Cursor],
    what: str,
    after: Cursor | None = None,
) -> Iterator[Item]:
    """Pages in cursor order: `fetch(None)` reads the first page, `fetch(c)` the rows strictly after `c`;
    `after` starts past a cursor already read."""
    cursor: Cursor | None = after
    while True:
        page = fetch(cursor)
        yield from page.items
        if not page.has_more:
            return
        if not page.items:
            raise PagingError(f"{what}: the server reported more rows after {cursor} but returned none")
        following = cursor_of(page.items[-1])
        if cursor is not None and following <= cursor:
            # The server ignored the cursor or its order: the same rows would come back forever.
            raise PagingError(f"{what}: a page after {cursor} ended at {following}, not beyond it; check the order")
        cursor = following


_DONE = object()


def read_ahead(sources: Sequence[Iterator[Item]], depth: int, what: str) -> Iterator[Item]:
    """Runs each source on a thread of its own, together at most `depth` items ahead of the consumer.

    The next pages are then on their way while this one is processed, so a window costs about its slower half
    (network or processing), not their sum. Items of one source keep their order; sources interleave. A
    source's error surfaces in the consumer; a consumer that stops early (or is interrupted) stops every
    source at its next item.
    """
    buffer: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def offer(item: Any) -> bool:
        while not stopped.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce(items: Iterator[Item]) -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(_DONE)
        except BaseException as exc:  # handed to the consumer, who raises it where it makes sense
            offer(exc)

    producers = [
        threading.Thread(target=produce, args=(source,), name=f"read-ahead {what} {number}", daemon=True)
        for number, source in enumerate(sources, start=1)
    ]
    for producer in producers:
        producer.start()
    try:
        running = len(producers)
        while running:
            item = buffer.get()
            if item is _DONE:
                running -= 1
                continue
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stopped.set()
        for producer in producers:
            producer.join(timeout=30)
