"""The document template language: which JSON document a canonical record becomes for one tenant.

A template is the document itself, written in JSON, with directive objects where values come from the record.
Each kind of record (template_kinds.py) names its levels; a purchase order's are `order`, `line`, `schedule`
and `distribution`:

- `{"$field": "line.unit_price"}`: the field's value. Decimals render as strings (never through float), dates and
  times in ISO 8601, integers and text as they are.
- `{"$text": "order.supplier_id"}`: the same value, always as a string.
- `{"$key": "order.order_number"}`: the natural key (the PO number). Exactly once, outside lists and
  repetitions: the template declares where the key sits, the connector reads it back from documents there
  and places the target's id (`poId`) beside it for an UPDATE.
- `{"$each": "order.lines", "$item": <template>}`: an array with `$item` rendered once per line. Inside it the
  line's fields are `line.<field>`; `line.schedules` repeats over `schedule`, `schedule.distributions` over
  `distribution`. The fields of every enclosing level stay available (`order.…` anywhere).
- `{"$setting": "cost_center_field"}`: a connection setting's value, such as a custom field's name.
- `{"$map": "invoice.invoice_type", "$values": {"Standard": "Invoice"}, "$default": "Invoice"}`: the field's
  value as the tenant names it; a value not listed is `$default`, or itself when there is no default.

A field that is None renders as absent: its member is left out of its object, its element out of its array.
Everything else is copied as written.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, get_args, get_origin

from pydantic import BaseModel

RESERVED_ROOT_MEMBER = "operationCode"
_DIRECTIVES = "$field, $text, $key, $setting, $each with $item, $map with $values"
_REFERENCE = re.compile(r"^(?P<level>[a-z_]+)\.(?P<field>[a-z_][a-z0-9_]*)$")
_PLAIN_MEMBER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


@dataclass(frozen=True)
class TemplateKind:
    """What one kind of record's templates render: its levels (the first is the record itself, each name
    bound to its model in field references), its natural key and where the target's id goes beside it."""

    noun: str  # "purchase order", in messages and template sources
    document: str  # what the root object is: "the purchaseOrder document"
    levels: Mapping[str, type[BaseModel]]
    key_field: str  # "order.order_number"
    key_name: str  # "PO number"
    id_member: str | None  # placed beside the key on updates; None when the connector never places one
    file_name: str  # the packaged default under templates/

    @property
    def root_level(self) -> str:
        return next(iter(self.levels))

    @property
    def marker(self) -> str:
        return f"{self.key_name.replace(' ', '-')} marker"

    def item_level(self, level: str, field: str) -> str | None:
        """The level a list field repeats over (`lines` → `line`), or None for a field that is not a list."""
        annotation = self.levels[level].model_fields[field].annotation
        if get_origin(annotation) is not tuple:
            return None
        item_type = get_args(annotation)[0]
        return next((name for name, model in self.levels.items() if model is item_type), None)

    def lists(self) -> dict[str, str]:
        """Every repeatable list as `level.field` → the level it binds."""
        found = {}
        for level, model in self.levels.items():
            for field in model.model_fields:
                item_level = self.item_level(level, field)
                if item_level is not None:
                    found[f"{level}.{field}"] = item_level
        return found


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
class _Translated:
    """A field whose ERP value the tenant names differently (Fusion's "Standard" invoice is J1P's "Invoice")."""

    field: _Field
    values: dict[str, Any]
    default: Any

    def render(self, scope: Scope) -> Any:
        value = self.field.render(scope)
        if value is _ABSENT:
            return value
        return self.values.get(str(value), value if self.default is _ABSENT else self.default)


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


def _member_path(path: str, name: str) -> str:
    return f"{path}.{name}" if _PLAIN_MEMBER.match(name) else f'{path}["{name}"]'


def dotted(parts: tuple[str, ...]) -> str:
    """`("header", "poNumber")` as `header.poNumber`, the way settings and messages name a place in a document."""
    return ".".join(parts)


