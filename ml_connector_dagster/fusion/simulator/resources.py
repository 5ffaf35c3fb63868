"""The fscmRestApi resource tree: every top-level resource of schema.py and its children as collections, items
and describe documents, with the framework's paging, ordering, filtering and shaping parameters. One code path
serves them all; only what the schema says differs (key, addressing, change time, children)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from starlette.datastructures import QueryParams

from ml_connector_dagster.fusion.simulator.acknowledgments import sync_acknowledgments
from ml_connector_dagster.fusion.simulator.errors import SimError, not_found
from ml_connector_dagster.fusion.simulator.pages import Page, read_indexed, read_rows
from ml_connector_dagster.fusion.simulator.query import Filter, QueryContext, compile_filter, parse_order_by
from ml_connector_dagster.fusion.simulator.render import Plan, Tree, collection_links, render_item
from ml_connector_dagster.fusion.simulator.rows import Row, key_of_path, path_key
from ml_connector_dagster.fusion.simulator.schema import (
    ACKNOWLEDGMENTS,
    LINE_KIND_ATTRIBUTES,
    LINES,
    SCHEMAS,
    TOP_LEVEL,
    PodAttribute,
    ResourceSchema,
    subtree,
)
from ml_connector_dagster.fusion.simulator.settings import FusionSimSettings
from ml_connector_dagster.fusion.simulator.store import PodStore
from ml_connector_dagster.fusion.simulator.tables import Table

API_VERSION = "11.13.18.05"
RESOURCES_PATH = "/fscmRestApi/resources"
COLLECTION_MEDIA_TYPE = "application/vnd.oracle.adf.resourcecollection+json"
ITEM_MEDIA_TYPE = "application/vnd.oracle.adf.resourceitem+json"
DESCRIBE_MEDIA_TYPE = "application/vnd.oracle.adf.description+json"
ServedKind = Literal["collection", "child_collection", "item", "describe"]


@dataclass(frozen=True)
class Served:
    body: Any
    media_type: str
    kind: ServedKind
    resource: str = ""  # the top-level resource a collection belongs to
    status: int = 200


class ResourceTree:
    """Answers GETs below /fscmRestApi/resources/11.13.18.05; the caller holds the store's lock."""

    def __init__(self, settings: FusionSimSettings, store: PodStore) -> None:
        self.settings = settings
        self.store = store
        # Rows the `edits_during_read` knob has edited, by resource: each is edited once, as a user would.
        self._edited: set[tuple[str, int]] = set()

    def serve(self, segments: list[str], base: str, params: QueryParams, version: int) -> Served:
        """Walks <resource>/{key}/child/<child>/{key}/… to a collection, an item, or a describe."""
        top = TOP_LEVEL.get(segments[0])
        if top is None:
            raise not_found("/".join(segments))
        if top is ACKNOWLEDGMENTS:
            sync_acknowledgments(self.store)
        schema, table = top, self.store.tables[top.name]
        href = f"{base}{RESOURCES_PATH}/{API_VERSION}/{schema.name}"
        parent: Row | None = None
        rest = segments[1:]
        while rest:
            if rest == ["describe"]:
                return Served({"Resources": {schema.name: self._describe(schema)}}, DESCRIBE_MEDIA_TYPE, "describe")
            row = table.find(rest[0]) if parent is None else _child_row(schema, parent, rest[0])
            if row is None:
                raise not_found(rest[0])
            # Items are named by their key in links, whichever way the request named them (a ValueSetCode).
            href = f"{href}/{path_key(schema, row.key)}"
            if len(rest) == 1:
                return Served(render_item(self._plan(params, version, schema), row, href), ITEM_MEDIA_TYPE, "item")
            child = schema.child(rest[2]) if len(rest) >= 3 and rest[1] == "child" else None
            if child is None:
                raise not_found("/".join(rest[1:3]))
            schema, parent, href, rest = child, row, f"{href}/child/{child.name}", rest[3:]
        if parent is None:
            return Served(self._top_level(table, href, params, version), COLLECTION_MEDIA_TYPE, "collection", top.name)
        rows = parent.children[SCHEMAS[parent.resource].position(schema)]
        body = self._collection(schema, rows, href, params, version)
        return Served(body, COLLECTION_MEDIA_TYPE, "child_collection", top.name)

    def _top_level(self, table: Table, href: str, params: QueryParams, version: int) -> dict[str, Any]:
        schema = table.schema
        plan, limit, offset, order, compiled = self._request(schema, params, version)
        with_total = _wants_total(params)
        if "finder" in params:
            found = table.get(_primary_key_finder(params["finder"], schema))
            rows = [] if found is None else [found]
            page = read_rows(rows, compiled, order, schema.attributes, limit, offset, with_total)
        elif table.index is not None:
            index, index_order = table.index, table.index_order
            page = read_indexed(index, index_order, compiled, order, schema.attributes, limit, offset, with_total)
        else:
            page = read_rows(table.rows(), compiled, order, schema.attributes, limit, offset, with_total)
        body = self._envelope(plan, page, href, limit, offset)
        if compiled is not None and table.index is not None and self.settings.edits_during_read:
            self._edit_after_read(schema.name, page.rows)
        return body

    def _collection(
        self, schema: ResourceSchema, rows: Sequence[Row], href: str, params: QueryParams, version: int
    ) -> dict[str, Any]:
        plan, limit, offset, order, compiled = self._request(schema, params, version)
        if "finder" in params:
            key = _primary_key_finder(params["finder"], schema)
            rows = [row for row in rows if row.attrs.get(schema.key) == key]
        page = read_rows(rows, compiled, order, schema.attributes, limit, offset, _wants_total(params))
        return self._envelope(plan, page, href, limit, offset)

    def _request(
        self, schema: ResourceSchema, params: QueryParams, version: int
    ) -> tuple[Plan, int, int, list[tuple[str, bool]] | None, Filter | None]:
        served = self.served(schema)
        plan = self._plan(params, version, schema)
        limit = min(_int_param(params, "limit", self.settings.default_limit, 1), self.settings.max_limit)
        offset = _int_param(params, "offset", 0, 0)
        order = parse_order_by(params["orderBy"], served) if params.get("orderBy") else None
        compiled = None
        if params.get("q"):
            forms = frozenset(self.settings.accepted_datetime_forms)
            context = QueryContext(served, self._not_queryable(schema), forms, schema.changed)
            compiled = compile_filter(params["q"], version, context)
        return plan, limit, offset, order, compiled

    def _envelope(self, plan: Plan, page: Page, href: str, limit: int, offset: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "items": [render_item(plan, row, f"{href}/{path_key(plan.schema, row.key)}") for row in page.rows],
            "count": len(page.rows),
            "hasMore": page.has_more,
            "limit": limit,
            "offset": offset,
            "links": collection_links(plan.schema.name, href),
        }
        # Only when asked: clients that read it unasked, or trust it for paging, should notice.
        if page.total is not None:
            body["totalResults"] = page.total
        return body

    def _edit_after_read(self, resource: str, rows: list[Row]) -> None:
        """Users editing records of the page just served: the edited rows leave a window being read."""
        now = datetime.now(UTC)
        unedited = [row for row in rows if (resource, row.key) not in self._edited]
        for row in unedited[: self.settings.edits_during_read]:
            self._edited.add((resource, row.key))
            self.store.touch(resource, row.key, now)

    def _plan(self, params: QueryParams, version: int, schema: ResourceSchema) -> Plan:
        present = {
            described.id: tuple((served, attribute.documented) for served, attribute in self.served(described).items())
            for described in subtree(schema)
        }
        if params.get("fields"):
            if params.get("expand"):
                raise SimError(400, "fields cannot be combined with expand.", "fields")
            fields = [name.strip() for name in params["fields"].split(",")]
            unknown = sorted(set(fields) - {served for served, _ in present[schema.id]})
            if unknown:
                raise SimError(400, f"Attributes {unknown} in fields are not recognized.", "fields")
            present[schema.id] = tuple(pair for pair in present[schema.id] if pair[0] in fields)
        only_data = params.get("onlyData", "").lower() == "true"
        expand = _expand_tree(params["expand"], schema) if params.get("expand") else {}
        flag_format = self.settings.flag_format
        return Plan.of(schema, present, expand, version, self.settings.default_limit, only_data, flag_format)

    def served(self, schema: ResourceSchema) -> dict[str, PodAttribute]:
        """The attributes this pod serves for a resource, by the names it serves them under, in schema order."""
        missing = set(self.settings.missing_attributes.get(schema.id, ()))
        if schema is LINES and not self.settings.line_kind_attributes:
            missing.update(LINE_KIND_ATTRIBUTES)
        renamed = self.settings.renamed_attributes.get(schema.id, {})
        return {
            renamed.get(name, name): PodAttribute(name, kind)
            for name, kind in schema.attributes.items()
            if name not in missing
        }

    def _not_queryable(self, schema: ResourceSchema) -> frozenset[str]:
        hidden = set() if self.settings.last_update_date_queryable else {"LastUpdateDate"}
        return frozenset(served for served, attribute in self.served(schema).items() if attribute.documented in hidden)

    def _describe(self, schema: ResourceSchema) -> dict[str, Any]:
        not_queryable = self._not_queryable(schema)
        return {
            "key": self.settings.renamed_attributes.get(schema.id, {}).get(schema.key, schema.key),
            "attributes": [
                {"name": served, "type": self._described_type(attribute), "queryable": served not in not_queryable}
                for served, attribute in self.served(schema).items()
            ],
            "children": {child.name: self._describe(child) for child in schema.children},
        }

    def _described_type(self, attribute: PodAttribute) -> str:
        # "Y"/"N" flags are strings to a client reading describe.
        return "string" if attribute.kind == "boolean" and self.settings.flag_format == "yn" else attribute.kind


