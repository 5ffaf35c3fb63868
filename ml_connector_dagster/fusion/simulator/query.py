"""The `q` and `orderBy` languages of the simulated REST framework: v1 query-by-example, v2+ expressions.

Besides the predicate, a compiled `q` carries the LastUpdateDate range it implies, so a read can bisect the
change index instead of testing every header.
"""

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ml_connector_dagster.fusion.simulator.rows import Row, Value
from ml_connector_dagster.fusion.simulator.schema import AttrType, PodAttribute
from ml_connector_dagster.fusion.simulator.settings import DatetimeForm
from ml_connector_dagster.fusion.simulator.values import INVALID, micros, stored

Predicate = Callable[[Mapping[str, Value]], bool]
Span = tuple[int | None, int | None, bool]  # [lower, upper) in epoch microseconds, and whether exact

_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?P<zone>Z|[+-]\d{2}:\d{2})?")
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)(?![\w.:+-])"
    r"|(?P<op>>=|<=|!=|<>|=|>|<)|(?P<punct>[(),])|(?P<word>[A-Za-z_]\w*))"
)
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<>": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_FLAGS = {"true": True, "false": False, "y": True, "n": False}
_KEYWORDS = {"and", "or", "in", "like", "between", "is", "not", "null"}
# Signs that a v1 `Attr=value` segment is really an expression, which v1 does not understand.
_EXPRESSION_HINT = re.compile(r"[<>!]|\s(?:and|or|in|like|between|is)\s", re.IGNORECASE)


class QueryError(ValueError):
    def __init__(self, detail: str, path: str = "q") -> None:
        super().__init__(detail)
        self.detail = detail
        self.path = path


@dataclass(frozen=True)
class QueryContext:
    attributes: Mapping[str, PodAttribute]  # by the name the pod serves
    not_queryable: frozenset[str]  # names the pod serves
    datetime_forms: frozenset[DatetimeForm]
    # The documented datetime attribute whose range is worked out (the one the store indexes), if any.
    ranged: str | None = None

    def resolve(self, name: str) -> PodAttribute:
        if name not in self.attributes:
            raise QueryError(f"Attribute {name} is not recognized.")
        if name in self.not_queryable:
            raise QueryError(f"Attribute {name} is not queryable.")
        return self.attributes[name]


@dataclass(frozen=True)
class Filter:
    """A compiled `q`. Every matching row's ranged instant lies in [lower, upper) (epoch microseconds; None
    is unbounded); when `exact`, a row matches if and only if its instant is valid and in that range."""

    predicate: Predicate
    lower: int | None = None
    upper: int | None = None
    exact: bool = False

    def __and__(self, other: "Filter") -> "Filter":
        first, second = self.predicate, other.predicate
        return Filter(
            lambda attrs: first(attrs) and second(attrs),
            _bound(max, self.lower, other.lower),
            _bound(min, self.upper, other.upper),
            self.exact and other.exact,
        )

    def __or__(self, other: "Filter") -> "Filter":
        first, second = self.predicate, other.predicate
        lower = None if self.lower is None or other.lower is None else min(self.lower, other.lower)
        upper = None if self.upper is None or other.upper is None else max(self.upper, other.upper)
        return Filter(lambda attrs: first(attrs) or second(attrs), lower, upper)


def _bound(pick: Callable[[int, int], int], first: int | None, second: int | None) -> int | None:
    if first is None:
        return second
    return first if second is None else pick(first, second)


def compile_filter(q: str, framework_version: int, context: QueryContext) -> Filter:
    if framework_version < 2:
        return Filter(_query_by_example(q, context))
    tokens = _tokenize(q)
    parser = _Parser(tokens, context)
    compiled = parser.disjunction()
    if parser.position < len(tokens):
        raise QueryError(f"Unexpected {tokens[parser.position][1]!r} in q.")
    return compiled


def parse_order_by(text: str, attributes: Mapping[str, PodAttribute]) -> list[tuple[str, bool]]:
    """`A:asc,B:desc` (names the pod serves) as (documented attribute, descending) pairs."""
    order: list[tuple[str, bool]] = []
    for part in text.split(","):
        name, _, direction = part.strip().partition(":")
        if name not in attributes:
            raise QueryError(f"Attribute {name} in orderBy is not recognized.", "orderBy")
        if direction.lower() not in ("", "asc", "desc"):
            raise QueryError(f"Sort direction {direction!r} must be asc or desc.", "orderBy")
        order.append((attributes[name].documented, direction.lower() == "desc"))
    return order


