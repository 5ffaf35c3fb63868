"""Where in the change index a condition's rows can lie: spans of (change time, key) bounds, as a `Filter`
carries them, and how conditions narrow and combine them."""

from typing import Any

from ml_connector_dagster.netsuite.simulator.tables import LOWEST, NO_INSTANT, Bound

Span = tuple[Bound, Bound]
ALL_INSTANTS: Span = ((LOWEST, LOWEST), (NO_INSTANT, LOWEST))


def bound(instant: int, key: int) -> Bound:
    # A key bound at the end of every key is the start of the next instant, so adjacent spans touch.
    return (instant + 1, LOWEST) if key >= NO_INSTANT else (instant, key)


def time_span(op: str, instant: int) -> Span:
    lowest, end = ALL_INSTANTS
    spans = {
        ">": ((instant + 1, LOWEST), end),
        ">=": ((instant, LOWEST), end),
        "<": (lowest, (instant, LOWEST)),
        "<=": (lowest, (instant + 1, LOWEST)),
        "=": ((instant, LOWEST), (instant + 1, LOWEST)),
    }
    return spans[op]


def key_range(op: str, key: int) -> tuple[int, int] | None:
    ranges = {
        ">": (key + 1, NO_INSTANT),
        ">=": (key, NO_INSTANT),
        "<": (LOWEST, key),
        "<=": (LOWEST, key + 1),
        "=": (key, key + 1),
    }
    return ranges.get(op)


def one_instant(span: Span | None) -> bool:
    if span is None:
        return False
    (instant, _), upper = span
    return upper[0] == instant or upper == (instant + 1, LOWEST)


def intersection(first: Span | None, second: Span | None) -> Span | None:
    if first is None:
        return second
    if second is None:
        return first
    return (max(first[0], second[0]), min(first[1], second[1]))


def touch(first: tuple[Any, Any], second: tuple[Any, Any]) -> bool:
    return first[0] <= second[1] and second[0] <= first[1]
