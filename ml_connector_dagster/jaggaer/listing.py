"""Reading J1P lists: one paging walk for every collection, one windowed read of what changed, and FIQL lookups
by key in few requests.

A window is read by keyset on the collection's id (J1P lists come in id order): each page is asked from
start=1 for ids after the last one read, so a document edited mid-read, which leaves the window, never shifts
what is left to read. Offset paging (keyset_filter None) skips one document for every such edit.
"""

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.http.paging import Page, iterate_keyset, iterate_pages
from ml_connector_dagster.jaggaer.answers import Document, checked, identifier, list_page
from ml_connector_dagster.jaggaer.connection import SYSTEM, JaggaerConnection

Item = TypeVar("Item")
_FIQL_PLAIN = re.compile(r"[A-Za-z0-9._~-]+")
# The open end of "modified at or after": J1P filters need both bounds when the template names both.
_END_OF_TIME = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)


def list_paths(configured: str, default: str) -> tuple[tuple[str, ...], ...]:
    """Where list answers hold their documents: the configured place, then the default when it differs."""
    return tuple(dict.fromkeys((tuple(configured.split(".")), tuple(default.split(".")))))


def iter_listed(
    http: ApiClient,
    path: str,
    places: Sequence[tuple[str, ...]],
    page_size: int,
    flt: str | None,
    read: Callable[[Document, int], Item],
    what: str,
) -> Iterator[Item]:
    """Every listed document, read by `read(document, position)` (1-based, as J1P's `start` counts)."""

    def fetch(start: int) -> Page[Item]:
        params: dict[str, str | int] = {"start": start, "limit": page_size}
        if flt:
            params["flt"] = flt
        page = list_page(checked(http.get_json(path, params), "list"), places, start)
        has_more = start - 1 + page.returned < page.total
        if has_more and page.returned <= 0:
            raise RequestRejected(
                SYSTEM, f"list answer at start {start} returned no documents but reports {page.total} in all"
            )
        items = [read(item, start + offset) for offset, item in enumerate(page.items)]
        return Page(items=items, has_more=has_more, advance=page.returned)

    return iterate_pages(fetch, 1, f"jaggaer {what}")


def lookup_chunks(values: Sequence[str], batch_size: int) -> list[list[str]]:
    """Distinct values in groups for `=in=` lists; a value with FIQL punctuation in it is asked for alone."""
    wanted = list(dict.fromkeys(values))
    listable = [value for value in wanted if _FIQL_PLAIN.fullmatch(value)]
    chunks = [[value] for value in wanted if not _FIQL_PLAIN.fullmatch(value)]
    chunks += [listable[start : start + batch_size] for start in range(0, len(listable), batch_size)]
    return chunks


def fiql_value(value: str) -> str:
    # Quoted, a value's `;` and `,` are not read as FIQL's; J1P values hold no double quote to escape.
    return value if _FIQL_PLAIN.fullmatch(value) else f'"{value}"'


def fiql_filter(field: str, chunk: Sequence[str]) -> str:
    if len(chunk) == 1:
        return f"{field}=={fiql_value(chunk[0])}"
    return f"{field}=in=({','.join(chunk)})"


def oldest_first(target_id: str) -> tuple[int, int, str]:
    """Sort key of target ids: numeric ids grow with creation; anything else sorts after them, as text."""
    return (0, int(target_id), "") if target_id.isascii() and target_id.isdigit() else (1, 0, target_id)


def first_listed(
    http: ApiClient,
    path: str,
    places: Sequence[tuple[str, ...]],
    flt: str | None,
    read: Callable[[Document, int], Item],
) -> tuple[int, Item | None]:
    """How many documents the list holds, and the first of them: what `ping` reads."""
    params: dict[str, str | int] = {"start": 1, "limit": 1}
    if flt:
        params["flt"] = flt
    page = list_page(checked(http.get_json(path, params), "list"), places, 1)
    return page.total, read(page.items[0], 1) if page.items else None


def fiql_time(instant: datetime) -> str:
    """ISO-8601 UTC with milliseconds and Z, as J1P stamps documents. Rounded up to the millisecond: documents
    carry milliseconds, so `>= lo` and `< hi` then select exactly the documents in [lo, hi)."""
    utc = instant.astimezone(UTC)
    if utc.microsecond % 1000:
        utc += timedelta(microseconds=1000 - utc.microsecond % 1000)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def document_time(document: Document, place: Sequence[str]) -> datetime | None:
    """The ISO-8601 time at `place` in aware UTC (a time without an offset is read as UTC, as J1P stamps), or
    None when absent or unreadable."""
    value: Any = document
    for part in place:
        value = value.get(part) if isinstance(value, dict) else None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class WindowFilter:
    """How one collection's windows are asked for: the connection's FIQL templates and the fields they name."""

    modified_filter: str | None  # {lo} {hi}; None: no modified-time filter, a window is a full read
    keyset_filter: str | None  # {field} {after}; None: offset paging
    id_field: str
    modified_time_field: str  # dotted

    @classmethod
    def of(cls, connection: JaggaerConnection, id_field: str) -> "WindowFilter":
        c = connection
        return cls(c.modified_filter, c.keyset_filter, id_field, c.modified_time_field)

    @property
    def time_place(self) -> tuple[str, ...]:
        return tuple(self.modified_time_field.split("."))

    def range(self, lo: datetime, hi: datetime) -> str | None:
        if self.modified_filter is None:
            return None
        return self.modified_filter.format(lo=fiql_time(lo), hi=fiql_time(hi))

    def after(self, document_id: str) -> str:
        assert self.keyset_filter is not None
        return self.keyset_filter.format(field=self.id_field, after=fiql_value(document_id))

    def holds(self, document: Document, lo: datetime, hi: datetime) -> bool:
        """Whether a fully read document belongs to [lo, hi). One whose modified time is unreadable belongs to
        every window, so its conversion quarantines it naming the field instead of it vanishing."""
        at = document_time(document, self.time_place)
        return at is None or lo <= at < hi


