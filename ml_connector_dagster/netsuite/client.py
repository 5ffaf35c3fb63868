"""Reads a NetSuite account with SuiteQL: windows of changed records by keyset (offset always 0, so past the
100,000-row ceiling), child rows of many parents at once, and the sensors' cheap first-change look-up.

How windows stay exact in the account's local time, daylight saving included, is told in suiteql.py.
"""

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from itertools import chain
from typing import Any

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.http.paging import Page, PagingError, iterate_keyset
from ml_connector_dagster.http.tokens import TokenCache
from ml_connector_dagster.netsuite.auth import authorizer_for
from ml_connector_dagster.netsuite.connection import SYSTEM, NetSuiteConnection
from ml_connector_dagster.netsuite.probe import ping
from ml_connector_dagster.netsuite.suiteql import (
    CHANGED,
    CHANGED_AT,
    KEY,
    STAMP_MODEL,
    Column,
    LocalClock,
    PlainSpan,
    RepeatedSpan,
    both,
    ceil_second,
    changed_at_column,
    column_name,
    column_text,
    id_list,
    identifier,
    quote,
    select,
    timestamp,
)

SUITEQL_PATH = "/services/rest/query/v1/suiteql"
_SECOND = timedelta(seconds=1)
_DAY = timedelta(days=1)
Item = dict[str, Any]
# A row and the UTC instants its local change time may mean (one, unless the account cannot tell).
_Placed = tuple[Item, tuple[datetime, ...]]


