"""A date and time on the command line: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` or ISO 8601, in UTC."""

from datetime import UTC, datetime
from typing import Any

import click

FORMS = "YYYY-MM-DD, 'YYYY-MM-DD HH:MM[:SS]' or ISO 8601 such as 2026-03-01T00:00Z"


class UtcDateTime(click.ParamType):
    """Without an offset the time is UTC; with one (`Z`, `+02:00`) it is converted to UTC."""

    name = "datetime"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a date and time: use {FORMS}", param, ctx)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "DATETIME"
