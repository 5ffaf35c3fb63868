"""`ping` for a Fusion pod: what the connector relies on, checked against what this pod says of itself.

Attribute names, their queryability, which `q` forms work and which value set holds the cost centers differ
between pods and releases; finding out here, with one sentence per finding, beats a sync that silently reads
nulls, pages wrongly or finds no reference data.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from ml_connector_dagster.fusion.connection import FusionConnection
from ml_connector_dagster.fusion.invoices import InvoiceMapping
from ml_connector_dagster.fusion.purchase_orders import PurchaseOrderMapping
from ml_connector_dagster.fusion.query import WindowQuery
from ml_connector_dagster.fusion.record_tree import AttributeNeed, WindowedTree
from ml_connector_dagster.fusion.reference import CostCenterMapping, GLAccountMapping
from ml_connector_dagster.fusion.suppliers import SupplierMapping
from ml_connector_dagster.fusion.value_sets import values_href
from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import CheckFailed, RequestRejected

_PROBE_SPAN = timedelta(days=30)


def ping(http: ApiClient, connection: FusionConnection) -> list[str]:
    """Lines a person reads; raises CheckFailed naming every problem that would break a sync."""
    overrides = connection.attribute_names
    orders = PurchaseOrderMapping(overrides)
    lines = [f"authenticated; REST-Framework-Version {connection.framework_version}"]
    problems: list[str] = []
    for mapping in (orders, SupplierMapping(overrides), InvoiceMapping(overrides)):
        _check_described(http, mapping, lines, problems)
    _check_value_set(http, connection, lines, problems)
    _check_account_combinations(http, connection, lines, problems)
    _check_write_back(http, connection, lines, problems)
    if not problems:
        lines.append(_probe_keyset(http, connection, orders, problems))
    if problems:
        raise CheckFailed("fusion", "; ".join(problems))
    return lines


def _judge(needs: Iterable[AttributeNeed], served: set[str], lines: list[str], problems: list[str]) -> int:
    """Adds a problem per required attribute the pod lacks and a warning per optional one; returns how many
    are served."""
    found = 0
    for need in needs:
        if need.attribute in served:
            found += 1
        elif need.required:
            problems.append(
                f"{need.resource}.{need.attribute} is not on this pod: every record would be quarantined; "
                f"name the pod's attribute with `--attribute {need.resource}.{need.attribute}=<pod attribute>`"
            )
        else:
            lines.append(
                f"warning: optional {need.resource}.{need.attribute} is not on this pod; records will be "
                "synced without it and counted as missing"
            )
    return found


def _check_described(http: ApiClient, mapping: WindowedTree[Any], lines: list[str], problems: list[str]) -> None:
    resource = mapping.resource
    try:
        described = http.get_json(f"{resource.name}/describe")
    except RequestRejected as exc:
        problems.append(f"{resource.name}/describe could not be read: {exc}")
        return
    nodes = _described_resources(described, resource.name)
    needs = mapping.needs()
    found = 0
    for name in dict.fromkeys(need.resource for need in needs):
        if name not in nodes:
            problems.append(f"describe has no {name} resource")
            continue
        found += _judge([n for n in needs if n.resource == name], set(nodes[name]), lines, problems)
    lines.append(f"read {resource.name}/describe: {found} of the {len(needs)} attributes the sync reads are served")
    changed_at = nodes.get(resource.name, {}).get(resource.changed_at)
    if changed_at is not None and not changed_at.get("queryable", True):
        problems.append(f"{resource.name}.{resource.changed_at} is not queryable here: windows cannot be read")
    elif changed_at is not None:
        lines.append(f"{resource.name}.{resource.changed_at} is queryable")


def _described_resources(body: Any, name: str) -> dict[str, dict[str, dict[str, Any]]]:
    """{resource name: {attribute name: attribute}} for the resource and every child below it."""
    root = body.get("Resources", {}).get(name) if isinstance(body, dict) else None
    found: dict[str, dict[str, dict[str, Any]]] = {}

    def walk(resource: str, node: Any) -> None:
        if not isinstance(node, dict):
            return
        found[resource] = {a["name"]: a for a in node.get("attributes", []) if isinstance(a, dict) and "name" in a}
        for child, below in (node.get("children") or {}).items():
            walk(child, below)

    walk(name, root)
    return found


def _first_row(http: ApiClient, href: str, key: str) -> dict[str, Any] | None:
    body = http.get_json(href, {"orderBy": f"{key}:asc", "limit": 1, "onlyData": "true"})
    items = body.get("items") if isinstance(body, dict) else None
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else None


def _check_value_set(http: ApiClient, connection: FusionConnection, lines: list[str], problems: list[str]) -> None:
    code = connection.cost_center_value_set
    mapping = CostCenterMapping(code, connection.attribute_names)
    try:
        href = values_href(http, code)
        row = _first_row(http, href, mapping.key) if href is not None else None
    except RequestRejected as exc:
        problems.append(f"the cost-center value set '{code}' could not be read: {exc}")
        return
    if href is None:
        problems.append(
            f"no value set with ValueSetCode '{code}' on this pod: set cost_center_value_set "
            "(`--cost-center-value-set`) to the code of the value set holding the cost centers"
        )
    elif row is None:
        problems.append(
            f"value set '{code}' has no values: no cost center could be mapped; check cost_center_value_set "
            "(`--cost-center-value-set`) and the integration user's data access"
        )
    else:
        lines.append(f"value set '{code}' found, with values (the first: {mapping.record_key(row)})")
        _judge(mapping.needs(), set(row), lines, problems)


def _check_account_combinations(
    http: ApiClient, connection: FusionConnection, lines: list[str], problems: list[str]
) -> None:
    mapping = GLAccountMapping(connection.attribute_names, connection.gl_segment_attributes)
    resource = mapping.resource
    try:
        row = _first_row(http, resource.name, resource.key)
    except RequestRejected as exc:
        problems.append(f"{resource.name} could not be read: {exc}")
        return
    if row is None:
        lines.append(
            f"warning: {resource.name} returned no rows (a missing data-security role reads as empty): "
            "segment attributes not checked"
        )
        return
    absent = [name for name in mapping.segment_attributes if name not in row]
    if absent:
        served = ", ".join(sorted(name for name in row if "SEGMENT" in name.upper())) or "none named *SEGMENT*"
        problems.append(
            f"{resource.name} does not serve {', '.join(absent)}: set gl_segment_attributes "
            f"(`--gl-segment-attributes`) to its segment attributes in chart order (it serves {served})"
        )
    else:
        lines.append(f"{resource.name} serves the segment attributes {','.join(mapping.segment_attributes)}")
    _judge(mapping.rows.needs(), set(row), lines, problems)


def _check_write_back(http: ApiClient, connection: FusionConnection, lines: list[str], problems: list[str]) -> None:
    """The resources receipts, acknowledgments and invoices are written to answer a GET under their configured
    names, and purchase order lines say how they are received (or receipts send what their record carries)."""
    settings = ("receipt_requests_resource", "acknowledgments_resource", "invoices_resource")
    for setting in settings:
        name = getattr(connection, setting)
        try:
            http.get_json(name, {"limit": 1, "onlyData": "true"})
        except RequestRejected as exc:
            problems.append(f"write-back resource {name} could not be read: {exc}; check the setting {setting}")
            continue
        lines.append(f"write-back resource {name} answers")
    basis = connection.line_matching_basis_attribute
    try:
        described = _described_resources(http.get_json("purchaseOrders/describe"), "purchaseOrders")
    except RequestRejected:
        return  # already reported by the purchase-order check
    if basis in described.get("lines", {}):
        lines.append(f"purchase order lines serve {basis}: fixed-price service lines are received by amount")
    else:
        lines.append(
            f"warning: purchase order lines do not serve {basis} (line_matching_basis_attribute): receipt lines are "
            "sent with the quantity or amount their record carries, and Fusion refuses the wrong one"
        )


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