@dataclass(frozen=True)
class DocumentTemplate:
    """A validated template: renders records of its kind and knows where the key sits in what it renders."""

    kind: TemplateKind
    source: str
    root: _Object
    key_path: tuple[str, ...]

    @property
    def key_location(self) -> str:
        return dotted(self.key_path)

    def render(self, record: BaseModel) -> dict[str, Any]:
        document: dict[str, Any] = self.root.render({self.kind.root_level: record})
        return document

    def key_in(self, document: dict[str, Any]) -> str | None:
        """The natural key of a document this template rendered."""
        value: Any = document
        for part in self.key_path:
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return None if value is None else str(value)

    def with_id(self, document: dict[str, Any], target_id: str) -> dict[str, Any]:
        """A copy of `document` with the target's id beside the key, as an UPDATE names the document it replaces."""
        if self.kind.id_member is None:
            raise ValueError(f"{self.kind.noun} documents carry no target id")
        value: int | str = int(target_id) if target_id.isascii() and target_id.isdigit() else target_id
        return _with_member(document, self.key_path[:-1], self.kind.id_member, value)


def _with_member(document: dict[str, Any], path: tuple[str, ...], name: str, value: object) -> dict[str, Any]:
    if not path:
        return {**document, name: value}
    head, *rest = path
    return {**document, head: _with_member(document[head], tuple(rest), name, value)}


