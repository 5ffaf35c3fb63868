"""Fuzzed input: every source feed is handed thousands of malformed records (fuzzing.py) mixed with valid ones,
through the engine's pull on a real store. Nothing escapes as an exception; every record is staged or
quarantined; each quarantine reason names the record and one of the members the variant broke (as the source
names it, or as the canonical record does where the source has no checks of its own); the valid records are
staged, and, for purchase orders, posted to JAGGAER by the normal run.

A variant may still be valid (an optional member dropped, a negative amount on an invoice): then it is staged.
"""

import random
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from ml_connector_dagster.cli.simulators import LocalSimulators, running_simulators
from ml_connector_dagster.connections import fusion_client, jaggaer_client, netsuite_client
from ml_connector_dagster.flows import FLOWS, flow_named
from ml_connector_dagster.store import AuditStatus, MasterKeys, Store, generate_key
from ml_connector_dagster.sync.ports import SourceFeed
from ml_connector_dagster.sync.pull import Pull
from ml_connector_dagster_tests.fuzzing import Fuzzer, Shape, Variant
from ml_connector_dagster_tests.postgres import throwaway_database

from .conftest import hours_ago, run_purchase_orders

# Per feed. 16 feeds × 10,000 variants take about a minute on two cores.
VARIANTS = 10_000
VALID = 200
LO, HI = hours_ago(3), hours_ago(2)
SHAPES = {
    "cost_centers": Shape("Value"),
    "gl_accounts": Shape("_CODE_COMBINATION_ID"),
    "suppliers": Shape("SupplierId", "SupplierNumber"),
    "purchase_orders": Shape("POHeaderId", "OrderNumber"),
    "invoices": Shape("InvoiceId", "InvoiceNumber"),
    "receipts": Shape("receiptId", "receiptNumber"),
    "acknowledgments": Shape("acknowledgmentId", "poNumber"),
    "payables_invoices": Shape("invoiceId", "supplierInvoiceNumber"),
    "netsuite_purchase_orders": Shape("id", "tranid"),
    "netsuite_vendor_bills": Shape("id", "tranid"),
}
NETSUITE = Shape("id")
# What a person fixing the record reads: the canonical name of a source member, where the source has no checks
# of its own and the canonical record names the field.
CANONICAL = {
    "companyname": "supplier",
    "entityid": "supplier_number",
    "currency": "currency_code",
    # The change time a NetSuite read attaches, named as the person sees the column in NetSuite.
    "lastmodified": "lastmodifieddate",
}


def invoice_document(number: int) -> dict[str, Any]:
    return {
        "supplierInvoiceNumber": f"INV-{number}",
        "supplier": {"supplierNumber": "S-1", "name": "Acme"},
        "businessUnit": {"internalName": "US1 Business Unit"},
        "invoiceType": "Invoice",
        "invoiceDate": "2026-01-07",
        "workflowStatus": "Approved",
        "total": {"currency": "USD", "value": 130.5},
        "lineList": {
            "invoiceLine": [
                {"lineNumber": 1, "poNumber": "PO-1", "poLineNumber": 1, "quantity": 2, "unitPrice": 40},
                {"lineNumber": 2, "poNumber": "PO-1", "poLineNumber": 2, "poScheduleNumber": 3, "lineAmount": 50.5},
            ]
        },
    }


def seed(sims: LocalSimulators) -> None:
    """A few records of every source entity, in the window [LO, HI)."""
    sims.fusion.seed_purchase_orders(8, LO, HI)
    sims.fusion.seed_suppliers(4, LO, HI)
    sims.fusion.seed_invoices(8, LO, HI)
    at = LO + timedelta(minutes=10)
    for n in range(1, 4):
        line = {"po_number": f"PO-{n}", "po_line_number": 1, "quantity": 2}
        service = {"po_number": f"PO-{n}", "po_line_number": 2, "amount": "150.25", "uom": "USD"}
        sims.jaggaer.add_receipt(f"RC-{n}", "S-1", [line, service], at=at)
        lines = [{"po_line_number": 1, "comment": "ok"}, {"po_line_number": 2, "status": "Rejected"}]
        sims.jaggaer.add_acknowledgment(f"PO-{n}", "Accepted", "on time", lines, at=at)
        sims.jaggaer.add_invoice(invoice_document(n), at=at)
    sims.netsuite.seed_vendors(4, LO, HI)
    sims.netsuite.seed_purchase_orders(4, LO, HI)
    sims.netsuite.seed_vendor_bills(4, LO, HI)


