"""A parsed SuiteQL query bound to one table: typed value getters for its columns, literals and functions, and
its WHERE compiled to a `Filter` that knows which rows it can reach through an index.

A filter's `span` bounds the (change time, key) of every row it matches, so a keyset page is found by
bisecting the change index; when the condition is exactly that span (`residual` None) the rows are counted
without being looked at, which keeps 100,000-row windows fast.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from ml_connector_dagster.netsuite.simulator import formats
from ml_connector_dagster.netsuite.simulator.errors import NetSuiteError, search_error
from ml_connector_dagster.netsuite.simulator.schema import Kind, TableSchema
from ml_connector_dagster.netsuite.simulator.spans import (
    ALL_INSTANTS,
    Span,
    bound,
    intersection,
    key_range,
    one_instant,
    time_span,
    touch,
)
from ml_connector_dagster.netsuite.simulator.suiteql import (
    And,
    Call,
    Column,
    Compare,
    Condition,
    Expr,
    InList,
    IsNull,
    Or,
)
from ml_connector_dagster.netsuite.simulator.suiteql import Literal as LiteralExpr
from ml_connector_dagster.netsuite.simulator.tables import NO_INSTANT, Row

# Besides the column kinds: `string` and `numeric` literals, `instant` (TO_TIMESTAMP/TO_DATE), `null`.
ValueKind = Kind | Literal["string", "numeric", "instant", "null"]
Predicate = Callable[[Row], bool]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True)
class Value:
    kind: ValueKind
    get: Callable[[Row], Any]
    constant: bool = False
    column: str | None = None


@dataclass(frozen=True)
class Filter:
    """Rows matching are those whose (change time, key) is in `span` (None: any row, NULL change time too) and
    that pass `residual` (None: all). `keys`: the condition is exactly `lo <= key < hi`. `lookup`: every
    matching row has its hashed column (by position) in the set."""

    residual: Predicate | None = None
    span: Span | None = None
    keys: tuple[int, int] | None = None
    lookup: tuple[int, frozenset[Any]] | None = None


class Binder:
    """Binds names and values of one query to `schema` (named `alias` too), in the account's time zone."""

    def __init__(
        self,
        schema: TableSchema,
        alias: str | None,
        zone: formats.AccountZone,
        date_format: str,
        unknown_column_status: int,
    ) -> None:
        self.schema = schema
        self.alias = alias
        self.zone = zone
        self.date_format = date_format
        self.unknown_column_status = unknown_column_status
        self._changed = schema.position[schema.changed]
        self._key = None if schema.key is None else schema.position[schema.key]

    # --- values ---------------------------------------------------------------------------------------------

    def value(self, expr: Expr) -> Value:
        if isinstance(expr, LiteralExpr):
            return _constant(expr.value)
        if isinstance(expr, Column):
            return self._column(expr)
        return self._call(expr)

    def _column(self, expr: Column) -> Value:
        if expr.qualifier is not None and expr.qualifier not in (self.alias, self.schema.name):
            raise self.unknown_field(f"{expr.qualifier}.{expr.name}")
        if expr.name not in self.schema.position:
            raise self.unknown_field(expr.name)
        index = self.schema.position[expr.name]
        return Value(self.schema.kind(expr.name), operator.itemgetter(index), column=expr.name)

    def unknown_field(self, name: str) -> NetSuiteError:
        if self.unknown_column_status == 500:
            return NetSuiteError(500, "UNEXPECTED_ERROR", "An unexpected SuiteScript error has occurred.")
        return search_error(f"Field '{name}' for record '{self.schema.name}' was not found.")

    def _call(self, expr: Call) -> Value:
        arguments = [self.value(argument) for argument in expr.arguments]
        if expr.function in ("to_timestamp", "to_date"):
            if len(arguments) != 2 or not all(each.constant and each.kind == "string" for each in arguments):
                raise search_error(f"{expr.function.upper()} takes a text literal and a format model literal.")
            text, model = (each.get(()) for each in arguments)
            try:
                instant = self.zone.instant(formats.parse(text, model))
            except formats.FormatError as error:
                raise search_error(str(error)) from None
            return Value("instant", lambda row: instant, constant=True)
        if expr.function == "to_char" and len(arguments) in (1, 2):
            subject = arguments[0]
            if len(arguments) == 1:
                return Value("string", self.rendered(subject), subject.constant)
            if not (arguments[1].constant and arguments[1].kind == "string"):
                raise search_error("TO_CHAR takes a format model literal.")
            return Value("string", self._to_char(subject, arguments[1].get(())), subject.constant)
        raise search_error(f"Unknown or unsupported function {expr.function.upper()}.")

    def _to_char(self, subject: Value, model: str) -> Callable[[Row], str | None]:
        get, wall = subject.get, self._wall(subject.kind)
        if wall is None:
            return self.rendered(subject)

        def to_char(row: Row) -> str | None:
            value = get(row)
            return None if value is None else formats.render(model, wall(value))

        return to_char

    def _wall(self, kind: ValueKind) -> Callable[[Any], Any] | None:
        """How a stored value of `kind` becomes a wall-clock datetime of the account, if it is temporal."""
        if kind in ("datetime", "instant"):
            return self.zone.wall
        if kind == "date":
            return formats.day_start
        return None

    def rendered(self, value: Value) -> Callable[[Row], str | None]:
        """The getter of `value` as SuiteQL answers it: a string, datetimes date-only in the user's format."""
        get, wall = value.get, self._wall(value.kind)
        if wall is not None:
            model = self.date_format
            return lambda row: None if (raw := get(row)) is None else formats.render(model, wall(raw))
        if value.kind in ("number", "numeric"):
            return lambda row: None if (raw := get(row)) is None else _number_text(raw)
        if value.kind in ("int", "text", "bool", "string"):
            return lambda row: None if (raw := get(row)) is None else str(raw)
        return lambda row: None

    # --- conditions -----------------------------------------------------------------------------------------

    def condition(self, condition: Condition) -> Filter:
        if isinstance(condition, And):
            result = self.condition(condition.terms[0])
            for term in condition.terms[1:]:
                result = self.both(result, self.condition(term))
            return result
        if isinstance(condition, Or):
            result = self.condition(condition.terms[0])
            for term in condition.terms[1:]:
                result = self.either(result, self.condition(term))
            return result
        if isinstance(condition, IsNull):
            return self._is_null(condition)
        if isinstance(condition, InList):
            return self._in_list(condition)
        return self._compare(condition)

    def _is_null(self, condition: IsNull) -> Filter:
        subject = self.value(condition.expr)
        get = subject.get
        if condition.negated and subject.column == self.schema.changed:
            return Filter(span=ALL_INSTANTS)
        if condition.negated:
            return Filter(lambda row: get(row) is not None)
        return Filter(lambda row: get(row) is None)

    def _in_list(self, condition: InList) -> Filter:
        subject = self.value(condition.expr)
        if subject.constant:
            raise search_error("IN needs a column on its left.")
        coerced = (self._coerced(subject.kind, self.value(each)) for each in condition.values)
        values = frozenset(value for value in coerced if value is not None)
        get = subject.get
        if condition.negated:
            return Filter(lambda row: (value := get(row)) is not None and value not in values)
        predicate: Predicate = lambda row: get(row) in values  # noqa: E731
        if subject.column in self.schema.indexed:
            return Filter(predicate, lookup=(self.schema.position[subject.column], values))
        return Filter(predicate)

    def _compare(self, condition: Compare) -> Filter:
        left, op, right = self.value(condition.left), condition.op, self.value(condition.right)
        if left.constant and not right.constant:
            left, op, right = right, _FLIPPED[op], left
        compare = _OPS[op]
        if not right.constant:
            return self._compare_values(left, compare, right)
        if left.kind == "date" and right.kind == "instant":
            # A date is the instant its day starts in the account's zone, as Oracle compares a DATE.
            midnight, instant = self._midnight(left.get), right.get(())
            return Filter(lambda row: (value := midnight(row)) is not None and compare(value, instant))
        constant = self._coerced(left.kind, right)
        if constant is None:
            return Filter(lambda row: False)
        get = left.get
        predicate: Predicate = lambda row: (value := get(row)) is not None and compare(value, constant)  # noqa: E731
        if left.column == self.schema.changed and op != "<>":
            return Filter(span=time_span(op, constant))
        keys = key_range(op, constant) if left.column == self.schema.key and isinstance(constant, int) else None
        lookup = None
        if left.column in self.schema.indexed and op == "=":
            lookup = (self.schema.position[left.column], frozenset({constant}))
        return Filter(predicate, keys=keys, lookup=lookup)

    def _compare_values(self, left: Value, compare: Callable[[Any, Any], bool], right: Value) -> Filter:
        if _family(left.kind) != _family(right.kind):
            raise search_error(f"Cannot compare a {left.kind} value with a {right.kind} value.")
        first, second = left.get, right.get

        def predicate(row: Row) -> bool:
            a, b = first(row), second(row)
            return a is not None and b is not None and compare(a, b)

        return Filter(predicate)

    def _midnight(self, get: Callable[[Row], Any]) -> Callable[[Row], int | None]:
        cache: dict[int, int] = {}

        def midnight(row: Row) -> int | None:
            ordinal = get(row)
            if ordinal is None:
                return None
            if ordinal not in cache:
                cache[ordinal] = self.zone.midnight(ordinal)
            return cache[ordinal]

        return midnight

    def _coerced(self, kind: ValueKind, constant: Value) -> Any:
        """A constant in the stored form of `kind`, as Oracle converts it implicitly; a clear 400 where it does
        not (a datetime compared with text: use TO_TIMESTAMP)."""
        value = constant.get(())
        if value is None:
            return None
        family, given = _family(kind), _family(constant.kind)
        if family == given:
            return value
        if family == "numeric" and given == "string":
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                raise search_error(f"Invalid number: '{value}'.") from None
            return int(number) if kind == "int" and number == number.to_integral_value() else number
        if family == "string" and given == "numeric":
            return str(value)
        raise search_error(
            f"Cannot compare a {kind} value with a {constant.kind} literal; use TO_TIMESTAMP or TO_DATE."
        )

    # --- filter algebra -------------------------------------------------------------------------------------

    def both(self, first: Filter, second: Filter) -> Filter:
        span = intersection(first.span, second.span)
        residuals = [each.residual for each in (first, second) if each.residual is not None]
        for keyed, timed in ((first, second), (second, first)):
            if keyed.keys is not None and keyed.span is None and timed.residual is None and one_instant(timed.span):
                # `changed = C AND key > K`: one contiguous run of the (change time, key) index.
                assert timed.span is not None
                instant = timed.span[0][0]
                lower = max(timed.span[0], bound(instant, keyed.keys[0]))
                upper = min(timed.span[1], bound(instant, keyed.keys[1]))
                return Filter(span=(lower, upper))
        keys = None
        if first.keys is not None and second.keys is not None:
            keys = (max(first.keys[0], second.keys[0]), min(first.keys[1], second.keys[1]))
        lookup = _narrower(first.lookup, second.lookup)
        return Filter(_all(residuals), span, keys, lookup)

    def either(self, first: Filter, second: Filter) -> Filter:
        spans = (first.span, second.span)
        keys = None
        if first.keys is not None and second.keys is not None and touch(first.keys, second.keys):
            keys = (min(first.keys[0], second.keys[0]), max(first.keys[1], second.keys[1]))
        lookup = None
        if first.lookup is not None and second.lookup is not None and first.lookup[0] == second.lookup[0]:
            lookup = (first.lookup[0], first.lookup[1] | second.lookup[1])
        if spans[0] is None or spans[1] is None:
            return Filter(self._any(first, second), None, keys, lookup)
        hull = (min(spans[0][0], spans[1][0]), max(spans[0][1], spans[1][1]))
        if first.residual is None and second.residual is None and touch(spans[0], spans[1]):
            return Filter(span=hull, lookup=lookup)
        return Filter(self._any(first, second), hull, keys, lookup)

    def _any(self, first: Filter, second: Filter) -> Predicate:
        one, other = self.matcher(first), self.matcher(second)
        return lambda row: one(row) or other(row)

    def matcher(self, compiled: Filter) -> Predicate:
        """The whole condition of a filter, span included, as one predicate."""
        residual, span = compiled.residual, compiled.span
        if span is None:
            return residual or (lambda row: True)
        lower, upper = span
        changed, key = self._changed, self._key

        def in_span(row: Row) -> bool:
            instant = row[changed]
            position = (NO_INSTANT if instant is None else instant, 0 if key is None else row[key])
            return lower <= position < upper

        if residual is None:
            return in_span
        return lambda row: in_span(row) and residual(row)


def _constant(value: str | int | Decimal | None) -> Value:
    if value is None:
        return Value("null", lambda row: None, constant=True)
    kind: ValueKind = "string" if isinstance(value, str) else "numeric"
    return Value(kind, lambda row: value, constant=True)


def _family(kind: ValueKind) -> str:
    if kind in ("int", "number", "numeric"):
        return "numeric"
    if kind in ("text", "bool", "string"):
        return "string"
    if kind in ("datetime", "instant"):
        return "instant"
    return kind


def _number_text(value: Decimal | int) -> str:
    # [unverified] SuiteQL sends numbers without trailing zeros ("1500", "12.5").
    if isinstance(value, int):
        return str(value)
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _narrower(
    first: tuple[int, frozenset[Any]] | None, second: tuple[int, frozenset[Any]] | None
) -> tuple[int, frozenset[Any]] | None:
    if first is None or second is None:
        return first or second
    if first[0] == second[0]:
        return (first[0], first[1] & second[1])
    return first if len(first[1]) <= len(second[1]) else second


def _all(predicates: list[Predicate]) -> Predicate | None:
    if not predicates:
        return None
    if len(predicates) == 1:
        return predicates[0]
    return lambda row: all(predicate(row) for predicate in predicates)