def _joined(*terms: str | None) -> str | None:
    return ";".join(term for term in terms if term) or None


def iter_window(
    http: ApiClient,
    path: str,
    places: Sequence[tuple[str, ...]],
    page_size: int,
    window: WindowFilter,
    lo: datetime,
    hi: datetime,
    read: Callable[[Document, int], Item],
) -> Iterator[Item]:
    """The documents modified in [lo, hi), in id order, each read by `read(document, n)` (n counts from 1).

    Without a modified-time filter every document is read and kept by its own modified time.
    """
    flt = window.range(lo, hi)
    what = f"jaggaer {path}"
    documents: Iterator[Document]
    if window.keyset_filter is None:
        documents = iter_listed(http, path, places, page_size, flt, as_listed, path)
    else:

        def cursor_of(document: Document) -> tuple[int, int, str]:
            return oldest_first(identifier(document, ((window.id_field,),), window.id_field, f"{path} item"))

        def fetch(cursor: tuple[int, int, str] | None) -> Page[Document]:
            after = None if cursor is None else window.after(str(cursor[1]) if cursor[0] == 0 else cursor[2])
            params: dict[str, str | int] = {"start": 1, "limit": page_size}
            joined = _joined(flt, after)
            if joined:
                params["flt"] = joined
            page = list_page(checked(http.get_json(path, params), "list"), places, 1)
            return Page(items=page.items, has_more=page.returned < page.total)

        documents = iterate_keyset(fetch, cursor_of, what)
    if flt is None:
        documents = (document for document in documents if window.holds(document, lo, hi))
    for number, document in enumerate(documents, start=1):
        yield read(document, number)


def first_change(
    http: ApiClient, path: str, places: Sequence[tuple[str, ...]], page_size: int, window: WindowFilter, at: datetime
) -> datetime | None:
    """The earliest modified time at or after `at`, or None.

    J1P lists come in id order, not in modified order: the first document listed is a change, not necessarily
    the earliest. So the question is asked again below each answer until none is earlier: one `limit=1`
    request when ids and changes agree (the usual case), one more per older document edited since. Without a
    modified-time filter this is the minimum of a full read.
    """
    if window.modified_filter is None:
        times = iter_window(
            http, path, places, page_size, window, at, _END_OF_TIME, lambda d, _: document_time(d, window.time_place)
        )
        return min((found for found in times if found is not None), default=None)
    earliest: datetime | None = None
    below = _END_OF_TIME
    while True:
        params: dict[str, str | int] = {"start": 1, "limit": 1, "flt": str(window.range(at, below))}
        page = list_page(checked(http.get_json(path, params), "list"), places, 1)
        if not page.items:
            return earliest
        found = document_time(page.items[0], window.time_place)
        if found is None or found <= at:
            # Nothing can be earlier than `at` itself; an unreadable time is placed there, to be safe.
            return at
        earliest = below = found


@dataclass(frozen=True)
class WindowedList:
    """One J1P collection read in modified-time windows: what a SourceFeed asks of it."""

    http: ApiClient
    path: str
    places: tuple[tuple[str, ...], ...]
    page_size: int
    window: WindowFilter

    def changed(self, lo: datetime, hi: datetime) -> Iterator[Document]:
        return iter_window(self.http, self.path, self.places, self.page_size, self.window, lo, hi, as_listed)

    def first_change(self, at: datetime) -> datetime | None:
        return first_change(self.http, self.path, self.places, self.page_size, self.window, at)

    def first(self, flt: str | None = None) -> tuple[int, Document | None]:
        return first_listed(self.http, self.path, self.places, flt, as_listed)


class WindowedReading:
    """What every collection read from JAGGAER shares: its list, read in modified-time windows and paged by
    its id field. Subclasses convert the documents."""

    def __init__(
        self,
        http: ApiClient,
        connection: JaggaerConnection,
        path: str,
        list_path: str,
        default_list_path: str,
        id_field: str,
    ) -> None:
        self.connection = connection
        self.id_field = id_field
        places = list_paths(list_path, default_list_path)
        self.list = WindowedList(http, path, places, connection.page_size, WindowFilter.of(connection, id_field))

    def changed(self, lo: datetime, hi: datetime) -> Iterator[Document]:
        """The documents modified in [lo, hi), as JAGGAER sent them, in id order."""
        return self.list.changed(lo, hi)

    def first_change(self, at: datetime) -> datetime | None:
        return self.list.first_change(at)


def as_listed(document: Document, _: int) -> Document:
    """The listed document itself, as a list reader."""
    return document
