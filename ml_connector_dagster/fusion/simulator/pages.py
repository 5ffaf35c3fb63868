"""One page of a collection: filtered, ordered, sliced. Windowed resources are read through their change index,
so a windowed read touches only the window and, in index order, only as many rows as the page needs."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

from ml_connector_dagster.fusion.simulator.index import NO_INSTANT, ChangeIndex
from ml_connector_dagster.fusion.simulator.query import Filter, sort_rows
from ml_connector_dagster.fusion.simulator.rows import Row
from ml_connector_dagster.fusion.simulator.schema import AttrType
from ml_connector_dagster.fusion.simulator.tables import Order

_MASK_64 = (1 << 64) - 1


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    has_more: bool
    total: int | None  # only when the client asked for totalResults


def read_indexed(
    index: ChangeIndex,
    index_order: Order,
    compiled: Filter | None,
    order: Order | None,
    attributes: Mapping[str, AttrType],
    limit: int,
    offset: int,
    with_total: bool,
) -> Page:
    exact = compiled is None or compiled.exact
    lower = None if compiled is None else compiled.lower
    upper = None if compiled is None else compiled.upper
    if compiled is not None and exact and upper is None:
        upper = NO_INSTANT  # rows without a valid change time never satisfy a comparison on it
    start, end = index.span(lower, upper)
    in_index_order = order is not None and 0 < len(order) <= len(index_order) and order == index_order[: len(order)]
    if in_index_order and exact:
        rows = index.rows[start + offset : min(start + offset + limit, end)]
        return Page(rows, start + offset + len(rows) < end, end - start if with_total else None)
    candidates = islice(index.rows, start, end)
    if in_index_order and compiled is not None:
        return _first_matches(candidates, compiled, limit, offset, with_total)
    matched = [row for row in candidates if compiled is None or compiled.predicate(row.attrs)]
    return _slice(_ordered(matched, order, attributes, offset), limit, offset, with_total)


def read_rows(
    rows: Sequence[Row],
    compiled: Filter | None,
    order: Order | None,
    attributes: Mapping[str, AttrType],
    limit: int,
    offset: int,
    with_total: bool,
) -> Page:
    matched = [row for row in rows if compiled is None or compiled.predicate(row.attrs)]
    return _slice(_ordered(matched, order, attributes, offset), limit, offset, with_total)


def _first_matches(candidates: Iterable[Row], compiled: Filter, limit: int, offset: int, with_total: bool) -> Page:
    """Walks candidates in order and stops one match past the page (hasMore needs it), unless counting all."""
    wanted, matched, total = offset + limit + 1, [], 0
    predicate = compiled.predicate
    for row in candidates:
        if predicate(row.attrs):
            total += 1
            if len(matched) < wanted:
                matched.append(row)
            elif not with_total:
                break
    rows = matched[offset : offset + limit]
    return Page(rows, len(matched) > offset + limit, total if with_total else None)


def _ordered(rows: list[Row], order: Order | None, attributes: Mapping[str, AttrType], offset: int) -> list[Row]:
    return sort_rows(rows, order, attributes) if order else _undefined_order(rows, offset)


def _slice(rows: list[Row], limit: int, offset: int, with_total: bool) -> Page:
    page = rows[offset : offset + limit]
    return Page(page, offset + len(page) < len(rows), len(rows) if with_total else None)


def _undefined_order(rows: list[Row], offset: int) -> list[Row]:
    """Without orderBy the order is undefined: a shuffle that changes from page to page, so a client that
    forgets orderBy sees rows repeat and go missing, as it can on a real pod."""
    salt = (offset * 0x2545F4914F6CDD1D + 0x632BE59BD9B4E019) & _MASK_64
    return sorted(rows, key=lambda row: ((row.key ^ salt) * 0x9E3779B97F4A7C15) & _MASK_64)