def _child_row(schema: ResourceSchema, parent: Row, segment: str) -> Row | None:
    key = key_of_path(schema, segment)
    rows = parent.children[SCHEMAS[parent.resource].position(schema)]
    return None if key is None else next((row for row in rows if row.key == key), None)


def _wants_total(params: QueryParams) -> bool:
    return params.get("totalResults", "").lower() == "true"


def _expand_tree(text: str, schema: ResourceSchema) -> Tree:
    # `all` expands direct children only: a client that needs grandchildren must name them, which works
    # whichever way a real pod reads `all`.
    if text == "all":
        return {child.name: {} for child in schema.children}
    tree: Tree = {}
    for path in text.split(","):
        node, current = tree, schema
        for name in path.strip().split("."):
            child = current.child(name)
            if child is None:
                raise SimError(400, f"Child {name!r} in expand is not recognized.", "expand")
            node, current = node.setdefault(name, {}), child
    return tree


def _primary_key_finder(finder: str, schema: ResourceSchema) -> int:
    name, _, bindings = finder.partition(";")
    variables = dict(part.partition("=")[::2] for part in bindings.split(";") if part)
    if name != "PrimaryKey" or set(variables) != {schema.key} or not variables[schema.key].isdigit():
        raise SimError(400, f"Finder {finder!r} is not supported; use PrimaryKey;{schema.key}=<id>.", "finder")
    return int(variables[schema.key])


def _int_param(params: QueryParams, name: str, default: int, minimum: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise SimError(400, f"{name} must be an integer of at least {minimum}, not {raw!r}.", name)
    return int(raw)