class _Compiler:
    def __init__(self, kind: TemplateKind, source: str, settings: Mapping[str, str]) -> None:
        self.kind = kind
        self.lists = kind.lists()
        self.settings = settings
        self.source = source
        self.key_path: tuple[str, ...] | None = None
        self.key_json_path = ""

    def error(self, path: str, problem: str) -> TemplateError:
        return TemplateError(self.source, path, problem)

    def compile_root(self, value: Any) -> DocumentTemplate:
        if not isinstance(value, dict) or self._is_directive(value):
            raise self.error("$", f"the template must be a JSON object: {self.kind.document}")
        if RESERVED_ROOT_MEMBER in value:
            raise self.error(
                _member_path("$", RESERVED_ROOT_MEMBER), "operationCode is set by the connector (CREATE, UPDATE, …)"
            )
        kind = self.kind
        root = self._object(value, "$", (kind.root_level,), ())
        if self.key_path is None:
            where = f'put {{"$key": "{kind.key_field}"}} where the tenant expects the {kind.key_name}'
            raise self.error("$", f"no {kind.marker}: {where}")
        return DocumentTemplate(kind, self.source, root, self.key_path)

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
        id_member = self.kind.id_member
        holds_key = self.key_path is not None and members is not None and self.key_path[:-1] == members
        if holds_key and id_member is not None and id_member in value:
            raise self.error(_member_path(path, id_member), f"{id_member} is placed here by the connector on updates")
        return _Object(compiled)

    def _directive(
        self, value: dict[str, Any], path: str, scope: tuple[str, ...], members: tuple[str, ...] | None
    ) -> _Node:
        names = set(value)
        if names == {"$each", "$item"}:
            return self._each(value, path, scope)
        if "$each" in names or "$item" in names:
            raise self.error(path, "a repetition is an object with exactly $each (the list) and $item (the template)")
        if "$map" in names:
            return self._translated(value, path, scope)
        unknown = sorted(name for name in names if name not in {"$field", "$text", "$key", "$setting"})
        if unknown:
            raise self.error(path, f"unknown directive {unknown[0]} (directives: {_DIRECTIVES})")
        if len(names) != 1:
            raise self.error(path, f"a directive object holds one directive, found {', '.join(sorted(names))}")
        [name] = names
        reference = value[name]
        inner = f"{path}.{name}"
        if not isinstance(reference, str):
            raise self.error(inner, f'{name} names a field as text, e.g. "{self.kind.key_field}"')
        if name == "$key":
            return self._key(reference, path, inner, members)
        if name == "$setting":
            if reference not in self.settings:
                raise self.error(inner, f"unknown setting '{reference}' (settings: {', '.join(sorted(self.settings))})")
            return _Literal(self.settings[reference])
        level, field = self._reference(reference, inner, scope)
        if self.kind.item_level(level, field) is not None:
            raise self.error(inner, f"'{reference}' is a list: repeat over it with $each and $item")
        return _Field(level, field, as_text=name == "$text")

    def _translated(self, value: dict[str, Any], path: str, scope: tuple[str, ...]) -> _Node:
        extra = sorted(set(value) - {"$map", "$values", "$default"})
        if extra or "$values" not in value:
            problem = f"unexpected {extra[0]}" if extra else "no $values"
            raise self.error(
                path, f'{problem}: a translation is {{"$map": field, "$values": {{erp: tenant}}, "$default"}}'
            )
        reference, values = value["$map"], value["$values"]
        if not isinstance(reference, str):
            raise self.error(f"{path}.$map", f'$map names a field as text, e.g. "{self.kind.key_field}"')
        if not isinstance(values, dict) or not all(isinstance(v, str | int | float | bool) for v in values.values()):
            raise self.error(f"{path}.$values", "$values is an object from ERP values to the tenant's values")
        level, field = self._reference(reference, f"{path}.$map", scope)
        return _Translated(_Field(level, field, as_text=False), values, value.get("$default", _ABSENT))

    def _key(self, reference: str, path: str, inner: str, members: tuple[str, ...] | None) -> _Node:
        kind = self.kind
        if reference != kind.key_field:
            raise self.error(inner, f"the {kind.marker} $key must name {kind.key_field}, not '{reference}'")
        if members is None:
            beside = "" if kind.id_member is None else f", where {kind.id_member} can be placed beside it"
            raise self.error(path, f"the {kind.marker} must be an object member outside lists and repetitions{beside}")
        if self.key_path is not None:
            raise self.error(path, f"a second {kind.marker} (the first is at {self.key_json_path})")
        self.key_path = members
        self.key_json_path = path
        level, field = kind.key_field.split(".")
        return _Field(level, field, as_text=True)

    def _each(self, value: dict[str, Any], path: str, scope: tuple[str, ...]) -> _Node:
        reference = value["$each"]
        inner = f"{path}.$each"
        if not isinstance(reference, str):
            raise self.error(inner, 'names the list to repeat over as text, e.g. "order.lines"')
        level, field = self._reference(reference, inner, scope)
        binds = self.kind.item_level(level, field)
        if binds is None:
            lists = ", ".join(self.lists)
            raise self.error(inner, f"repetition over '{reference}', which is not a list (lists: {lists})")
        if binds in scope:
            raise self.error(inner, f"already inside a repetition over {binds}")
        item = self._node(value["$item"], f"{path}.$item", (*scope, binds), None)
        return _Each(level, field, binds, item)

    def _reference(self, reference: str, path: str, scope: tuple[str, ...]) -> tuple[str, str]:
        match = _REFERENCE.match(reference)
        levels = self.kind.levels
        if match is None:
            example = self.kind.key_field
            raise self.error(path, f"'{reference}' is not a field reference: write level.field, e.g. {example}")
        level, field = match["level"], match["field"]
        if level not in levels:
            raise self.error(path, f"unknown level '{level}' in '{reference}' (levels: {', '.join(levels)})")
        if level not in scope:
            bound_by = next(name for name, binds in self.lists.items() if binds == level)
            raise self.error(path, f"'{reference}' is only available inside a repetition over {bound_by}")
        fields = levels[level].model_fields
        if field not in fields:
            raise self.error(path, f"unknown field '{reference}' ({level} fields: {', '.join(sorted(fields))})")
        return level, field


def compile_template(
    kind: TemplateKind, value: Any, source: str, settings: Mapping[str, str] | None = None
) -> DocumentTemplate:
    """Validates a parsed template; raises TemplateError naming `source` and the JSON path of the problem.
    `settings` are the values `$setting` may name."""
    return _Compiler(kind, source, settings or {}).compile_root(value)
