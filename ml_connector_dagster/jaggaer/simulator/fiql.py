"""FIQL as J1P lists take it in `flt`: `;` joins terms with AND; `==`, `=in=(a,b)`, `>=`, `<=`, `>`, `<`, and
FIQL's spelled comparisons `=ge=`, `=le=`, `=gt=`, `=lt=` (the same four).

Each collection names the fields it can be filtered on; a field may sit inside the document (`supplier` →
`supplierNumber`). Values may be quoted, so a value holding `;` or `,` can still be asked for alone.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ml_connector_dagster.jaggaer.simulator.errors import RC_INVALID_QUERY, J1PError


@dataclass(frozen=True)
class FilterField:
    path: tuple[str, ...]  # where the value sits in a stored document
    convert: Callable[[str], Any] = str


@dataclass(frozen=True)
class Term:
    path: tuple[str, ...]
    op: str
    convert: Callable[[str], Any]
    values: tuple[Any, ...]

    def matches(self, document: dict[str, Any]) -> bool:
        raw = value_at(document, self.path)
        if raw is None:
            return False
        actual = self.convert(str(raw))
        compare = _COMPARISONS.get(self.op)
        if compare is not None:
            return compare(actual, self.values[0])
        return actual in self.values

    def equal_values(self, path: tuple[str, ...]) -> tuple[Any, ...] | None:
        """The values this term pins `path` to, for an index lookup; None when it does not pin it."""
        return self.values if self.path == path and self.op in ("==", "=in=") else None


def value_at(document: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda actual, bound: bool(actual >= bound),
    "<=": lambda actual, bound: bool(actual <= bound),
    ">": lambda actual, bound: bool(actual > bound),
    "<": lambda actual, bound: bool(actual < bound),
}
_ALIASES = {"=ge=": ">=", "=le=": "<=", "=gt=": ">", "=lt=": "<"}
# Longer operators first: `>=` must not be read as `>` followed by a value starting with `=`.
_TERM = re.compile(
    r"^(?P<field>\w+)(?P<op>==|=in=|=ge=|=le=|=gt=|=lt=|>=|<=|>|<)(?P<value>.+)$",
    re.DOTALL,
)


def _split(text: str, separator: str) -> list[str]:
    """`text` cut at every `separator` outside double or single quotes."""
    parts, current, quote = [], [], ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == separator:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_filter(flt: str, fields: dict[str, FilterField], in_supported: bool = True) -> list[Term]:
    """The terms of `flt`; field names match case-insensitively (the one modified-time filter seen in the wild
    is `LASTMODTIME`). `in_supported` False answers `=in=` as an invalid query, as a tenant without it would."""
    by_name = {name.lower(): field for name, field in fields.items()}
    terms = []
    for text in _split(flt, ";"):
        match = _TERM.match(text.strip())
        if match is None:
            raise J1PError(RC_INVALID_QUERY, f"Invalid filter term {text!r}")
        name, raw = match["field"], match["value"]
        op = _ALIASES.get(match["op"], match["op"])
        if name.lower() not in by_name:
            raise J1PError(RC_INVALID_QUERY, f"Unknown filter field {name}")
        field = by_name[name.lower()]
        if op == "=in=":
            if not in_supported:
                raise J1PError(RC_INVALID_QUERY, f"Invalid filter term in {flt!r}: operator =in= is not supported")
            if not (raw.startswith("(") and raw.endswith(")")):
                raise J1PError(RC_INVALID_QUERY, f"Invalid filter term {text!r}: =in= needs (a,b,...)")
            raw_values = [part.strip() for part in _split(raw[1:-1], ",")]
        else:
            raw_values = [raw]
        try:
            values = tuple(field.convert(_unquote(value)) for value in raw_values)
        except ValueError as error:
            raise J1PError(RC_INVALID_QUERY, f"Invalid value {raw!r} for filter field {name}") from error
        terms.append(Term(field.path, op, field.convert, values))
    return terms
