"""SuiteQL texts: quoted literals, checked names and id lists, and a window's bounds in the account's local time.

SuiteQL compares and shows datetimes as wall-clock times of the account's zone, to the second, while windows
and watermarks are UTC instants. Turning one into the other is exact except around daylight saving:

- Spring forward: an hour of local names does not exist. Local time still rises with UTC, so every instant has
  one name and a keyset cursor crosses the gap unharmed; a name inside the gap can only come from a wrong
  `account_timezone`, and reading it is refused (`readings` finds no instant for it).
- Fall back: an hour of local names occurs twice ("repeated span": UTC [t - d, t + d) around the change t).
  TO_CHAR cannot tell the two occurrences apart and what TO_TIMESTAMP makes of such a name is the account's
  business (earlier or later occurrence, undocumented). A (lastmodifieddate, id) cursor there could go back and
  read forever, or forward and skip. So a window is cut into segments (`LocalClock.segments`): outside repeated
  spans the keyset is safe; a repeated span is read whole, bounded by the unique names just outside it, paged
  by id only, and its rows' instants are worked out by the client (see `RepeatedSpan`).
- Precision: datetimes are kept to the second, so a window's bounds are widened to whole seconds for the
  query and every row is then held against the exact [lo, hi).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

CHANGED = "lastmodifieddate"
KEY = "id"
# The TO_CHAR of CHANGED every windowed read selects; rows come back with this replaced by the UTC instant.
CHANGED_AT = "lastmodified"
STAMP_MODEL = "YYYY-MM-DD HH24:MI:SS"
DAY_MODEL = "YYYY-MM-DD"
_STAMP = "%Y-%m-%d %H:%M:%S"
_SECOND = timedelta(seconds=1)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Offsets are sampled this often to find their changes; no zone changes its offset twice within it.
_SAMPLE = timedelta(hours=1)
# Wider than any repeated span's reach from the change that causes it.
_REACH = timedelta(hours=6)


def quote(text: str) -> str:
    """A string literal: the only escape SuiteQL knows is a doubled quote."""
    return "'" + text.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A table or column name, refused unless it is a plain name: it goes into the text unquoted."""
    if not _NAME.match(name):
        raise ValueError(f"{name!r} is not a SuiteQL table or column name")
    return name


def id_list(ids: Iterable[int | str]) -> str:
    """`1, 2, 3` for an IN list; every id must be digits, since ids go into the text as numbers."""
    texts = [str(each) for each in ids]
    bad = [text for text in texts if not (text.isascii() and text.isdigit())]
    if bad or not texts:
        raise ValueError(f"an IN list takes non-negative integer ids only, not {bad[:3] or 'nothing'}")
    return ", ".join(texts)


@dataclass(frozen=True)
class Day:
    """A date column selected as `YYYY-MM-DD`: without TO_CHAR it comes in the user's preferred format."""

    name: str

    @property
    def text(self) -> str:
        return f"TO_CHAR({identifier(self.name)}, {quote(DAY_MODEL)}) AS {identifier(self.name)}"


Column = str | Day


def column_text(column: Column) -> str:
    return column.text if isinstance(column, Day) else identifier(column)


def column_name(column: Column) -> str:
    return column.name if isinstance(column, Day) else column


def select(table: str, columns: Iterable[str], where: str | None, order: str) -> str:
    text = f"SELECT {', '.join(columns)} FROM {identifier(table)}"
    if where:
        text += f" WHERE {where}"
    return f"{text} ORDER BY {order}"


def changed_at_column() -> str:
    return f"TO_CHAR({CHANGED}, {quote(STAMP_MODEL)}) AS {CHANGED_AT}"


def both(*conditions: str | None) -> str:
    return " AND ".join(f"({condition})" for condition in conditions if condition)


@dataclass(frozen=True)
class RepeatedSpan:
    """UTC [start, end) whose local names all occur twice. Read as three parts, each bounded by the unique
    names just outside the span and narrowed by TO_TIMESTAMP of its first and last names (`first`, `last`),
    which mean either their earlier or their later occurrence:

    - `before_first`: rows before TO_TIMESTAMP(first). Only rows of the earlier occurrence can be, and only
      when the account reads names as the later one: these rows are of the earlier occurrence.
    - `after_last`: rows after TO_TIMESTAMP(last): of the later occurrence, when names mean the earlier one.
    - `named`: the occurrence the account's TO_TIMESTAMP means. Rows in either of the two parts above show
      which that is; when both are empty, nothing a query can ask tells the occurrences apart.
    """

    start: datetime
    end: datetime
    first: str
    last: str
    bounds: str

    def before_first(self) -> str:
        return both(self.bounds, f"{CHANGED} < {timestamp(self.first)}")

    def after_last(self) -> str:
        return both(self.bounds, f"{CHANGED} > {timestamp(self.last)}")

    def named(self) -> str:
        return both(self.bounds, f"{CHANGED} >= {timestamp(self.first)}", f"{CHANGED} <= {timestamp(self.last)}")