@dataclass
class Source:
    store: Store
    feeds: dict[str, SourceFeed]
    samples: dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """Every source feed over the seeded simulators, with the raw records each reads of the window."""
    with ExitStack() as stack:
        sims = stack.enter_context(running_simulators())
        folder = tmp_path_factory.mktemp("fuzz")
        store = Store.open(f"sqlite:///{folder / 'connector.db'}", MasterKeys.from_env_value(generate_key()))
        stack.callback(store.close)
        sims.store_credentials(store)
        seed(sims)
        clients = {"fusion": fusion_client(store), "jaggaer": jaggaer_client(store), "netsuite": netsuite_client(store)}
        for client in clients.values():
            stack.callback(client.close)
        feeds = {flow.entity: flow.feed(clients[flow.source]) for flow in FLOWS}
        samples = {entity: [r for r in feed.changed(LO, HI) if isinstance(r, dict)] for entity, feed in feeds.items()}
        yield Source(store, feeds, samples)


def shape_of(entity: str) -> Shape:
    return SHAPES.get(entity, NETSUITE)


def fed(fuzzer: Fuzzer, seed_value: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Variant]]:
    """The raws to pull (valid records and variants mixed in an order of their own), the valid ones, the variants."""
    valid = fuzzer.valid(VALID)
    variants = list(fuzzer.variants(VARIANTS))
    raws = [*valid, *(v.raw for v in variants)]
    random.Random(seed_value).shuffle(raws)
    return raws, valid, variants


def as_stored(key: str) -> str:
    """The start of a record key as the quarantine keeps it (escaped, and cut when it is long)."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")[:150]


def names_a_field(reason: str, broken: set[str]) -> bool:
    """Whether the reason names a member the variants broke, or its canonical field: as a whole word, so that
    `Amount` is not found in `InvoiceAmount`."""
    names = broken | {CANONICAL.get(name, _snake(name)) for name in broken}
    # Garbage in a collection is named by the row it made (`lines` → `line 3: id is empty`).
    names |= {name[:-1] for name in broken if name.endswith("s")}
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", reason) for name in names)


def check_reasons(store: Store, feed: SourceFeed, run_id: str, variants: list[Variant], quarantined: int) -> None:
    """Every quarantine reason names its record (its key, or the number that names it) and a broken member."""
    by_key = {as_stored(feed.record_key(v.raw)): v for v in variants}
    rows = store.audit.query(run_id=run_id, status=AuditStatus.QUARANTINED, limit=quarantined + 1)
    assert len(rows) == quarantined
    unnamed = []
    for row in rows:
        variant = by_key[as_stored(row.record_key)]
        reason = row.reason or ""
        # A record with neither key nor number is named by the key it lacks ("(ValueId ?)").
        names = {
            as_stored(row.record_key)[:30],
            *_numbers(variant, feed),
            *([shape_of(feed.entity).key] if row.record_key.startswith("<no ") else []),
        }
        if not any(name in reason for name in names) or not names_a_field(reason, set(variant.broken)):
            unnamed.append((row.record_key[:40], variant.kinds, variant.broken, reason[:300]))
    assert not unnamed, f"{len(unnamed)} reasons do not name record and field, e.g. {unnamed[:5]}"


def _snake(name: str) -> str:
    """JAGGAER's poLineNumber as the canonical record names it: po_line_number."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _numbers(variant: Variant, feed: SourceFeed) -> set[str]:
    number = shape_of(feed.entity).number
    value = variant.raw.get(number) if number else None
    return {as_stored(str(value))[:30]} if isinstance(value, str | int) and str(value).strip() else set()


