"""`ping jaggaer`: every collection and template the connector relies on, checked the way a sync uses them.

A lookup filter a tenant does not honour would look like "nothing there yet" and end in duplicates, so each
lookup is tried on a stored document, the way a sync asks (`=in=` when lookup_batch_size > 1).
"""

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ml_connector_dagster.http.errors import CheckFailed, RequestRejected
from ml_connector_dagster.jaggaer.connection import SYSTEM
from ml_connector_dagster.jaggaer.document_template import DocumentTemplate
from ml_connector_dagster.jaggaer.sample import sample_invoice, sample_purchase_order, sample_supplier

if TYPE_CHECKING:
    from ml_connector_dagster.jaggaer.client import JaggaerClient

_DECOY = "-ml-connector-probe"


def probe_tenant(client: "JaggaerClient") -> list[str]:
    return [
        *_purchase_orders(client),
        *_suppliers(client),
        *_invoices(client),
        *_custom_fields(client),
        _rendered(client.suppliers.template, sample_supplier(), "supplier with sites and addresses"),
        _rendered(client.invoices.template, sample_invoice(), "invoice with lines and distributions"),
    ]


def _purchase_orders(client: "JaggaerClient") -> list[str]:
    total, listed = client.first_purchase_order()
    lines = [f"authenticated and listed purchase orders ({total} stored)"]
    if listed is None:
        lines.append("PO number lookups not probed: the tenant holds no purchase order yet")
    else:
        lines.append(f"read a stored document: PO number {listed.po_number} is poId {listed.po_id}")
        flt = ("poNumber=in=(…)", "poNumber==…")
        lines.append(
            _lookup(
                client,
                "PO number",
                listed.po_number,
                listed.po_id,
                client.find_purchase_orders,
                flt,
                "purchase_order_path",
            )
        )
    lines.append(_rendered(client.template, sample_purchase_order(), "order with lines, schedules and distributions"))
    return lines


def _suppliers(client: "JaggaerClient") -> list[str]:
    total, listed = client.suppliers.first()
    lines = [f"listed company profiles ({total} stored)"]
    if listed is None:
        lines.append("supplier number lookups not probed: the tenant holds no company profile yet")
        return lines
    flt = ("extCode=in=(…)", "extCode==…")
    lines.append(
        _lookup(
            client,
            "supplier number",
            listed.supplier_number,
            listed.bravo_id,
            client.find_suppliers,
            flt,
            "supplier_path",
        )
    )
    return lines


def _invoices(client: "JaggaerClient") -> list[str]:
    total, listed = client.invoices.first()
    lines = [f"listed invoices ({total} stored)"]
    if listed is None:
        lines.append("invoice lookups not probed: the tenant holds no invoice yet")
        return lines
    flt = ("supplierNumber==…;supplierInvoiceNumber=in=(…)", "supplierNumber==…;supplierInvoiceNumber==…")
    lines.append(_lookup(client, "invoice", listed.key, listed.invoice_id, client.find_invoices, flt, "invoice_path"))
    return lines


def _custom_fields(client: "JaggaerClient") -> list[str]:
    lines = []
    for setting in ("cost_center_field", "gl_account_field"):
        field = client.connection.template_settings[setting]
        total, _ = client.custom_fields.first(field)
        lines.append(f"listed values of custom field '{field}' ({setting}): {total} stored")
    return lines


def _lookup(
    client: "JaggaerClient",
    name: str,
    key: str,
    expected: str,
    find: Callable[[Sequence[str]], Mapping[str, str]],
    filters: tuple[str, str],
    path_setting: str,
) -> str:
    """Looks a stored key up as a sync does, with a decoy beside it when lookups are batched."""
    batched = client.connection.lookup_batch_size > 1
    keys = [key, f"{key}{_DECOY}"] if batched else [key]
    flt = filters[0] if batched else filters[1]
    advice = "set lookup_batch_size to 1" if batched else f"check {path_setting}"
    try:
        found = find(keys).get(key)
    except RequestRejected as exc:
        raise CheckFailed(SYSTEM, f"the tenant refused the lookup flt={flt} ({exc}): {advice}") from None
    if found != expected:
        raise CheckFailed(SYSTEM, f"looking {name} {key} up with flt={flt} did not find it: {advice}")
    return f"{name} lookups work (flt={flt})"


def _rendered(template: DocumentTemplate, sample: BaseModel, what: str) -> str:
    size = len(json.dumps(template.render(sample)))
    kind = template.kind
    return (
        f"{template.source} renders a sample {what} ({size} bytes); the {kind.key_name} goes at {template.key_location}"
    )
