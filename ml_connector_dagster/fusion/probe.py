"""`ping` for a Fusion pod: what the connector relies on, checked against what this pod says of itself.

Attribute names, their queryability and which `q` forms work differ between pods and releases; finding out
here, with one sentence per finding, beats a sync that silently reads nulls or pages wrongly.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from ml_connector_dagster.fusion.connection import FusionConnection
from ml_connector_dagster.fusion.purchase_orders import PurchaseOrderMapping
from ml_connector_dagster.fusion.query import WindowQuery
from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import CheckFailed

_PROBE_SPAN = timedelta(days=30)


def ping(http: ApiClient, connection: FusionConnection, mapping: PurchaseOrderMapping) -> list[str]:
    """Lines a person reads; raises CheckFailed naming every problem that would break a sync."""
    lines: list[str] = []
    problems: list[str] = []
    resource = mapping.resource
    described = http.get_json(f"{resource.name}/describe")
    lines.append(f"authenticated; REST-Framework-Version {connection.framework_version}; read {resource.name}/describe")
    nodes = _described_resources(described, resource.name)
    for need in mapping.needs():
        node = nodes.get(need.resource)
        if node is None:
            problems.append(f"describe has no {need.resource} resource")
            nodes[need.resource] = {}
            continue
        attributes = node.get("attributes", {})
        if need.attribute not in attributes:
            if need.required:
                problems.append(
                    f"{need.resource}.{need.attribute} is not on this pod: every record would be quarantined; "
                    f"name the pod's attribute with `--attribute {need.resource}.{need.attribute}=<pod attribute>`"
                )
            else:
                lines.append(
                    f"warning: optional {need.resource}.{need.attribute} is not on this pod; records will be "
                    "synced without it and counted as missing"
                )
    changed_at = nodes.get(resource.name, {}).get("attributes", {}).get(resource.changed_at)
    if changed_at is not None and not changed_at.get("queryable", True):
        problems.append(f"{resource.name}.{resource.changed_at} is not queryable here: windows cannot be read")
    elif changed_at is not None:
        lines.append(f"{resource.name}.{resource.changed_at} is queryable")
    if not problems:
        lines.append(_probe_keyset(http, connection, mapping, problems))
    if problems:
        raise CheckFailed("fusion", "; ".join(problems))
    return lines


def _described_resources(body: Any, name: str) -> dict[str, dict[str, Any]]:
    """{resource name: {"attributes": {name: attribute}}} for the resource and every child below it."""
    root = body.get("Resources", {}).get(name) if isinstance(body, dict) else None
    found: dict[str, dict[str, Any]] = {}

    def walk(resource: str, node: Any) -> None:
        if not isinstance(node, dict):
            return
        attributes = {a["name"]: a for a in node.get("attributes", []) if isinstance(a, dict) and "name" in a}
        found[resource] = {"attributes": attributes}
        for child, below in (node.get("children") or {}).items():
            walk(child, below)

    walk(name, root)
    return found


def _probe_keyset(
    http: ApiClient, connection: FusionConnection, mapping: PurchaseOrderMapping, problems: list[str]
) -> str:
    """Reads two recent rows, then asks for the rows after the first the way a sync would: the second must come."""
    resource = mapping.resource
    now = datetime.now(UTC)
    window = WindowQuery(resource, now - _PROBE_SPAN, now, connection.datetime_literal)
    order = f"{resource.changed_at}:asc,{resource.key}:asc"
    first = http.get_json(resource.name, {"q": window.first(), "orderBy": order, "limit": 2, "onlyData": "true"})
    rows = first.get("items", []) if isinstance(first, dict) else []
    if len(rows) < 2:
        return f"keyset form '{connection.keyset_form}' not probed: fewer than 2 {resource.name} changed in 30 days"
    cursor = window.cursor_of(rows[0])
    if connection.keyset_form == "nested":
        queries = [(window.after(cursor), order)]
    else:
        queries = [(window.ties_after(cursor), f"{resource.key}:asc"), (window.after_instant(cursor), order)]
    for q, query_order in queries:
        answer = http.get_json(resource.name, {"q": q, "orderBy": query_order, "limit": 1, "onlyData": "true"})
        items = answer.get("items", []) if isinstance(answer, dict) else []
        if items:
            if items[0].get(resource.key) == rows[1].get(resource.key):
                return f"keyset form '{connection.keyset_form}' works (q: {q})"
            break
    problems.append(
        f"keyset form '{connection.keyset_form}' did not return the row after the cursor (q: {queries[0][0]}); "
        f"try `--keyset-form {'flat' if connection.keyset_form == 'nested' else 'nested'}` or another datetime_literal"
    )
    return ""