class NetSuiteClient:
    def __init__(
        self,
        connection: NetSuiteConnection,
        token_cache: TokenCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.connection = connection
        authorizer, self.tokens = authorizer_for(connection, token_cache, sleep)
        self.http = ApiClient(
            SYSTEM,
            connection.base_url,
            authorizer,
            retry=connection.retry,
            timeout_seconds=connection.timeout_seconds,
            sleep=sleep,
            max_concurrent_requests=connection.max_concurrent_requests,
        )
        self.clock = LocalClock(connection.zone)

    def close(self) -> None:
        self.http.close()
        if self.tokens is not None:
            self.tokens.close()

    def ping(self) -> list[str]:
        """Logs in, lists the tables the connector needs that the account lacks and the time zone in use;
        raises CheckFailed naming the settings to fix."""
        return ping(self.query_page, self.connection)

    def query_page(self, q: str, limit: int, offset: int = 0) -> Page[Item]:
        """One page of a SuiteQL query, items without their empty `links`, values as NetSuite sent them."""
        response = self.http.send(
            "POST",
            SUITEQL_PATH,
            write=False,  # a query changes nothing: retried like any read
            params={"limit": limit, "offset": offset},
            content=json.dumps({"q": q}).encode("utf-8"),
            headers={"Prefer": "transient", "Content-Type": "application/json"},
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise RequestRejected(SYSTEM, f"POST {SUITEQL_PATH} answered without an items list", response.status_code)
        items = [{name: value for name, value in item.items() if name != "links"} for item in body["items"]]
        return Page(items=items, has_more=bool(body.get("hasMore")), advance=len(items))

    def iter_window(
        self, table: str, columns: Sequence[Column], lo: datetime, hi: datetime, where: str | None = None
    ) -> Iterator[Item]:
        """Rows whose lastmodifieddate lies in [lo, hi) (aware datetimes), each with `id`, `columns` as sent,
        and CHANGED_AT as the UTC instant. Oldest first, except within a repeated daylight-saving hour, which
        comes in id order. `where` is SuiteQL ANDed to the window (build its values with suiteql.quote)."""
        _require_aware(lo, hi)
        selected = [KEY, changed_at_column(), *(column_text(column) for column in columns if column != KEY)]
        for segment in self.clock.segments(lo, hi):
            placed = (
                self._plain(table, selected, segment, where)
                if isinstance(segment, PlainSpan)
                else self._repeated(table, selected, segment, where)
            )
            for row, readings in placed:
                inside = [instant for instant in readings if lo <= instant < hi]
                if inside:
                    # Two readings inside: the row is this window's either way. The earlier is taken so that
                    # every read of this window stamps it alike and dedupe by (key, version) holds.
                    yield {**row, CHANGED_AT: inside[0]}

    def first_change(self, table: str, instant: datetime) -> datetime | None:
        """The earliest change time at or after `instant`, or None: one request of one row for a sensor.
        A change in a repeated hour the account cannot place counts at its earliest possible reading."""
        _require_aware(instant)
        start = instant
        for first, last in self.clock.repeated_spans(instant, ceil_second(instant) + _SECOND):
            # The instant falls in a repeated hour: only the span's own read can say what lies after it there.
            later = [
                each for _, readings in self._span_rows(table, first, last) for each in readings if each >= instant
            ]
            if later:
                return min(later)
            start = last
        q = select(table, [KEY, changed_at_column()], self.clock.at_least(ceil_second(start)), f"{CHANGED}, {KEY}")
        page = self.query_page(q, 1)
        if not page.items:
            return None
        readings = [r for r in self._readings(page.items[0]) if r >= instant]
        return min(readings) if readings else None

    def rows_for(
        self,
        table: str,
        column: str,
        ids: Iterable[int | str],
        columns: Sequence[Column],
        key: Sequence[str] = (KEY,),
    ) -> Iterator[Item]:
        """Rows of `table` whose `column` is one of `ids` (lines of many headers): IN lists of at most
        in_list_size ids, each read by keyset on (`column`, *`key`), which must be unique within one parent
        (transactionline: id; transactionaccountingline: transactionline)."""
        order = [identifier(column), *(identifier(name) for name in key)]
        named = set(order)
        selected = [*order, *(column_text(c) for c in columns if column_name(c) not in named)]
        for chunk in _chunks(ids, self.connection.in_list_size):
            members = f"{column} IN ({id_list(chunk)})"
            yield from self._keyset(table, selected, members, order)

    def iter_all(self, table: str, columns: Sequence[Column]) -> Iterator[Item]:
        """Every row of a small table (reference records), by keyset on id."""
        selected = [KEY, *(column_text(column) for column in columns if column != KEY)]
        return self._keyset(table, selected, "", [KEY])

    def iter_deleted(self, type_name: str, lo: datetime, hi: datetime) -> Iterator[tuple[int, datetime]]:
        """(record id, UTC deletion time) of the records of deletedrecord.type `type_name` deleted in [lo, hi).

        Deletions are few, so the query asks a day more on each side, which no daylight-saving change can
        straddle, pages by recordid alone, and places each row by its local time here."""
        _require_aware(lo, hi)
        wide = both(
            f"type = {quote(type_name)}",
            f"deleteddate >= {timestamp(self.clock.name(lo - _DAY))}",
            f"deleteddate < {timestamp(self.clock.name(hi + _DAY))}",
        )
        selected = ["recordid", f"TO_CHAR(deleteddate, {quote(STAMP_MODEL)}) AS {CHANGED_AT}"]
        for row in self._keyset("deletedrecord", selected, wide, ["recordid"]):
            inside = [instant for instant in self._readings(row) if lo <= instant < hi]
            if inside:
                yield int(row["recordid"]), inside[0]

    # --- reading ------------------------------------------------------------------------------------------

    def _plain(self, table: str, selected: list[str], segment: PlainSpan, where: str | None) -> Iterator[_Placed]:
        def fetch(cursor: tuple[datetime, int] | None) -> Page[Item]:
            after = None if cursor is None else self.clock.after(*cursor)
            q = select(table, selected, both(segment.bounds, where, after), f"{CHANGED}, {KEY}")
            page = self.query_page(q, self.connection.page_size)
            return Page([{**item, CHANGED_AT: self._inside(item, segment)} for item in page.items], page.has_more)

        rows = iterate_keyset(fetch, lambda item: (item[CHANGED_AT], int(item[KEY])), f"netsuite {table}")
        return ((row, (row[CHANGED_AT],)) for row in rows)

    def _repeated(self, table: str, selected: list[str], span: RepeatedSpan, where: str | None) -> Iterator[_Placed]:
        """The span's rows with their readings, placed by which part of the span they came from."""

        def part(condition: str) -> Iterator[Item]:
            return self._keyset(table, selected, both(condition, where), [KEY])

        saw_earlier = False
        for row in part(span.before_first()):
            saw_earlier = True
            yield row, self._readings(row)[:1]
        later = part(span.after_last())
        first_later = next(later, None)
        if saw_earlier and first_later is not None:
            raise PagingError(
                f"netsuite {table}: rows lie both before and after TO_TIMESTAMP of {span.first}..{span.last}; "
                "the account contradicts itself on the repeated hour"
            )
        for row in part(span.named()):
            readings = self._readings(row)
            if saw_earlier:
                yield row, readings[-1:]
            elif first_later is not None:
                yield row, readings[:1]
            else:
                yield row, readings
        if first_later is not None:
            for row in chain([first_later], later):
                yield row, self._readings(row)[-1:]

    def _span_rows(self, table: str, first: datetime, last: datetime) -> Iterator[_Placed]:
        span = next(s for s in self.clock.segments(first, last) if isinstance(s, RepeatedSpan))
        return self._repeated(table, [KEY, changed_at_column()], span, None)

    def _keyset(self, table: str, selected: list[str], condition: str, order: list[str]) -> Iterator[Item]:
        """Rows matching `condition` by keyset on the integer columns `order`, unique together."""

        def fetch(cursor: tuple[int, ...] | None) -> Page[Item]:
            after = None if cursor is None else _after(order, cursor)
            q = select(table, selected, both(condition, after), ", ".join(order))
            return self.query_page(q, self.connection.page_size)

        def cursor_of(item: Item) -> tuple[int, ...]:
            try:
                return tuple(int(item[name]) for name in order)
            except (KeyError, TypeError, ValueError):
                raise PagingError(f"netsuite {table}: a row without integer {', '.join(order)}: {item}") from None

        return iterate_keyset(fetch, cursor_of, f"netsuite {table}")

    def _readings(self, item: Item) -> tuple[datetime, ...]:
        text = item.get(CHANGED_AT)
        readings = self.clock.readings(text) if isinstance(text, str) else ()
        if not readings:
            raise PagingError(
                f"netsuite: {CHANGED_AT} {text!r} of row {item.get(KEY)} is no time in {self.clock.zone.key}: "
                "is account_timezone the account's own time zone?"
            )
        return readings

    def _inside(self, item: Item, segment: PlainSpan) -> datetime:
        """The one reading of a row's change time inside a segment whose local names are unique."""
        inside = [instant for instant in self._readings(item) if segment.start <= instant < segment.end]
        if len(inside) != 1:
            raise PagingError(
                f"netsuite: {CHANGED_AT} {item.get(CHANGED_AT)!r} of row {item.get(KEY)} is not within "
                f"[{segment.start.isoformat()}, {segment.end.isoformat()}) in {self.clock.zone.key}: "
                "is account_timezone the account's own time zone?"
            )
        return inside[0]


def _require_aware(*moments: datetime) -> None:
    if any(moment.tzinfo is None for moment in moments):
        raise ValueError("NetSuite reads take timezone-aware datetimes; the account's zone is applied here")


def _after(order: list[str], cursor: tuple[int, ...]) -> str:
    """`(a, b) > (x, y)` spelled out: `a > x OR (a = x AND b > y)`."""
    terms = []
    for index, name in enumerate(order):
        equal = [f"{order[n]} = {cursor[n]}" for n in range(index)]
        terms.append(" AND ".join([*equal, f"{name} > {cursor[index]}"]))
    return " OR ".join(f"({term})" for term in terms)


def _chunks(ids: Iterable[int | str], size: int) -> Iterator[list[int | str]]:
    chunk: list[int | str] = []
    for each in ids:
        chunk.append(each)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
