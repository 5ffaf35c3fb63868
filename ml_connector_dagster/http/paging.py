"""The one paging loop: every system describes its envelope as a Page, this walks them."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")


@dataclass(frozen=True)
class Page(Generic[Item]):
    items: list[Item]
    has_more: bool
    advance: int  # how far the position moves: the count the server says it returned


def iterate_pages(fetch: Callable[[int], Page[Item]], start: int, what: str) -> Iterator[Item]:
    position = start
    while True:
        page = fetch(position)
        yield from page.items
        if not page.has_more:
            return
        if page.advance <= 0:
            # A server claiming more rows while returning none would loop forever.
            raise RuntimeError(f"{what}: the server reported more rows at position {position} but returned none")
        position += page.advance
