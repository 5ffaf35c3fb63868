"""Runs one SuiteQL query over the account's tables and answers one page of it, as the suiteql resource does."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ml_connector_dagster.netsuite.simulator.errors import search_error
from ml_connector_dagster.netsuite.simulator.formats import AccountZone
from ml_connector_dagster.netsuite.simulator.plan import Binder, Filter, Value
from ml_connector_dagster.netsuite.simulator.settings import NetSuiteSimSettings
from ml_connector_dagster.netsuite.simulator.suiteql import Column, OrderItem, Query, SuiteQLSyntaxError, parse
from ml_connector_dagster.netsuite.simulator.tables import Row, Table

Item = dict[str, Any]


@dataclass(frozen=True)
class Page:
    items: list[Item]
    total: int


def visible_table(tables: dict[str, Table], settings: NetSuiteSimSettings, name: str) -> Table:
    """The table SuiteQL knows by `name` on this account: features off and no OneWorld take tables away."""
    hidden = set(settings.features_off) | (set() if settings.one_world else {"subsidiary"})
    if name not in tables or name in hidden:
        raise search_error(f"Record '{name}' was not found.")
    return tables[name]


def run_query(
    tables: dict[str, Table], settings: NetSuiteSimSettings, text: str, offset: int, limit: int, rng: random.Random
) -> Page:
    try:
        query = parse(text)
    except SuiteQLSyntaxError as error:
        raise search_error(str(error)) from None
    table = visible_table(tables, settings, query.table)
    zone = AccountZone(settings.account_timezone, settings.ambiguous_local_time)
    binder = Binder(table.schema, query.alias, zone, settings.date_format, settings.unknown_column_status)
    columns = _columns(binder, query)
    order = _order(binder, query)
    compiled = binder.condition(query.where) if query.where is not None else Filter()
    if _in_index_order(table, query.order) and compiled.lookup is None:
        rows, total = _indexed(table, compiled, offset, limit)
    else:
        matched = _matching(table, binder, compiled)
        _sort(matched, order, rng if settings.unstable_ties else None)
        rows, total = matched[offset : offset + limit], len(matched)
    return Page(_items(rows, columns, settings.null_values == "null"), total)


def _columns(binder: Binder, query: Query) -> list[tuple[str, Callable[[Row], str | None]]]:
    columns: list[tuple[str, Callable[[Row], str | None]]] = []
    unnamed = 0
    for item in query.items:
        if item.alias is not None:
            name = item.alias
        elif isinstance(item.expr, Column):
            name = item.expr.name
        else:
            unnamed += 1
            name = f"expr{unnamed}"
        columns.append((name, binder.rendered(binder.value(item.expr))))
    return columns


def _order(binder: Binder, query: Query) -> list[tuple[Callable[[Row], Any], bool]]:
    """ORDER BY terms as (getter of the comparable value, descending); a term may name a select alias."""
    aliases = {item.alias: item.expr for item in query.items if item.alias is not None}
    order: list[tuple[Callable[[Row], Any], bool]] = []
    for item in query.order:
        expr = item.expr
        if isinstance(expr, Column) and expr.qualifier is None and expr.name not in binder.schema.position:
            expr = aliases.get(expr.name, expr)
        value: Value = binder.value(expr)
        order.append((value.get, item.descending))
    return order


def _in_index_order(table: Table, order: tuple[OrderItem, ...]) -> bool:
    """Whether ORDER BY starts with (change time, key) ascending: the change index's order, unique."""
    schema = table.schema
    if schema.key is None or len(order) < 2:
        return False
    names = [item.expr.name if isinstance(item.expr, Column) else None for item in order[:2]]
    return names == [schema.changed, schema.key] and not any(item.descending for item in order[:2])


def _indexed(table: Table, compiled: Filter, offset: int, limit: int) -> tuple[list[Row], int]:
    start, end = table.span(*compiled.span) if compiled.span is not None else (0, len(table.order))
    if compiled.residual is None:
        first = min(end, start + offset)
        return list(table.ordered(first, min(end, first + limit))), end - start
    residual = compiled.residual
    matched = [row for row in table.ordered(start, end) if residual(row)]
    return matched[offset : offset + limit], len(matched)


def _matching(table: Table, binder: Binder, compiled: Filter) -> list[Row]:
    if compiled.lookup is not None:
        column, values = compiled.lookup
        hashed = table.hashes[column]
        positions = sorted({position for value in values for position in hashed.get(value, ())})
        match = binder.matcher(compiled)
        return sorted((row for row in map(table.at, positions) if match(row)), key=table.sort_key)
    start, end = table.span(*compiled.span) if compiled.span is not None else (0, len(table.order))
    residual = compiled.residual
    rows = table.ordered(start, end)
    return list(rows) if residual is None else [row for row in rows if residual(row)]


def _sort(rows: list[Row], order: list[tuple[Callable[[Row], Any], bool]], rng: random.Random | None) -> None:
    """Sorts by the ORDER BY terms (NULLS LAST ascending, FIRST descending, as Oracle). Rows tied on every
    term come in an order that changes from one request to the next when `rng` is given, as on the real
    service: offset pages of a non-unique order then lose and repeat rows."""
    if rng is not None:
        rng.shuffle(rows)
    for get, descending in reversed(order):
        rows.sort(key=_nulls_last(get), reverse=descending)


def _nulls_last(get: Callable[[Row], Any]) -> Callable[[Row], tuple[bool, Any]]:
    return lambda row: ((value := get(row)) is None, value)


def _items(rows: list[Row], columns: list[tuple[str, Callable[[Row], str | None]]], nulls: bool) -> list[Item]:
    items: list[Item] = []
    for row in rows:
        item: Item = {"links": []}
        for name, get in columns:
            value = get(row)
            if value is not None or nulls:
                item[name] = value
        items.append(item)
    return items
