"""The `q` expressions that read one window of a Fusion resource by keyset, and their datetime literals."""

from datetime import UTC, datetime
from typing import Any, Literal

from ml_connector_dagster.fusion.resources import WindowedResource
from ml_connector_dagster.http.paging import PagingError

Cursor = tuple[datetime, int]
DatetimeLiteral = Literal["offset", "z"]


def datetime_literal(moment: datetime, form: DatetimeLiteral) -> str:
    """`2026-03-01T10:00:00.123+00:00`: milliseconds kept, since change times carry them and a keyset cursor
    rounded down would read rows twice (and one rounded up would skip them)."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + ("Z" if form == "z" else "+00:00")


class WindowQuery:
    """The `q` expressions of one window [lo, hi) and its keyset cursor (change time, key)."""

    def __init__(
        self, resource: WindowedResource, lo: datetime, hi: datetime, form: DatetimeLiteral = "offset"
    ) -> None:
        self.resource = resource
        self._form: DatetimeLiteral = form
        self._lo = self._literal(lo)
        self._hi = self._literal(hi)

    def _literal(self, moment: datetime) -> str:
        return datetime_literal(moment, self._form)

    def first(self) -> str:
        at = self.resource.changed_at
        return f"{at} >= '{self._lo}' and {at} < '{self._hi}'"

    def after(self, cursor: Cursor) -> str:
        at, key = self.resource.changed_at, self.resource.key
        moment = self._literal(cursor[0])
        return f"{at} < '{self._hi}' and ({at} > '{moment}' or ({at} = '{moment}' and {key} > {cursor[1]}))"

    def ties_after(self, cursor: Cursor) -> str:
        return f"{self.resource.changed_at} = '{self._literal(cursor[0])}' and {self.resource.key} > {cursor[1]}"

    def after_instant(self, cursor: Cursor) -> str:
        at = self.resource.changed_at
        return f"{at} > '{self._literal(cursor[0])}' and {at} < '{self._hi}'"

    def cursor_of(self, item: dict[str, Any]) -> Cursor:
        at, key = self.resource.changed_at, self.resource.key
        try:
            moment = datetime.fromisoformat(str(item[at]))
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC), int(item[key]))
        except (KeyError, TypeError, ValueError):
            raise PagingError(
                f"fusion {self.resource.name}: the last row of a page has no usable {at}/{key} "
                f"({item.get(at)!r}, {item.get(key)!r}), so the next page cannot start after it"
            ) from None
