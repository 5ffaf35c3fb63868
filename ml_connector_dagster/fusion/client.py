"""Reads Oracle Fusion REST collections: pinned framework version, keyset-paged windows with children expanded,
and small collections without a change time read whole."""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from itertools import chain
from typing import Any

from ml_connector_dagster.fusion.connection import FusionConnection
from ml_connector_dagster.fusion.links import child_href, link
from ml_connector_dagster.fusion.probe import ping
from ml_connector_dagster.fusion.query import Cursor, WindowQuery, datetime_literal
from ml_connector_dagster.fusion.resources import (
    UNREADABLE_CHILDREN,
    ChildCollection,
    WholeResource,
    WindowedResource,
    expand_of,
)
from ml_connector_dagster.fusion.value_sets import values_href
from ml_connector_dagster.http.client import ApiClient, Authorizer
from ml_connector_dagster.http.errors import CheckFailed, RequestRejected
from ml_connector_dagster.http.paging import Page, PagingError, iterate_keyset, iterate_pages, read_ahead
from ml_connector_dagster.http.tokens import (
    BasicAuthorizer,
    BearerAuthorizer,
    ClientCredentialsGrant,
    TokenCache,
    TokenProvider,
)

SYSTEM = "fusion"
Item = dict[str, Any]


class FusionClient:
    def __init__(
        self,
        connection: FusionConnection,
        token_cache: TokenCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.connection = connection
        self.tokens: TokenProvider | None = None
        authorizer: Authorizer
        if connection.auth == "oauth":
            assert connection.token_url and connection.client_id and connection.client_secret
            grant = ClientCredentialsGrant(
                token_url=connection.token_url,
                client_id=connection.client_id,
                client_secret=connection.client_secret,
                scope=connection.scope,
                client_auth="basic",
            )
            margin = timedelta(seconds=connection.token_refresh_margin_seconds)
            self.tokens = TokenProvider.for_grant(SYSTEM, grant, connection.retry, margin, token_cache, sleep)
            authorizer = BearerAuthorizer(self.tokens)
        else:
            assert connection.username and connection.password
            authorizer = BasicAuthorizer(connection.username, connection.password)
        self.http = ApiClient(
            SYSTEM,
            connection.resources_url,
            authorizer,
            retry=connection.retry,
            timeout_seconds=connection.timeout_seconds,
            headers={"REST-Framework-Version": str(connection.framework_version)},
            sleep=sleep,
            max_concurrent_requests=connection.max_concurrent_requests,
        )

    def ping(self) -> list[str]:
        """Checks credentials, the attributes the mappings need, the keyset form and the reference data's
        settings; raises CheckFailed."""
        return ping(self.http, self.connection)

    def close(self) -> None:
        self.http.close()
        if self.tokens is not None:
            self.tokens.close()

    def iter_window(self, resource: WindowedResource, lo: datetime, hi: datetime) -> Iterator[Item]:
        """Items changed in [lo, hi), each with its child collections as lists.

        Keyset paging: every page after the first starts strictly after the last row read, offset 0, so a row
        edited mid-read (it leaves the window) never shifts the rows behind it out of reach. A window longer
        than one page is read as `max_concurrent_requests` time slices side by side, each in (change time,
        key) order: a pod that takes seconds per expanded page is then read that many times faster.
        """
        with_children = self.connection.children == "expand" and bool(resource.children)
        page_size = self.connection.expanded_page_size if with_children else self.connection.page_size
        params: dict[str, str | int] = {
            "orderBy": f"{resource.changed_at}:asc,{resource.key}:asc",
            "limit": page_size,
            "offset": 0,
        }
        if with_children:
            params["expand"] = expand_of(resource.children)
        form = self.connection.datetime_literal
        window = WindowQuery(resource, lo, hi, form)
        first = self._page(resource.name, {**params, "q": window.first()})
        slices: list[Iterator[Item]] = [iter(first.items)]
        if first.has_more:
            if not first.items:
                raise PagingError(f"fusion {resource.name}: the first page reported more rows but returned none")
            cursor = window.cursor_of(first.items[-1])
            bounds = _time_slices(cursor[0], hi, self.http.max_concurrent_requests if with_children else 1)
            slices += [
                self._keyset(resource, params, WindowQuery(resource, start, end, form), cursor if n == 0 else None)
                for n, (start, end) in enumerate(bounds)
            ]
        depth = 2 * page_size
        what = f"fusion {resource.name}"
        if with_children:
            completed = [
                (self._or_unreadable(self._complete, row, resource.children) for row in rows) for rows in slices
            ]
            yield from read_ahead(completed, depth, what)
        else:
            yield from read_ahead([self._with_linked_children(chain(*slices), resource.children)], depth, what)

    def first_change(self, resource: WindowedResource, at_or_after: datetime) -> datetime | None:
        """The earliest change time at or after `at_or_after`, or None: one request of one row, key fields only,
        which is all a sensor needs to know whether a window holds changes."""
        at = resource.changed_at
        params: dict[str, str | int] = {
            "q": f"{at} >= '{datetime_literal(at_or_after, self.connection.datetime_literal)}'",
            "orderBy": f"{at}:asc,{resource.key}:asc",
            "limit": 1,
            "offset": 0,
            "fields": f"{resource.key},{at}",
            "onlyData": "true",
        }
        page = self._page(resource.name, params)
        if not page.items:
            return None
        return WindowQuery(resource, at_or_after, at_or_after, self.connection.datetime_literal).cursor_of(
            page.items[0]
        )[0]

    def iter_all(self, resource: WholeResource, expand: str | None = None) -> Iterator[Item]:
        """Every row of a small collection, by offset in key order: for data without a change time (and for a
        parent's children), where no row leaves the collection while it is read."""
        params: dict[str, str | int] = {"orderBy": f"{resource.key}:asc", "limit": self.connection.page_size}
        if expand:
            params["expand"] = expand

        def fetch(offset: int) -> Page[Item]:
            return self._page(resource.name, {**params, "offset": offset})

        return iterate_pages(fetch, 0, f"fusion {resource.name}")

    def iter_matching(
        self, resource: WholeResource, q: str, children: tuple[ChildCollection, ...] = (), fields: str | None = None
    ) -> Iterator[Item]:
        """The rows `q` selects, by offset in key order, each with `children` as lists: for lookups by a
        natural key, whose few rows do not move while they are read. `fields` only without children (the
        framework takes one or the other)."""
        page_size = self.connection.expanded_page_size if children else self.connection.page_size
        params: dict[str, str | int] = {"q": q, "orderBy": f"{resource.key}:asc", "limit": page_size}
        if children:
            params["expand"] = expand_of(children)
        elif fields:
            params["fields"] = fields

        def fetch(offset: int) -> Page[Item]:
            return self._page(resource.name, {**params, "offset": offset})

        rows = iterate_pages(fetch, 0, f"fusion {resource.name}")
        return (self._complete(row, children) for row in rows) if children else rows

    def iter_value_set(self, code: str, key: str) -> Iterator[Item]:
        """The values of the value set with this ValueSetCode, in `key` order; CheckFailed when there is none."""
        href = values_href(self.http, code)
        if href is None:
            raise CheckFailed(
                SYSTEM, f"no value set with ValueSetCode '{code}' on this pod: change the setting cost_center_value_set"
            )
        return self.iter_all(WholeResource(href, key))

    def complete(self, item: Item, children: tuple[ChildCollection, ...]) -> Item:
        """The item with each of `children` as a list: taken from the item when expanded whole, else read from
        its link (as a write's answer may need)."""
        return self._complete(item, children)

    def _keyset(
        self, resource: WindowedResource, params: dict[str, str | int], window: WindowQuery, after: Cursor | None
    ) -> Iterator[Item]:
        def fetch(cursor: Cursor | None) -> Page[Item]:
            if cursor is not None and self.connection.keyset_form == "flat":
                ties = self._page(
                    resource.name, {**params, "q": window.ties_after(cursor), "orderBy": f"{resource.key}:asc"}
                )
                if ties.items:
                    return Page(items=ties.items, has_more=True)
                return self._page(resource.name, {**params, "q": window.after_instant(cursor)})
            return self._page(resource.name, {**params, "q": window.after(cursor) if cursor else window.first()})

        return iterate_keyset(fetch, window.cursor_of, f"fusion {resource.name}", after)

    def _page(self, url: str, params: dict[str, str | int]) -> Page[Item]:
        body = self.http.get_json(url, params)
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise RequestRejected(SYSTEM, f"GET {url} answered without an items list")
        return Page(items=body["items"], has_more=bool(body.get("hasMore")), advance=int(body.get("count", 0)))

    def _complete(self, item: Item, children: tuple[ChildCollection, ...]) -> Item:
        """Expanded children as plain lists; a collection that says `hasMore` is read whole from its own link."""
        completed = dict(item)
        for child in children:
            value = item.get(child.name)
            if isinstance(value, list):  # before framework v3, expanded children were plain arrays
                rows = value
            elif isinstance(value, dict) and isinstance(value.get("items"), list) and not value.get("hasMore"):
                rows = value["items"]
            else:
                # Paged beyond the first page, or not expanded at all: read the whole collection in key order.
                href = link(value, "self") if isinstance(value, dict) else None
                completed[child.name] = self._read_children(href or child_href(item, child.name), child)
                continue
            completed[child.name] = [self._complete(row, child.children) for row in rows]
        return completed

    @staticmethod
    def _or_unreadable(
        complete: Callable[[Item, tuple[ChildCollection, ...]], Item], item: Item, children: tuple[ChildCollection, ...]
    ) -> Item:
        """The item with its children, or marked unreadable when the pod refused or garbled them: one item's
        bad answer is that record's problem, not its window's. Throttling and outages still stop the window."""
        try:
            return complete(item, children)
        except (RequestRejected, PagingError) as exc:
            return {**item, UNREADABLE_CHILDREN: str(exc)}

    def _read_children(self, href: str, child: ChildCollection) -> list[Item]:
        rows = self.iter_all(WholeResource(href, child.key), expand=child.expand_below or None)
        return [self._complete(row, child.children) for row in rows]

    def _with_linked_children(self, rows: Iterator[Item], children: tuple[ChildCollection, ...]) -> Iterator[Item]:
        """One request per header and child collection, several in flight: the fallback for pods whose `expand`
        misbehaves. A bounded read-ahead keeps memory flat."""
        if not children:
            yield from rows
            return

        def linked(row: Item, children: tuple[ChildCollection, ...]) -> Item:
            return {
                **row,
                **{child.name: self._read_children(child_href(row, child.name), child) for child in children},
            }

        workers = self.http.max_concurrent_requests
        with ThreadPoolExecutor(workers, thread_name_prefix="fusion-children") as pool:
            pending = []
            for row in rows:
                pending.append(pool.submit(self._or_unreadable, linked, row, children))
                if len(pending) >= workers * 4:
                    yield pending.pop(0).result()
            for future in pending:
                yield future.result()


def _time_slices(start: datetime, end: datetime, count: int) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into up to `count` consecutive slices on whole milliseconds, the precision of `q`
    literals: a boundary with more would be rounded in the query and read a row twice or not at all."""
    bounds = [start]
    for n in range(1, count):
        moment = start + (end - start) * n / count
        moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        if bounds[-1] < moment < end:
            bounds.append(moment)
    return list(zip(bounds, [*bounds[1:], end], strict=True))
