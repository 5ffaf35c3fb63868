"""Oracle datetime format models (`YYYY-MM-DD HH24:MI:SS`) and the account's time zone.

Stored instants are epoch seconds; SuiteQL shows and reads them as wall-clock times of the account's zone.
"""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ELEMENT = re.compile(r"YYYY|HH24|HH12|HH|MI|SS|MM|DD|AM|PM|M|D", re.IGNORECASE)
_STRPTIME = {"YYYY": "%Y", "MM": "%m", "DD": "%d", "HH24": "%H", "HH": "%I", "HH12": "%I", "MI": "%M", "SS": "%S"}
_STRPTIME |= {"AM": "%p", "PM": "%p", "M": "%m", "D": "%d"}


class FormatError(ValueError):
    pass


def _elements(model: str) -> list[tuple[bool, str]]:
    """The model as (is an element, text) pieces; anything that is not an element is literal text."""
    pieces: list[tuple[bool, str]] = []
    position = 0
    for match in _ELEMENT.finditer(model):
        if match.start() > position:
            pieces.append((False, model[position : match.start()]))
        pieces.append((True, match.group().upper()))
        position = match.end()
    if position < len(model):
        pieces.append((False, model[position:]))
    return pieces


def _hour12(moment: datetime) -> str:
    return f"{(moment.hour - 1) % 12 + 1:02d}"


def _meridian(moment: datetime) -> str:
    return "AM" if moment.hour < 12 else "PM"


_WRITERS: dict[str, Callable[[datetime], str]] = {
    "YYYY": lambda moment: f"{moment.year:04d}",
    "MM": lambda moment: f"{moment.month:02d}",
    "M": lambda moment: str(moment.month),
    "DD": lambda moment: f"{moment.day:02d}",
    "D": lambda moment: str(moment.day),
    "HH24": lambda moment: f"{moment.hour:02d}",
    "HH": _hour12,
    "HH12": _hour12,
    "MI": lambda moment: f"{moment.minute:02d}",
    "SS": lambda moment: f"{moment.second:02d}",
    "AM": _meridian,
    "PM": _meridian,
}


@lru_cache(maxsize=64)
def _compiled(model: str) -> tuple[tuple[bool, str], ...]:
    return tuple(_elements(model))


def render(model: str, moment: datetime) -> str:
    """`moment` (wall-clock) written by the format model, as TO_CHAR does."""
    return "".join(_WRITERS[text](moment) if element else text for element, text in _compiled(model))


def parse(text: str, model: str) -> datetime:
    """A wall-clock datetime read by the format model, as TO_TIMESTAMP and TO_DATE do."""
    pattern = "".join(_STRPTIME[piece] if element else piece.replace("%", "%%") for element, piece in _compiled(model))
    try:
        return datetime.strptime(text, pattern)
    except ValueError:
        raise FormatError(f"The value '{text}' does not match the format '{model}'.") from None


class AccountZone:
    """Conversions between stored instants and the account's wall-clock times."""

    def __init__(self, name: str, ambiguous: str = "earlier") -> None:
        self.zone = ZoneInfo(name)
        self._fold = 0 if ambiguous == "earlier" else 1

    def instant(self, wall: datetime) -> int:
        """Epoch seconds of a wall-clock time in the account's zone (a repeated hour by the `ambiguous` rule)."""
        aware = wall.replace(tzinfo=self.zone, fold=self._fold)
        return int((aware - _EPOCH).total_seconds())

    def wall(self, instant: int) -> datetime:
        return datetime.fromtimestamp(instant, self.zone).replace(tzinfo=None)

    def midnight(self, ordinal: int) -> int:
        """The instant a date (ordinal) starts at in the account's zone."""
        return self.instant(day_start(ordinal))

    def today_of(self, instant: int) -> int:
        return self.wall(instant).date().toordinal()


def day_start(ordinal: int) -> datetime:
    """A date (ordinal) as the wall-clock datetime of its midnight."""
    return datetime.combine(date.fromordinal(ordinal), datetime.min.time())


def epoch_seconds(moment: datetime) -> int:
    """An aware datetime as whole epoch seconds (NetSuite keeps datetimes to the second)."""
    if moment.tzinfo is None:
        raise ValueError("datetimes given to the simulator must be timezone-aware")
    return (moment - _EPOCH) // timedelta(seconds=1)


def utc(instant: int) -> datetime:
    return _EPOCH + timedelta(seconds=instant)