def sort_rows(rows: Sequence[Row], order: list[tuple[str, bool]], attributes: Mapping[str, AttrType]) -> list[Row]:
    ordered = list(rows)
    # Stable sorts from the last key to the first give the multi-key order; nulls and malformed values
    # sort last ascending and first descending, as Oracle's default NULLS LAST/FIRST does.
    for name, descending in reversed(order):
        kind = attributes[name]
        ordered.sort(key=lambda row: _sort_key(kind, row.attrs.get(name)), reverse=descending)
    return ordered


def _sort_key(kind: AttrType, raw: Value) -> tuple[int, Any]:
    value = stored(kind, raw)
    return (1, "") if value is None or value is INVALID else (0, value)


def _literal(kind: AttrType, text: str, quoted: bool, forms: frozenset[DatetimeForm]) -> Any:
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return Decimal(text)
    except (ValueError, InvalidOperation):
        raise QueryError(f"Literal {text!r} is not a valid {kind}.") from None
    if kind == "boolean":
        return _flag_literal(text)
    if not quoted:
        raise QueryError(f"Literal {text!r} must be in single quotes.")
    if kind == "string":
        return text
    if kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise QueryError(f"Literal {text!r} is not a valid date.") from None
    return _datetime_literal(text, forms)


def _flag_literal(text: str) -> bool:
    # Flags compare as booleans whichever way the pod renders them: `true`/`false` or 'Y'/'N'.
    flag = _FLAGS.get(text.lower())
    if flag is None:
        raise QueryError(f"Literal {text!r} is not a valid flag; use true, false, 'Y' or 'N'.")
    return flag


def _datetime_literal(text: str, forms: frozenset[DatetimeForm]) -> datetime:
    match = _DATETIME.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        value = datetime.fromisoformat(text)
    except ValueError:
        # Typically a `+` sent unencoded, which arrives as a space: clients must send %2B.
        raise QueryError(f"Literal {text!r} is not a valid datetime.") from None
    zone = match["zone"]
    form: DatetimeForm = "naive" if zone is None else "z" if zone == "Z" else "offset"
    if form not in forms:
        raise QueryError(f"Datetime literal {text!r} is not accepted: the {form} form is not supported.")
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _compare(name: str, kind: AttrType, check: Callable[[Any], bool]) -> Predicate:
    def predicate(attrs: Mapping[str, Value]) -> bool:
        value = stored(kind, attrs.get(name))
        return value is not None and value is not INVALID and check(value)

    return predicate


def _comparison_span(op: str, moment: datetime) -> Span:
    """The instants `<ranged> <op> moment` admits, as [lower, upper) microseconds, and whether exactly."""
    at = micros(moment)
    spans = {">": (at + 1, None), ">=": (at, None), "<": (None, at), "<=": (None, at + 1), "=": (at, at + 1)}
    lower, upper = spans.get(op, (None, None))
    return lower, upper, op in spans


def _nothing(attrs: Mapping[str, Value]) -> bool:
    return False


