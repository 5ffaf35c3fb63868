"""The fscmRestApi resource tree: purchaseOrders → lines → schedules → distributions as collections, items
and describe documents, with the framework's paging, ordering, filtering and shaping parameters."""

import hashlib
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams

from ml_connector_dagster.fusion.simulator.data import PURCHASE_ORDERS, PurchaseOrderStore, ResourceSchema, Row
from ml_connector_dagster.fusion.simulator.errors import SimError
from ml_connector_dagster.fusion.simulator.query import QueryContext, compile_filter, parse_order_by, sort_rows
from ml_connector_dagster.fusion.simulator.settings import FusionSimSettings

API_VERSION = "11.13.18.05"
RESOURCES_PATH = "/fscmRestApi/resources"
COLLECTION_MEDIA_TYPE = "application/vnd.oracle.adf.resourcecollection+json"
ITEM_MEDIA_TYPE = "application/vnd.oracle.adf.resourceitem+json"
DESCRIBE_MEDIA_TYPE = "application/vnd.oracle.adf.description+json"
Tree = dict[str, "Tree"]


@dataclass(frozen=True)
class _Shape:
    """How items are rendered: which attributes, which children inline, with or without links."""

    version: int
    page_size: int
    only_data: bool
    fields: frozenset[str] | None
    expand: Tree


def not_found(what: str) -> SimError:
    return SimError(404, f"The requested resource {what!r} was not found.", code="SIM-NOT-FOUND")


def link(rel: str, href: str, name: str, kind: str) -> dict[str, str]:
    return {"rel": rel, "href": href, "name": name, "kind": kind}


class ResourceTree:
    """Answers GETs below /fscmRestApi/resources/11.13.18.05; the caller holds the store's lock."""

    def __init__(self, settings: FusionSimSettings, store: PurchaseOrderStore) -> None:
        self.settings = settings
        self.store = store

    def serve(self, segments: list[str], base: str, params: QueryParams, version: int) -> tuple[Any, str]:
        """Walks purchaseOrders/{key}/child/lines/{key}/… to a collection, an item, or a describe."""
        schema = PURCHASE_ORDERS
        if segments[0] != schema.name:
            raise not_found("/".join(segments))
        href = f"{base}{RESOURCES_PATH}/{API_VERSION}/{schema.name}"
        rows, rest = self.store.headers, segments[1:]
        while rest:
            if rest == ["describe"]:
                return {"Resources": {schema.name: self._describe(schema)}}, DESCRIBE_MEDIA_TYPE
            row = next((row for row in rows if row.uniq_id == rest[0]), None)
            if row is None:
                raise not_found(rest[0])
            href = f"{href}/{rest[0]}"
            if len(rest) == 1:
                return _item(schema, row, href, self._shape(params, version, schema)), ITEM_MEDIA_TYPE
            child = schema.child(rest[2]) if len(rest) >= 3 and rest[1] == "child" else None
            if child is None:
                raise not_found("/".join(rest[1:3]))
            schema, rows, href, rest = child, row.children[child.name], f"{href}/child/{child.name}", rest[3:]
        return self._collection(schema, rows, href, params, version), COLLECTION_MEDIA_TYPE

    def _collection(
        self, schema: ResourceSchema, rows: list[Row], href: str, params: QueryParams, version: int
    ) -> dict[str, Any]:
        shape = self._shape(params, version, schema)
        matched = list(rows)
        if "finder" in params:
            key = _primary_key_finder(params["finder"], schema)
            matched = [row for row in matched if row.attrs.get(schema.key) == key]
        if params.get("q"):
            context = QueryContext(
                schema.attributes, self._not_queryable(schema), frozenset(self.settings.accepted_datetime_forms)
            )
            predicate = compile_filter(params["q"], version, context)
            matched = [row for row in matched if predicate(row.attrs)]
        limit = min(_int_param(params, "limit", self.settings.default_limit, 1), self.settings.max_limit)
        offset = _int_param(params, "offset", 0, 0)
        if params.get("orderBy"):
            matched = sort_rows(matched, parse_order_by(params["orderBy"], schema.attributes), schema.attributes)
        else:
            matched = _undefined_order(matched, offset)
        page = matched[offset : offset + limit]
        body: dict[str, Any] = {
            "items": [_item(schema, row, f"{href}/{row.uniq_id}", shape) for row in page],
            "count": len(page),
            "hasMore": offset + len(page) < len(matched),
            "limit": limit,
            "offset": offset,
            "links": [link("self", href, schema.name, "collection")],
        }
        # Only when asked: clients that read it unasked, or trust it for paging, should notice.
        if params.get("totalResults", "").lower() == "true":
            body["totalResults"] = len(matched)
        return body

    def _shape(self, params: QueryParams, version: int, schema: ResourceSchema) -> _Shape:
        fields = None
        if params.get("fields"):
            if params.get("expand"):
                raise SimError(400, "fields cannot be combined with expand.", "fields")
            fields = frozenset(name.strip() for name in params["fields"].split(","))
            unknown = sorted(fields - set(schema.attributes))
            if unknown:
                raise SimError(400, f"Attributes {unknown} in fields are not recognized.", "fields")
        only_data = params.get("onlyData", "").lower() == "true"
        expand = _expand_tree(params["expand"], schema) if params.get("expand") else {}
        return _Shape(version, self.settings.default_limit, only_data, fields, expand)

    def _not_queryable(self, schema: ResourceSchema) -> frozenset[str]:
        hidden = set() if self.settings.last_update_date_queryable else {"LastUpdateDate"}
        return frozenset(hidden & set(schema.attributes))

    def _describe(self, schema: ResourceSchema) -> dict[str, Any]:
        not_queryable = self._not_queryable(schema)
        return {
            "key": schema.key,
            "attributes": [
                {"name": name, "type": kind, "queryable": name not in not_queryable}
                for name, kind in schema.attributes.items()
            ],
            "children": {child.name: self._describe(child) for child in schema.children},
        }


def _item(schema: ResourceSchema, row: Row, href: str, shape: _Shape) -> dict[str, Any]:
    body: dict[str, Any] = {
        name: row.attrs[name]
        for name in schema.attributes
        if name in row.attrs and (shape.fields is None or name in shape.fields)
    }
    for child in schema.children:
        if child.name not in shape.expand:
            continue
        child_href = f"{href}/child/{child.name}"
        child_shape = _Shape(shape.version, shape.page_size, shape.only_data, None, shape.expand[child.name])
        rows = _undefined_order(row.children[child.name], 0)
        items = [_item(child, c, f"{child_href}/{c.uniq_id}", child_shape) for c in rows]
        # v3 made expanded children paged collections; before that they were plain arrays.
        body[child.name] = (
            items
            if shape.version < 3
            else {
                "items": items[: shape.page_size],
                "count": min(len(items), shape.page_size),
                "hasMore": len(items) > shape.page_size,
                "limit": shape.page_size,
                "offset": 0,
                "links": [link("self", child_href, child.name, "collection")],
            }
        )
    if not shape.only_data:
        body["links"] = [link("self", href, schema.name, "item")] + [
            link("child", f"{href}/child/{child.name}", child.name, "collection") for child in schema.children
        ]
    return body


def _undefined_order(rows: list[Row], offset: int) -> list[Row]:
    """Without orderBy the order is undefined: a shuffle that changes from page to page, so a client that
    forgets orderBy sees rows repeat and go missing, as it can on a real pod."""
    return sorted(rows, key=lambda row: hashlib.blake2b(f"{row.uniq_id}:{offset}".encode(), digest_size=8).digest())


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
