"""The document template language: which JSON document a canonical purchase order becomes for one tenant.

A template is the document itself, written in JSON, with directive objects where values come from the record:

- `{"$field": "line.unit_price"}`: the field's value. Decimals render as strings (never through float), dates and
  times in ISO 8601, integers and text as they are.
- `{"$text": "order.supplier_id"}`: the same value, always as a string.
- `{"$key": "order.order_number"}`: the PO number, the natural key. Exactly once, outside lists and repetitions:
  the connector reads it back from documents there and places `poId` beside it for an UPDATE.
- `{"$each": "order.lines", "$item": <template>}`: an array with `$item` rendered once per line. Inside it the
  line's fields are `line.<field>`; `line.schedules` repeats over `schedule`, `schedule.distributions` over
  `distribution`. The fields of every enclosing level stay available (`order.…` anywhere).

A field that is None renders as absent: its member is left out of its object, its element out of its array.
Everything else is copied as written.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, get_args, get_origin

from pydantic import BaseModel

from ml_connector_dagster.records import PODistribution, POLine, POSchedule, PurchaseOrder

KEY_FIELD = "order.order_number"
RESERVED_ROOT_MEMBER = "operationCode"
PO_ID_MEMBER = "poId"

# Each level's name in field references; repetitions bind the level of the list's items.
_LEVELS: dict[str, type[BaseModel]] = {
    "order": PurchaseOrder,
    "line": POLine,
    "schedule": POSchedule,
    "distribution": PODistribution,
}
_DIRECTIVES = "$field, $text, $key, $each with $item"
_REFERENCE = re.compile(r"^(?P<level>[a-z_]+)\.(?P<field>[a-z_]+)$")
_PLAIN_MEMBER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


class TemplateError(ValueError):
    """A template that cannot be used, with the file and the JSON path of the problem."""

    def __init__(self, source: str, path: str, problem: str) -> None:
        super().__init__(f"{source}: at {path}: {problem}")
        self.source = source
        self.path = path
        self.problem = problem


class _Absent:
    """What a None field renders to: its member or element is left out."""


_ABSENT = _Absent()
Scope = dict[str, BaseModel]


class _Node(Protocol):
    def render(self, scope: Scope) -> Any: ...


@dataclass(frozen=True)
class _Literal:
    value: str | int | float | bool | None

    def render(self, scope: Scope) -> Any:
        return self.value


@dataclass(frozen=True)
class _Object:
    members: tuple[tuple[str, _Node], ...]

    def render(self, scope: Scope) -> Any:
        rendered = ((name, node.render(scope)) for name, node in self.members)
        return {name: value for name, value in rendered if value is not _ABSENT}


@dataclass(frozen=True)
class _Array:
    items: tuple[_Node, ...]

    def render(self, scope: Scope) -> Any:
        return [value for value in (item.render(scope) for item in self.items) if value is not _ABSENT]


@dataclass(frozen=True)
class _Field:
    level: str
    name: str
    as_text: bool

    def render(self, scope: Scope) -> Any:
        value = _json_value(getattr(scope[self.level], self.name))
        if value is _ABSENT or not self.as_text:
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


@dataclass(frozen=True)
class _Each:
    level: str
    name: str
    binds: str
    item: _Node

    def render(self, scope: Scope) -> Any:
        rendered = (self.item.render({**scope, self.binds: child}) for child in getattr(scope[self.level], self.name))
        return [value for value in rendered if value is not _ABSENT]


def _json_value(value: object) -> Any:
    if value is None:
        return _ABSENT
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _item_level(model: type[BaseModel], field: str) -> str | None:
    """The level a list field repeats over (`lines` → `line`), or None for a field that is not a list."""
    annotation = model.model_fields[field].annotation
    if get_origin(annotation) is not tuple:
        return None
    item_type = get_args(annotation)[0]
    return next((level for level, level_model in _LEVELS.items() if level_model is item_type), None)


def _lists() -> dict[str, str]:
    """Every repeatable list as `level.field` → the level it binds."""
    found = {}
    for level, model in _LEVELS.items():
        for field in model.model_fields:
            item_level = _item_level(model, field)
            if item_level is not None:
                found[f"{level}.{field}"] = item_level
    return found


_LIST_BINDINGS = _lists()


def _member_path(path: str, name: str) -> str:
    return f"{path}.{name}" if _PLAIN_MEMBER.match(name) else f'{path}["{name}"]'


def dotted(parts: tuple[str, ...]) -> str:
    """`("header", "poNumber")` as `header.poNumber`, the way settings and messages name a place in a document."""
    return ".".join(parts)


@dataclass(frozen=True)
class DocumentTemplate:
    """A validated template: renders purchase orders and knows where the PO number sits in what it renders."""

    source: str
    root: _Object
    key_path: tuple[str, ...]

    @property
    def key_location(self) -> str:
        return dotted(self.key_path)

    def render(self, order: PurchaseOrder) -> dict[str, Any]:
        document: dict[str, Any] = self.root.render({"order": order})
        return document

    def po_number_in(self, document: dict[str, Any]) -> str | None:
        """The PO number of a document this template rendered."""
        value: Any = document
        for part in self.key_path:
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return None if value is None else str(value)

    def with_po_id(self, document: dict[str, Any], po_id: str) -> dict[str, Any]:
        """A copy of `document` with `poId` beside the PO number, as an UPDATE names the document it replaces."""
        value: int | str = int(po_id) if po_id.isascii() and po_id.isdigit() else po_id
        return _with_member(document, self.key_path[:-1], PO_ID_MEMBER, value)


def _with_member(document: dict[str, Any], path: tuple[str, ...], name: str, value: object) -> dict[str, Any]:
    if not path:
        return {**document, name: value}
    head, *rest = path
    return {**document, head: _with_member(document[head], tuple(rest), name, value)}


class _Compiler:
    def __init__(self, source: str) -> None:
        self.source = source
        self.key_path: tuple[str, ...] | None = None
        self.key_json_path = ""

    def error(self, path: str, problem: str) -> TemplateError:
        return TemplateError(self.source, path, problem)

    def compile_root(self, value: Any) -> DocumentTemplate:
        if not isinstance(value, dict) or self._is_directive(value):
            raise self.error("$", "the template must be a JSON object: the purchaseOrder document")
        if RESERVED_ROOT_MEMBER in value:
            raise self.error(
                _member_path("$", RESERVED_ROOT_MEMBER), "operationCode is set by the connector (CREATE, UPDATE, …)"
            )
        root = self._object(value, "$", ("order",), ())
        if self.key_path is None:
            raise self.error(
                "$", f'no PO-number marker: put {{"$key": "{KEY_FIELD}"}} where the tenant expects the PO number'
            )
        return DocumentTemplate(self.source, root, self.key_path)

    @staticmethod
    def _is_directive(value: dict[str, Any]) -> bool:
        return any(name.startswith("$") for name in value)

    def _node(self, value: Any, path: str, scope: tuple[str, ...], members: tuple[str, ...] | None) -> _Node:
        """`members` is the chain of object members from the root, or None once inside a list or repetition."""
        if isinstance(value, dict):
            if self._is_directive(value):
                return self._directive(value, path, scope, members)
            return self._object(value, path, scope, members)
        if isinstance(value, list):
            return _Array(tuple(self._node(item, f"{path}[{i}]", scope, None) for i, item in enumerate(value)))
        return _Literal(value)

    def _object(
        self, value: dict[str, Any], path: str, scope: tuple[str, ...], members: tuple[str, ...] | None
    ) -> _Object:
        compiled = tuple(
            (name, self._node(item, _member_path(path, name), scope, None if members is None else (*members, name)))
            for name, item in value.items()
        )
        holds_key = self.key_path is not None and members is not None and self.key_path[:-1] == members
        if holds_key and PO_ID_MEMBER in value:
            raise self.error(_member_path(path, PO_ID_MEMBER), "poId is placed here by the connector on updates")
        return _Object(compiled)

    def _directive(
        self, value: dict[str, Any], path: str, scope: tuple[str, ...], members: tuple[str, ...] | None
    ) -> _Node:
        names = set(value)
        if names == {"$each", "$item"}:
            return self._each(value, path, scope)
        if "$each" in names or "$item" in names:
            raise self.error(path, "a repetition is an object with exactly $each (the list) and $item (the template)")
        unknown = sorted(name for name in names if name not in {"$field", "$text", "$key"})
        if unknown:
            raise self.error(path, f"unknown directive {unknown[0]} (directives: {_DIRECTIVES})")
        if len(names) != 1:
            raise self.error(path, f"a directive object holds one directive, found {', '.join(sorted(names))}")
        [name] = names
        reference = value[name]
        inner = f"{path}.{name}"
        if not isinstance(reference, str):
            raise self.error(inner, f'{name} names a field as text, e.g. "{KEY_FIELD}"')
        if name == "$key":
            return self._key(reference, path, inner, members)
        level, field = self._reference(reference, inner, scope)
        if _item_level(_LEVELS[level], field) is not None:
            raise self.error(inner, f"'{reference}' is a list: repeat over it with $each and $item")
        return _Field(level, field, as_text=name == "$text")

    def _key(self, reference: str, path: str, inner: str, members: tuple[str, ...] | None) -> _Node:
        if reference != KEY_FIELD:
            raise self.error(inner, f"the PO-number marker $key must name {KEY_FIELD}, not '{reference}'")
        if members is None:
            raise self.error(
                path,
                "the PO-number marker must be an object member outside lists and repetitions, "
                "where poId can be placed beside it",
            )
        if self.key_path is not None:
            raise self.error(path, f"a second PO-number marker (the first is at {self.key_json_path})")
        self.key_path = members
        self.key_json_path = path
        return _Field("order", "order_number", as_text=True)

    def _each(self, value: dict[str, Any], path: str, scope: tuple[str, ...]) -> _Node:
        reference = value["$each"]
        inner = f"{path}.$each"
        if not isinstance(reference, str):
            raise self.error(inner, 'names the list to repeat over as text, e.g. "order.lines"')
        level, field = self._reference(reference, inner, scope)
        binds = _item_level(_LEVELS[level], field)
        if binds is None:
            lists = ", ".join(_LIST_BINDINGS)
            raise self.error(inner, f"repetition over '{reference}', which is not a list (lists: {lists})")
        if binds in scope:
            raise self.error(inner, f"already inside a repetition over {binds}")
        item = self._node(value["$item"], f"{path}.$item", (*scope, binds), None)
        return _Each(level, field, binds, item)

    def _reference(self, reference: str, path: str, scope: tuple[str, ...]) -> tuple[str, str]:
        match = _REFERENCE.match(reference)
        if match is None:
            raise self.error(path, f"'{reference}' is not a field reference: write level.field, e.g. {KEY_FIELD}")
        level, field = match["level"], match["field"]
        if level not in _LEVELS:
            raise self.error(path, f"unknown level '{level}' in '{reference}' (levels: {', '.join(_LEVELS)})")
        if level not in scope:
            bound_by = next(name for name, binds in _LIST_BINDINGS.items() if binds == level)
            raise self.error(path, f"'{reference}' is only available inside a repetition over {bound_by}")
        fields = _LEVELS[level].model_fields
        if field not in fields:
            raise self.error(path, f"unknown field '{reference}' ({level} fields: {', '.join(sorted(fields))})")
        return level, field


def compile_template(value: Any, source: str) -> DocumentTemplate:
    """Validates a parsed template; raises TemplateError naming `source` and the JSON path of the problem."""
    return _Compiler(source).compile_root(value)
