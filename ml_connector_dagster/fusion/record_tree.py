"""A Fusion record tree (a header and its child collections, level by level) → one canonical model, with errors
that name the record and the Fusion attribute at fault.

The attribute names are Oracle's documented ones; a pod that differs is described per profile
(`attribute_names`, keyed `<resource>.<documented attribute>`), never patched here. An attribute the pod did not
send is never a silent null: a required one quarantines the record naming it, an optional one is counted.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, ValidationError

from ml_connector_dagster.fusion.resources import UNREADABLE_CHILDREN, ChildCollection, WindowedResource
from ml_connector_dagster.records import InvalidRecord
from ml_connector_dagster.records.errors import shortened

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Level:
    """One level of a record tree: its Fusion resource, the canonical model of one row, the levels below."""

    resource: str  # the Fusion resource, or child collection name (`…/child/<resource>`)
    model: type[BaseModel]
    attributes: Mapping[str, str]  # canonical field → documented Fusion attribute
    key: str  # canonical field holding the row's key (its order among siblings)
    number: str | None = None  # canonical field that names a row in messages (LineNumber 2)
    children: tuple["Level", ...] = ()
    # The parent's canonical field holding these rows, when it differs from the resource (invoiceLines → lines).
    holder: str | None = None
    # Canonical fields Fusion sends as flags: booleans on some resources, "Y"/"N" on others.
    flags: frozenset[str] = frozenset()

    @property
    def in_parent(self) -> str:
        return self.holder or self.resource

    def walk(self) -> Iterator["Level"]:
        yield self
        for child in self.children:
            yield from child.walk()


def check_overrides(overrides: Iterable[str], roots: Sequence[Level]) -> None:
    """Raises ValueError naming the first override that no tree documents, and what its resource offers."""
    offered: dict[str, list[str]] = {}
    for root in roots:
        for level in root.walk():
            offered.setdefault(level.resource, []).extend(level.attributes.values())
    for name in sorted(overrides):
        resource, _, attribute = name.partition(".")
        if attribute in offered.get(resource, ()):
            continue
        if resource in offered:
            hint = f"{resource} has {', '.join(sorted(offered[resource]))}"
        else:
            hint = f"resources are {', '.join(offered)}"
        raise ValueError(f"unknown attribute {name}: use <resource>.<documented attribute>; {hint}")


def flag(value: Any) -> Any:
    """`true`/`false` or `"Y"`/`"N"` as a bool; anything else is left for validation to name."""
    if isinstance(value, str) and value.strip().upper() in ("Y", "N"):
        return value.strip().upper() == "Y"
    return value


@dataclass(frozen=True)
class AttributeNeed:
    resource: str
    attribute: str  # as this pod names it
    required: bool


class RecordTree(Generic[Model]):
    """Reads one pod's records of one tree: documented names, with the profile's overrides for its resources."""

    def __init__(self, root: Level, noun: str, overrides: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.noun = noun  # what a person calls one record: "purchase order"
        levels = {level.resource: level for level in root.walk()}
        mine = {name: source for name, source in (overrides or {}).items() if name.partition(".")[0] in levels}
        check_overrides(mine, [root])
        self._names: dict[str, dict[str, str]] = {
            resource: {
                field: mine.get(f"{resource}.{attribute}", attribute) for field, attribute in level.attributes.items()
            }
            for resource, level in levels.items()
        }

    def attribute(self, resource: str, field: str) -> str:
        """The attribute this pod serves a canonical field under."""
        return self._names[resource][field]

    def needs(self) -> list[AttributeNeed]:
        """Every attribute read, and whether a record without it is quarantined (required) or counted."""
        return [
            AttributeNeed(level.resource, self._names[level.resource][field], _required(level, field))
            for level in self.root.walk()
            for field in level.attributes
        ]

    def record_key(self, raw: Mapping[str, Any]) -> str:
        root = self.root
        key = self.attribute(root.resource, root.key)
        value = raw.get(key)
        if _blank(value) and root.number:
            value = raw.get(self.attribute(root.resource, root.number))
        return f"<no {key}>" if _blank(value) else str(value)

    def label(self, raw: Mapping[str, Any]) -> str:
        """`purchase order 1234 (POHeaderId 3001…)`: how messages name the record."""
        root = self.root
        key = self.attribute(root.resource, root.key)
        identity = f"({key} {shortened(str(raw.get(key, '?')), 40)})"
        if root.number is None:
            return f"{self.noun} {identity}"
        return f"{self.noun} {shortened(str(raw.get(self.attribute(root.resource, root.number), '?')), 40)} {identity}"

    def convert(self, raw: Mapping[str, Any]) -> tuple[Model, list[str]]:
        """The canonical record and the optional attributes it lacked (`lines.Price` once per line lacking it).

        Raises InvalidRecord naming the record and every offending Fusion attribute.
        """
        if UNREADABLE_CHILDREN in raw:
            below = [level.resource for level in self.root.walk()][1:]
            names = ", ".join(below[:-1]) + " or " + below[-1] if len(below) > 1 else "".join(below)
            reason = f"its {names} could not be read: {raw[UNREADABLE_CHILDREN]}"
            raise InvalidRecord(self.record_key(raw), f"{self.label(raw)}: {reason}")
        missing: list[str] = []
        data = self._canonical(raw, self.root, missing)
        try:
            return cast(Model, self.root.model.model_validate(data)), missing
        except ValidationError as exc:
            problems = "; ".join(self._describe(raw, error) for error in exc.errors(include_url=False))
            raise InvalidRecord(self.record_key(raw), f"{self.label(raw)}: {problems}") from None

    def _collections(self, level: Level) -> tuple[ChildCollection, ...]:
        return tuple(
            ChildCollection(child.resource, self.attribute(child.resource, child.key), self._collections(child))
            for child in level.children
        )

    def _canonical(self, raw: Mapping[str, Any], level: Level, missing: list[str]) -> dict[str, Any]:
        names = self._names[level.resource]
        data: dict[str, Any] = {}
        for field, attribute in names.items():
            if attribute not in raw:
                if not _required(level, field):
                    missing.append(f"{level.resource}.{attribute}")
                continue
            value = raw[attribute]
            if value is not None:
                data[field] = flag(value) if field in level.flags else value
        for child in level.children:
            rows = raw.get(child.resource) or []
            # Anything but a list of rows is left for validation to name (`lines` must be a list).
            data[child.in_parent] = (
                [self._canonical(row, child, missing) if isinstance(row, Mapping) else row for row in rows]
                if isinstance(rows, list)
                else rows
            )
        return data

    def _describe(self, raw: Mapping[str, Any], error: Any) -> str:
        """Turns pydantic's ('lines', 0, 'quantity') into Fusion's lines[LineNumber 1].Quantity."""
        path: list[str] = []
        node: Any = raw
        level = self.root
        location = list(error["loc"])
        attribute = ""
        while location:
            step = location.pop(0)
            child = next((c for c in level.children if c.in_parent == step), None)
            if child is not None and location and isinstance(location[0], int):
                index = location.pop(0)
                rows = node.get(child.resource) if isinstance(node, Mapping) else None
                node = rows[index] if isinstance(rows, list) and index < len(rows) else {}
                level = child
                path.append(f"{level.resource}[{self._row_label(node, level)}]")
            elif child is not None:
                # The collection itself is at fault (not a list): named as Fusion names it (invoiceLines).
                attribute = child.resource
                path.append(attribute)
            else:
                attribute = self._names[level.resource].get(str(step), str(step))
                path.append(attribute)
        where = ".".join(path)
        if error["type"] == "missing":
            sent_null = isinstance(node, Mapping) and attribute in node
            return f"{where} is {'empty' if sent_null else 'missing (the pod did not send it)'}"
        return f"{where} {_lower_first(error['msg'])} (got {str(error.get('input'))[:60]!r})"

    def _row_label(self, row: Any, level: Level) -> str:
        if level.number is None or not isinstance(row, Mapping):
            return "?"
        attribute = self._names[level.resource][level.number]
        return f"{attribute} {row.get(attribute)}"


class WindowedTree(RecordTree[Model]):
    """A tree whose header carries its change time (`last_update_date`): read window by window."""

    @property
    def resource(self) -> WindowedResource:
        """The header resource in (change time, key) order, with its child collections."""
        root = self.root
        return WindowedResource(
            name=root.resource,
            key=self.attribute(root.resource, root.key),
            changed_at=self.attribute(root.resource, "last_update_date"),
            children=self._collections(root),
        )


def _required(level: Level, field: str) -> bool:
    return level.model.model_fields[field].is_required()


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _blank(value: Any) -> bool:
    # 0 and False are values a pod sent (and a record is named by them), not absent ones.
    return value is None or value == ""