def _query_by_example(q: str, context: QueryContext) -> Predicate:
    checks: list[Predicate] = []
    for part in _split_outside_quotes(q, ";"):
        match = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*=\s*(.*?)\s*", part)
        if match is None:
            return _nothing  # v1 does not reject an expression: it silently matches nothing
        name, text = match.groups()
        quoted = re.fullmatch(r"'(?:[^']|'')*'", text) is not None
        if not quoted and _EXPRESSION_HINT.search(f" {text} "):
            return _nothing
        documented, kind = context.resolve(name)
        raw = text[1:-1].replace("''", "'") if quoted else text
        # Query-by-example takes bare values, so every literal counts as quoted here.
        expected = _literal(kind, raw, True, context.datetime_forms)
        checks.append(_compare(documented, kind, lambda value, expected=expected: value == expected))
    return lambda attrs: all(check(attrs) for check in checks)


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts, current, quoted = [], "", False
    for char in text:
        if char == "'":
            quoted = not quoted
        if char == separator and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _tokenize(q: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while q[position:].strip():
        match = _TOKEN.match(q, position)
        if match is None or match.lastgroup is None:
            raise QueryError(f"Cannot parse q near {q[position:].strip()[:30]!r}.")
        tokens.append((match.lastgroup, match[match.lastgroup]))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over: disjunction := conjunction (or conjunction)*; conjunction := term (and term)*;
    term := ( disjunction ) | Attr op literal | Attr in (literals) | Attr like 'p'
    | Attr between literal and literal | Attr is [not] null."""

    def __init__(self, tokens: list[tuple[str, str]], context: QueryContext) -> None:
        self.tokens = tokens
        self.context = context
        self.position = 0

    def disjunction(self) -> Filter:
        compiled = self._conjunction()
        while self._keyword("or"):
            compiled = compiled | self._conjunction()
        return compiled

    def _conjunction(self) -> Filter:
        compiled = self._term()
        while self._keyword("and"):
            compiled = compiled & self._term()
        return compiled

    def _term(self) -> Filter:
        if self._punct("("):
            inner = self.disjunction()
            self._expect_punct(")")
            return inner
        kind_of_token, served = self._next()
        if kind_of_token != "word" or served.lower() in _KEYWORDS:
            raise QueryError(f"Expected an attribute name, found {served!r}.")
        name, kind = self.context.resolve(served)  # rows hold values under the documented name
        ranged = name == self.context.ranged
        if self._peek()[0] == "op":
            op = self._next()[1]
            compare, expected = _COMPARISONS[op], self._value(kind)
            predicate = _compare(name, kind, lambda value: compare(value, expected))
            return self._ranged(predicate, _comparison_span(op, expected) if ranged else None)
        if self._keyword("is"):
            negated = self._keyword("not")
            self._expect_keyword("null")
            return Filter(lambda attrs: (stored(kind, attrs.get(name)) is None) != negated)
        if self._keyword("in"):
            self._expect_punct("(")
            values = [self._value(kind)]
            while self._punct(","):
                values.append(self._value(kind))
            self._expect_punct(")")
            hull = (micros(min(values)), micros(max(values)) + 1, False) if ranged else None
            return self._ranged(_compare(name, kind, lambda value: value in values), hull)
        if self._keyword("like"):
            if kind != "string":
                raise QueryError(f"like needs a string attribute; {served} is {kind}.")
            pattern = _like_pattern(self._value(kind))
            return Filter(_compare(name, kind, lambda value: pattern.fullmatch(value) is not None))
        if self._keyword("between"):
            low = self._value(kind)
            self._expect_keyword("and")
            high = self._value(kind)
            span = (micros(low), micros(high) + 1, True) if ranged else None
            return self._ranged(_compare(name, kind, lambda value: low <= value <= high), span)
        raise QueryError(f"Expected an operator after {served}.")

    @staticmethod
    def _ranged(predicate: Predicate, span: Span | None) -> Filter:
        return Filter(predicate) if span is None else Filter(predicate, *span)

    def _value(self, kind: AttrType) -> Any:
        token_kind, text = self._next()
        if token_kind == "string":
            return _literal(kind, text[1:-1].replace("''", "'"), True, self.context.datetime_forms)
        if token_kind == "number" or (token_kind == "word" and kind == "boolean"):
            return _literal(kind, text, False, self.context.datetime_forms)
        raise QueryError(f"Expected a literal, found {text!r}.")

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("end", "end of q")

    def _next(self) -> tuple[str, str]:
        token = self._peek()
        self.position += 1
        return token

    def _keyword(self, word: str) -> bool:
        token_kind, text = self._peek()
        if token_kind == "word" and text.lower() == word:
            self.position += 1
            return True
        return False

    def _punct(self, char: str) -> bool:
        if self._peek() == ("punct", char):
            self.position += 1
            return True
        return False

    def _expect_keyword(self, word: str) -> None:
        if not self._keyword(word):
            raise QueryError(f"Expected {word!r}, found {self._peek()[1]!r}.")

    def _expect_punct(self, char: str) -> None:
        if not self._punct(char):
            raise QueryError(f"Expected {char!r}, found {self._peek()[1]!r}.")


def _like_pattern(text: str) -> re.Pattern[str]:
    # `%` and `*` match any run, `_` one character; everything else is literal.
    translated = "".join(".*" if c in "%*" else "." if c == "_" else re.escape(c) for c in text)
    return re.compile(translated, re.DOTALL)
