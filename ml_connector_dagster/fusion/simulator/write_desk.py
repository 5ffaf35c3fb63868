"""The writes the pod takes below /fscmRestApi/resources/11.13.18.05, answered as the REST framework answers
them: the written item as a GET of it would render it (children expanded), with the status of the write."""

from collections.abc import Callable, Mapping
from dataclasses import replace

from starlette.datastructures import QueryParams

from ml_connector_dagster.fusion.simulator.acknowledgments import RECORD as ACKNOWLEDGMENT
from ml_connector_dagster.fusion.simulator.acknowledgments import acknowledge
from ml_connector_dagster.fusion.simulator.errors import SimError
from ml_connector_dagster.fusion.simulator.invoice_writes import RECORD as INVOICE
from ml_connector_dagster.fusion.simulator.invoice_writes import write_invoice
from ml_connector_dagster.fusion.simulator.receipts import RECORD as RECEIPT
from ml_connector_dagster.fusion.simulator.receipts import receive
from ml_connector_dagster.fusion.simulator.reference_writes import RECORDS, apply, changes_of, find_target
from ml_connector_dagster.fusion.simulator.resources import ITEM_MEDIA_TYPE, ResourceTree, Served
from ml_connector_dagster.fusion.simulator.rows import path_key
from ml_connector_dagster.fusion.simulator.schema import (
    ACKNOWLEDGMENTS,
    INVOICES,
    RECEIPT_REQUESTS,
    SUPPLIERS,
    VALUE_SETS,
)
from ml_connector_dagster.fusion.simulator.writes import json_object, stamp_now

# Counters of stats() the writes move.
WRITE_COUNTERS = (
    "receipts_created",
    "receipt_requests_failed",
    "receipt_lines_failed",
    "acknowledgments",
    "invoices_created",
    "invoices_updated",
    "reference_patches",
    "unchanged_patches",
)


class WriteDesk:
    """Takes POSTs and PATCHes; the caller authenticates and holds the store's lock."""

    def __init__(self, tree: ResourceTree, count: Callable[[str, int], None]) -> None:
        self._tree = tree
        self._count = count

    def write(
        self, method: str, segments: list[str], raw: bytes, headers: Mapping[str, str], base: str, version: int
    ) -> Served:
        store, settings = self._tree.store, self._tree.settings
        if method == "POST" and segments == [RECEIPT_REQUESTS.name]:
            _require_json(headers, RECEIPT)
            row, failed = receive(store, json_object(raw, RECEIPT))
            self._count("receipts_created" if not failed else "receipt_requests_failed", 1)
            self._count("receipt_lines_failed", failed)
            return self._item([RECEIPT_REQUESTS.name, str(row.key)], base, version, "lines,processingErrors", 201)
        if method == "POST" and segments == [INVOICES.name]:
            if _media_type(headers) != ITEM_MEDIA_TYPE:
                raise SimError(415, f"An invoice must be posted as {ITEM_MEDIA_TYPE}.", "Content-Type", "SIM-415")
            upsert = headers.get("upsert-mode", "").strip().lower() == "true"
            row, created = write_invoice(store, json_object(raw, INVOICE), upsert)
            self._count("invoices_created" if created else "invoices_updated", 1)
            status = 201 if created else settings.invoice_upsert_update_status
            return self._item([INVOICES.name, path_key(INVOICES, row.key)], base, version, "invoiceLines", status)
        if method == "PATCH" and segments[0] == ACKNOWLEDGMENTS.name and len(segments) in (2, 5):
            _require_json(headers, ACKNOWLEDGMENT)
            acknowledge(store, segments[1:], json_object(raw, ACKNOWLEDGMENT), settings.acknowledgment_responses)
            self._count("acknowledgments", 1)
            if settings.acknowledgment_patch_status == 204:
                return Served(None, "", "item", status=204)
            return self._item(segments, base, version, "", 200)
        if method == "PATCH" and segments[0] in (SUPPLIERS.name, VALUE_SETS.name):
            target = find_target(store, segments)
            record = RECORDS[target.schema.id]
            _require_json(headers, record)
            changes = changes_of(target, json_object(raw, record), self._tree.served)
            changed = apply(store, target, changes, stamp_now())
            self._count("reference_patches" if changed else "unchanged_patches", 1)
            return self._item(segments, base, version, "", 200)
        raise SimError(405, f"{method} is not supported on {'/'.join(segments)}.", code="SIM-METHOD")

    def _item(self, segments: list[str], base: str, version: int, expand: str, status: int) -> Served:
        params = QueryParams({"expand": expand} if expand else {})
        return replace(self._tree.serve(segments, base, params, version), status=status)


def _media_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", "").partition(";")[0].strip().lower()


def _require_json(headers: Mapping[str, str], record: str) -> None:
    if not _media_type(headers).endswith("json"):
        raise SimError(415, f"A {record.lower()} must be sent as JSON.", "Content-Type", "SIM-415")
