"""`ping jaggaer`: every collection and template the connector relies on, checked the way a sync uses them.

A lookup filter a tenant does not honour would look like "nothing there yet" and end in duplicates, so each
lookup is tried on a stored document, the way a sync asks (`=in=` when lookup_batch_size > 1). The collections
read from JAGGAER (receipts, PO acknowledgments, invoices) are listed and asked with the window filters a sync
sends (`modified_filter`, `keyset_filter`); a filter the tenant refuses, or visibly ignores, names its setting.
"""

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ml_connector_dagster.http.errors import CheckFailed, RequestRejected
from ml_connector_dagster.jaggaer.answers import optional_identifier
from ml_connector_dagster.jaggaer.connection import SYSTEM
from ml_connector_dagster.jaggaer.document_template import DocumentTemplate
from ml_connector_dagster.jaggaer.listing import WindowedList, document_time, oldest_first
from ml_connector_dagster.jaggaer.sample import sample_invoice, sample_purchase_order, sample_supplier

if TYPE_CHECKING:
    from ml_connector_dagster.jaggaer.client import JaggaerClient

_DECOY = "-ml-connector-probe"


def probe_tenant(client: "JaggaerClient") -> list[str]:
    lines = [
        *_purchase_orders(client),
        *_suppliers(client),
        *_invoices(client),
        *_custom_fields(client),
        _rendered(client.suppliers.template, sample_supplier(), "supplier with sites and addresses"),
        _rendered(client.invoices.template, sample_invoice(), "invoice with lines and distributions"),
        *probe_sources(client),
    ]
    return lines


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


def probe_sources(client: "JaggaerClient") -> list[str]:
    """Receipts, PO acknowledgments and invoices as a sync reads them: listed, then asked with the window's
    modified-time filter and the keyset filter; one line each."""
    sources = (
        ("receipts", client.receipts.list, "receipt_path", "receipt_list_path"),
        ("PO acknowledgments", client.acknowledgments.list, "acknowledgment_path", "acknowledgment_list_path"),
        ("invoices", client.invoices.reading.list, "invoice_path", "invoice_list_path"),
    )
    lines = []
    for noun, listed, path_setting, list_setting in sources:
        try:
            total, first = listed.first()
        except RequestRejected as exc:
            advice = f"check {path_setting} and {list_setting}"
            raise CheckFailed(SYSTEM, f"listing {noun} failed ({exc}): {advice}") from None
        lines.append(f"listed {noun} at {listed.path} ({total} stored)")
        lines.append(_modified_filter(listed, first, noun))
        lines.append(_keyset_filter(listed, first, noun))
    return lines


def _modified_filter(listed: WindowedList, first: dict[str, object] | None, noun: str) -> str:
    window = listed.window
    if window.modified_filter is None:
        return f"{noun}: modified_filter not set, windows are full reads"
    stamped = None if first is None else document_time(first, window.time_place)
    # Just after a stored document's own time (or a day back when there is none): a tenant that honours the
    # filter cannot answer that document.
    lo = datetime.now(UTC) - timedelta(days=1) if stamped is None else stamped + timedelta(milliseconds=1)
    flt = str(window.range(lo, datetime.now(UTC) + timedelta(days=1)))
    found = _asked(listed, flt, "modified_filter", noun)
    at = None if found is None else document_time(found, window.time_place)
    if at is not None and at < lo:
        raise CheckFailed(SYSTEM, f"the tenant ignored flt={flt} on {noun}: set modified_filter to the form it honours")
    return f"{noun}: modified_filter accepted (flt={flt})"


def _keyset_filter(listed: WindowedList, first: dict[str, object] | None, noun: str) -> str:
    window = listed.window
    if window.keyset_filter is None:
        return f"{noun}: keyset_filter not set, windows are paged by offset (unsafe when documents change mid-read)"
    after = None if first is None else optional_identifier(first, ((window.id_field,),))
    flt = window.after(after or "0")
    found = _asked(listed, flt, "keyset_filter", noun)
    following = None if found is None else optional_identifier(found, ((window.id_field,),))
    if after is not None and following is not None and oldest_first(following) <= oldest_first(after):
        raise CheckFailed(SYSTEM, f"the tenant ignored flt={flt} on {noun}: set keyset_filter to the form it honours")
    return f"{noun}: keyset_filter accepted (flt={flt})"


def _asked(listed: WindowedList, flt: str, setting: str, noun: str) -> dict[str, object] | None:
    try:
        return listed.first(flt)[1]
    except RequestRejected as exc:
        refused = f"the tenant refused {setting} flt={flt} on {noun} ({exc})"
        raise CheckFailed(SYSTEM, f"{refused}: check {setting}") from None


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