@dataclass(frozen=True)
class PlainSpan:
    """UTC [start, end) where every local name is unique: keyset on (CHANGED, KEY) is safe."""

    start: datetime
    end: datetime
    bounds: str


def timestamp(local: str) -> str:
    return f"TO_TIMESTAMP({quote(local)}, {quote(STAMP_MODEL)})"


class LocalClock:
    """The account's zone: local names of UTC instants, the instants a local name can mean, and the segments
    of a window."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def name(self, instant: datetime) -> str:
        return instant.astimezone(self.zone).strftime(_STAMP)

    def readings(self, local: str) -> tuple[datetime, ...]:
        """The UTC instants a local name means, earliest first: one, two in a repeated hour, none in a gap."""
        wall = datetime.strptime(local, _STAMP)
        found: list[datetime] = []
        for fold in (0, 1):
            instant = wall.replace(tzinfo=self.zone, fold=fold).astimezone(UTC)
            # A name in the spring-forward gap maps to an instant whose own name differs: it names nothing.
            if instant.astimezone(self.zone).replace(tzinfo=None) == wall and instant not in found:
                found.append(instant)
        return tuple(sorted(found))

    def unique(self, instant: datetime) -> bool:
        return len(self.readings(self.name(instant))) == 1

    def at_least(self, instant: datetime) -> str:
        """`CHANGED >= instant`, spelled with a name that means one instant only."""
        if self.unique(instant):
            return f"{CHANGED} >= {timestamp(self.name(instant))}"
        if self.unique(instant - _SECOND):
            return f"{CHANGED} > {timestamp(self.name(instant - _SECOND))}"
        raise ValueError(f"{instant.isoformat()} has no unique local name in {self.zone.key} to start a query at")

    def below(self, instant: datetime) -> str:
        """`CHANGED < instant`, spelled with a name that means one instant only."""
        if self.unique(instant):
            return f"{CHANGED} < {timestamp(self.name(instant))}"
        if self.unique(instant - _SECOND):
            return f"{CHANGED} <= {timestamp(self.name(instant - _SECOND))}"
        raise ValueError(f"{instant.isoformat()} has no unique local name in {self.zone.key} to end a query at")

    def after(self, instant: datetime, key: int) -> str:
        """The keyset condition: rows after (instant, key); `instant` must have a unique name."""
        at = timestamp(self.name(instant))
        return f"{CHANGED} > {at} OR ({CHANGED} = {at} AND {KEY} > {key})"

    def repeated_spans(self, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
        """UTC spans of repeated local names that overlap [lo, hi), in order."""
        spans: list[tuple[datetime, datetime]] = []
        moment, end = lo - _REACH, hi + _REACH
        offset = self._offset(moment)
        while moment < end:
            following = min(moment + _SAMPLE, end)
            changed = self._offset(following)
            if changed < offset:
                change = self._change_between(moment, following)
                span = (change - (offset - changed), change + (offset - changed))
                if span[0] < hi and lo < span[1]:
                    spans.append(span)
            moment, offset = following, changed
        return spans

    def segments(self, lo: datetime, hi: datetime) -> list[PlainSpan | RepeatedSpan]:
        """[lo, hi) widened to whole seconds, cut at repeated spans; a repeated span is kept whole even where
        the window holds only part of it (its rows are placed by the reader)."""
        start, end = _floor_second(lo), ceil_second(hi)
        parts: list[PlainSpan | RepeatedSpan] = []
        cursor = start
        for first, last in self.repeated_spans(start, end):
            if cursor < first:
                parts.append(self._plain(cursor, first))
            bounds = both(self.at_least(first), self.below(last))
            parts.append(RepeatedSpan(first, last, self.name(first), self.name(last - _SECOND), bounds))
            cursor = last
        if cursor < end:
            parts.append(self._plain(cursor, end))
        return parts

    def _plain(self, start: datetime, end: datetime) -> PlainSpan:
        return PlainSpan(start, end, both(self.at_least(start), self.below(end)))

    def _offset(self, instant: datetime) -> timedelta:
        offset = instant.astimezone(self.zone).utcoffset()
        assert offset is not None
        return offset

    def _change_between(self, before: datetime, after: datetime) -> datetime:
        """The first second with the new offset, in (before, after]."""
        old = self._offset(before)
        while after - before > _SECOND:
            middle = _floor_second(before + (after - before) / 2)
            if middle <= before:
                middle = before + _SECOND
            if self._offset(middle) == old:
                before = middle
            else:
                after = middle
        return after


def _floor_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def ceil_second(moment: datetime) -> datetime:
    """The first whole second at or after `moment`."""
    floored = moment.replace(microsecond=0)
    return floored if floored == moment else floored + _SECOND
