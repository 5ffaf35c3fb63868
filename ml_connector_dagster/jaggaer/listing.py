"""Reading J1P lists: one paging walk for every collection, and FIQL lookups by key in few requests."""

import re
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.http.paging import Page, iterate_pages
from ml_connector_dagster.jaggaer.answers import Document, checked, list_page
from ml_connector_dagster.jaggaer.connection import SYSTEM

Item = TypeVar("Item")
_FIQL_PLAIN = re.compile(r"[A-Za-z0-9._~-]+")


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
