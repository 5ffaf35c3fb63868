"""Items and collections as the REST framework renders them, and the JSON text they go out as.

A page of 499 headers with their lines, schedules and distributions is thousands of items, and their links
are most of its bytes. So the body is built once as dicts for the C encoder, with two kinds of values spliced
in afterwards as text: links (an f-string around the href, as JSON) and amounts (their exact digits,
`1234.50`, which no float would keep).
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from ml_connector_dagster.fusion.simulator.rows import Row, path_key
from ml_connector_dagster.fusion.simulator.schema import SCHEMAS, ResourceSchema
from ml_connector_dagster.fusion.simulator.settings import FlagFormat

Tree = dict[str, "Tree"]
# Spliced values go through the encoder as strings behind a control character no stored value contains
# (`\x1f` digits of an amount, `\x1e` the index of a text fragment), which it escapes to `\u001f`/`\u001e`.
_AMOUNT, _FRAGMENT = "\x1f", "\x1e"
_SPLICED = re.compile(r'"\\u001([ef])([^"]*)"')


class RawJSON:
    """Text that is already JSON, to be written as it is."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


@dataclass(frozen=True)
class Plan:
    """How items of one resource are rendered in a response: which attributes, which child collections inline
    (each with its own plan, by its position among the row's collections), with or without links, how flags
    look, and the framework version and page size that shape inline children. Hrefs must need no JSON
    escaping (the app only serves hosts that do not)."""

    schema: ResourceSchema
    attributes: tuple[tuple[str, str], ...]  # (name the pod serves, documented name rows hold it under)
    children: tuple[tuple[int, "Plan"], ...]
    version: int
    page_size: int
    only_data: bool
    flags: tuple[str, ...]  # served names of boolean attributes, rendered "Y"/"N" when flag_format is "yn"

    @classmethod
    def of(
        cls,
        schema: ResourceSchema,
        attributes: Mapping[str, tuple[tuple[str, str], ...]],
        expand: Tree,
        version: int,
        page_size: int,
        only_data: bool,
        flag_format: FlagFormat,
    ) -> "Plan":
        children = tuple(
            (position, cls.of(child, attributes, expand[child.name], version, page_size, only_data, flag_format))
            for position, child in enumerate(schema.children)
            if child.name in expand
        )
        served = attributes[schema.id]
        flags = ()
        if flag_format == "yn":
            flags = tuple(name for name, documented in served if schema.attributes[documented] == "boolean")
        return cls(schema, served, children, version, page_size, only_data, flags)


@cache
def _links_template(resource: str) -> str:
    """An item's links as JSON with `%(href)s` where its href goes: its self link and a child link per child."""
    schema = SCHEMAS[resource]
    links = [f'{{"rel":"self","href":"%(href)s","name":"{schema.name}","kind":"item"}}']
    links += [
        f'{{"rel":"child","href":"%(href)s/child/{child.name}","name":"{child.name}","kind":"collection"}}'
        for child in schema.children
    ]
    return f"[{','.join(links)}]"


def collection_links(name: str, href: str) -> RawJSON:
    return RawJSON(f'[{{"rel":"self","href":"{href}","name":"{name}","kind":"collection"}}]')


def render_item(plan: Plan, row: Row, href: str) -> dict[str, Any]:
    attrs = row.attrs
    body: dict[str, Any] = {served: attrs[name] for served, name in plan.attributes if name in attrs}
    for flag in plan.flags:
        if isinstance(body.get(flag), bool):
            body[flag] = "Y" if body[flag] else "N"
    for position, child in plan.children:
        name = child.schema.name
        body[name] = _inline_children(child, row.children[position], f"{href}/child/{name}")
    if not plan.only_data:
        body["links"] = RawJSON(_links_template(plan.schema.id) % {"href": href})
    return body


def _inline_children(plan: Plan, rows: tuple[Row, ...], href: str) -> Any:
    """Expanded children, in key order (the order their ids were given). Framework v3 made them paged
    collections of the framework's page size; before that they were plain arrays of every child."""
    schema = plan.schema
    if plan.version < 3:
        return [render_item(plan, row, f"{href}/{path_key(schema, row.key)}") for row in rows]
    page = rows[: plan.page_size]
    return {
        "items": [render_item(plan, row, f"{href}/{path_key(schema, row.key)}") for row in page],
        "count": len(page),
        "hasMore": len(rows) > len(page),
        "limit": plan.page_size,
        "offset": 0,
        "links": collection_links(schema.name, href),
    }


def json_bytes(content: Any) -> bytes:
    """Compact JSON by the C encoder, with RawJSON written as it is and every Decimal as its exact digits."""
    fragments: list[str] = []

    def spliced(value: object) -> str:
        if isinstance(value, Decimal):
            return f"{_AMOUNT}{value:f}"
        if isinstance(value, RawJSON):
            fragments.append(value.text)
            return f"{_FRAGMENT}{len(fragments) - 1}"
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    parts = _SPLICED.split(json.dumps(content, default=spliced, separators=(",", ":"), check_circular=False))
    # split() leaves [text, kind, payload, text, kind, payload, …, text]: each kind and payload become the text.
    for kind in range(1, len(parts), 3):
        payload = parts[kind + 1]
        parts[kind] = payload if parts[kind] == "f" else fragments[int(payload)]
        parts[kind + 1] = ""
    return "".join(parts).encode("utf-8")