@pytest.mark.parametrize("entity", [flow.entity for flow in FLOWS])
def test_malformed_records_are_quarantined_naming_record_and_field_and_valid_ones_staged(
    source: Source, entity: str
) -> None:
    feed, samples = source.feeds[entity], source.samples[entity]
    assert samples, f"the simulators gave {entity} nothing to break"
    fuzzer = Fuzzer(samples, shape_of(entity), feed.record_key, seed=sum(map(ord, entity)))
    raws, valid, variants = fed(fuzzer, seed_value=len(entity))
    run_id = f"fuzz-{entity}"
    started = time.monotonic()

    report = Pull(source.store, feed, flow_named(entity).target, run_id).run_raws(raws)

    counts = report.counts
    assert counts.pulled == len(raws) == VALID + VARIANTS
    assert counts.staged + counts.quarantined == counts.pulled
    assert counts.quarantined >= VARIANTS // 3, counts
    check_reasons(source.store, feed, run_id, variants, counts.quarantined)
    valid_keys = [feed.record_key(raw) for raw in valid]
    seen = source.store.ledger.get_many(feed.system, flow_named(entity).target, entity, valid_keys)
    assert sorted(seen) == sorted(valid_keys)
    print(f"{entity}: {counts.line()} in {time.monotonic() - started:.1f}s")


def test_the_valid_orders_beside_malformed_ones_post_to_jaggaer_in_the_normal_run(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance, tmp_path: Path
) -> None:
    sims.fusion.seed_purchase_orders(6, LO, HI)
    flow = flow_named("purchase_orders")
    with closing(fusion_client(store)) as client:
        feed = flow.feed(client)
        samples = [raw for raw in feed.changed(LO, HI) if isinstance(raw, dict)]
        fuzzer = Fuzzer(samples, SHAPES["purchase_orders"], feed.record_key, seed=9)
        valid = fuzzer.valid(20)
        raws = [*valid, *(v.raw for v in fuzzer.variants(2_000))]
        random.Random(9).shuffle(raws)
        report = Pull(store, feed, flow.target, "fuzz-pull").run_raws(raws)
    assert report.counts.staged + report.counts.quarantined == len(raws)

    result = run_purchase_orders(instance, LO, HI)

    assert result.success
    numbers = {str(raw["OrderNumber"]) for raw in valid}
    written = store.ledger.get_many("fusion", "jaggaer", "purchase_orders", [feed.record_key(r) for r in valid])
    assert {entry.natural_key for entry in written.values() if entry.target_id} == numbers


def test_postgresql_holds_the_quarantine_of_text_no_utf_8_could_carry(source: Source) -> None:
    """Keys, reasons and payloads with unpaired surrogates and NUL characters, which PostgreSQL text refuses."""
    feed = source.feeds["receipts"]
    sample = source.samples["receipts"][0]
    raws = [
        {**sample, "receiptId": "\udcff-1", "receiptNumber": "RC-\udcff", "lineList": "\x00"},
        {**sample, "receiptId": "\x00-2", "receiptNumber": "RC-\x00", "lastUpdate": "\ud800"},
        {**sample, "receiptId": "x" * 1_000_000, "receiptNumber": "RC-3", "supplier": {"supplierNumber": []}},
    ]
    with throwaway_database("mlc_fuzz") as url:
        store = Store.open(url.render_as_string(hide_password=False), MasterKeys.from_env_value(generate_key()))
        try:
            report = Pull(store, feed, "fusion", "fuzz-postgresql").run_raws(raws)
            rows = store.quarantine.list_open("jaggaer", "receipts")
        finally:
            store.close()
    assert report.counts.quarantined == 3
    assert sorted(row.record_key[:8] for row in rows) == ["\\udcff-1", "\\x00-2", "xxxxxxxx"]
    assert all("\x00" not in row.reason and "\x00" not in row.raw_payload for row in rows)
