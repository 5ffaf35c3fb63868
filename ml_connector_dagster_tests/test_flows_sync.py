"""Every Fusion → JAGGAER flow end to end, as the all-flows job runs them: simulators on loopback HTTP, a real
SQLite store and a real Dagster instance."""

from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta
from typing import Any

import dagster as dg

from ml_connector_dagster.cli.runs import SyncRunResult, run_flows
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.connections import jaggaer_client
from ml_connector_dagster.defs.flows.assets import post_key, pull_key
from ml_connector_dagster.flows import direction_named, flow_named
from ml_connector_dagster.fusion.simulator.reference import BASE_SUPPLIERS, COST_CENTERS
from ml_connector_dagster.records import Invoice, MappedAccount, PurchaseOrder
from ml_connector_dagster.store import AuditStatus, Store
from ml_connector_dagster_tests.conftest import hours_ago
from ml_connector_dagster_tests.references import RULE

# The Fusion → JAGGAER direction, as `ml-connector sync fusion-to-jaggaer` runs it.
OUTBOUND = direction_named("fusion_to_jaggaer").flows
START, END = hours_ago(6), hours_ago(2)
# The cost-center value set: four enabled values and one disabled.
COST_CENTER_VALUES = len(COST_CENTERS) + 1
# accountCombinationsLOV: per company, every cost center (the four, the unmapped 95, the disabled 90) × 4 accounts.
GL_COMBINATIONS = 6 * 6 * 4
BASE = len(BASE_SUPPLIERS)
NEW_SUPPLIERS = 4
ORDERS = 8
INVOICES = 6
NUMBER_BY_SUPPLIER_ID = {supplier.supplier_id: supplier.number for supplier in BASE_SUPPLIERS}


def _seed(sims: LocalSimulators, start: datetime = START, end: datetime = END, canceled: int = 0) -> None:
    sims.fusion.seed_suppliers(NEW_SUPPLIERS, start, end)
    sims.fusion.seed_purchase_orders(ORDERS, start, end)
    sims.fusion.seed_invoices(INVOICES, start, end, canceled=canceled)


def _first_sync(plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance) -> SyncRunResult:
    plain_store.gl_mappings.set_rule(RULE, "tests", "test_flows_sync")
    _seed(sims)
    result = run_flows(instance, START, END, OUTBOUND)
    assert result.success, result.failure
    return result


def _staged(store: Store, entity: str) -> Iterator[str]:
    for batch in store.staging.iter_between("fusion", entity, START - timedelta(hours=1), END):
        yield from (staged.payload for staged in batch)


def _step_order(instance: dg.DagsterInstance, run_id: str) -> dict[str, tuple[int, int]]:
    """Per step key: the position of its start and of its success in the run's event log."""
    started: dict[str, int] = {}
    ended: dict[str, int] = {}
    for position, entry in enumerate(instance.all_logs(run_id)):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[event.step_key] = position
        elif event.event_type == dg.DagsterEventType.STEP_SUCCESS:
            ended[event.step_key] = position
    return {key: (started[key], ended[key]) for key in started}


def _post_step(entity: str) -> str:
    return "__".join(post_key(flow_named(entity)).path)


def _custom_field_values(sims: LocalSimulators, field: str) -> dict[str, dict[str, Any]]:
    documents = sims.jaggaer.custom_field_values.collection.documents()
    return {document["value"]: document for document in documents if document["fieldName"] == field}


def test_one_run_posts_every_entity_reference_data_first(
    plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    result = _first_sync(plain_store, sims, instance)

    counts = {entity: (c.pulled, c.posted, c.pending, c.failed) for entity, c in result.by_entity.items()}
    assert counts == {
        "cost_centers": (COST_CENTER_VALUES, COST_CENTER_VALUES, 0, 0),
        "gl_accounts": (GL_COMBINATIONS, GL_COMBINATIONS, 0, 0),
        "suppliers": (BASE + NEW_SUPPLIERS, BASE + NEW_SUPPLIERS, 0, 0),
        "purchase_orders": (ORDERS, ORDERS, 0, 0),
        "invoices": (INVOICES, INVOICES, 0, 0),
    }
    # Reference data and suppliers finished posting before either transaction post started.
    steps = _step_order(instance, result.run_id)
    for transaction in ("purchase_orders", "invoices"):
        for reference in ("cost_centers", "gl_accounts", "suppliers"):
            assert steps[_post_step(reference)][1] < steps[_post_step(transaction)][0], (reference, transaction)

    # JAGGAER holds each record once.
    stats = sims.jaggaer.collection_stats()
    assert (stats["suppliers"].stored, stats["suppliers"].duplicates) == (BASE + NEW_SUPPLIERS, 0)
    assert (stats["invoices"].stored, stats["invoices"].duplicates) == (INVOICES, 0)
    values = stats["custom_field_values"]
    assert (values.stored, values.duplicates) == (COST_CENTER_VALUES + GL_COMBINATIONS, 0)
    orders = sims.jaggaer.purchase_order_stats()
    assert (orders.stored, orders.duplicates) == (ORDERS, 0)

    # A PO names its supplier by the ERP number, every distribution its mapped cost center and GL value.
    documents = {document["poNumber"]: document for document in sims.jaggaer.purchase_orders()}
    staged = [PurchaseOrder.model_validate_json(payload) for payload in _staged(plain_store, "purchase_orders")]
    assert len(staged) == ORDERS
    for order in staged:
        document = documents[order.order_number]
        assert document["supplier"]["supplierNumber"] == NUMBER_BY_SUPPLIER_ID[order.supplier_id]
        assert document["supplier"]["supplierNumber"] != str(order.supplier_id)
        sent = [
            {item["name"]: item["value"] for item in split["customFieldValueSet"]}
            for line in document["poLineList"]["poLine"]
            for schedule in line["scheduleList"]["schedule"]
            for split in (
                group["customFieldValueSetList"]
                for group in schedule["splittableFieldSetGroupList"]["splittableFieldSetGroup"]
            )
        ]
        expected = [
            {"Cost Center": account.split(".")[1], "Account": account}
            for account in (str(a.combination) for a in order.charge_accounts())
        ]
        assert sent == expected

    # The supplier cross-reference: SupplierId → supplier number (natural key) → bravoId (target id).
    companies = sims.jaggaer.companies.collection.documents()
    bravo_ids = {str(company["extCode"]): str(company["bravoId"]) for company in companies}
    for supplier in BASE_SUPPLIERS:
        key = str(supplier.supplier_id)
        entry = plain_store.ledger.get_many("fusion", "jaggaer", "suppliers", [key])[key]
        assert (entry.natural_key, entry.target_id) == (supplier.number, bravo_ids[supplier.number])


def test_a_rerun_posts_nothing_and_reference_data_is_skipped_as_unchanged(
    plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    _first_sync(plain_store, sims, instance)
    writes = {name: kept.writes for name, kept in sims.jaggaer.collection_stats().items()}

    again = run_flows(instance, START, END, OUTBOUND)

    assert again.success, again.failure
    assert (again.counts.posted, again.counts.failed, again.counts.pending) == (0, 0, 0)
    assert again.by_entity["cost_centers"].skipped == COST_CENTER_VALUES
    assert again.by_entity["gl_accounts"].skipped == GL_COMBINATIONS
    for entity in ("cost_centers", "gl_accounts"):
        skipped = plain_store.audit.query(run_id=again.run_id, entity=entity, status=AuditStatus.SKIPPED, limit=500)
        assert {row.reason for row in skipped} == {"unchanged since the version already written"}, entity
    assert {name: kept.writes for name, kept in sims.jaggaer.collection_stats().items()} == writes
    assert sims.jaggaer.purchase_order_stats().writes == ORDERS


def _assert_only_cost_center_30_went_inactive(
    store: Store, sims: LocalSimulators, result: SyncRunResult, writes_before: int
) -> None:
    assert result.success, result.failure
    assert result.by_entity["cost_centers"].posted == 1
    assert result.counts.posted == 1
    assert sims.jaggaer.collection_stats()["custom_field_values"].writes == writes_before + 1
    cost_centers = _custom_field_values(sims, "Cost Center")
    assert cost_centers["30"]["active"] is False
    assert all(cost_centers[value]["active"] for value in COST_CENTERS if value != "30")
    [entry] = [e for e in store.ledger.entries("fusion", "jaggaer", "cost_centers") if e.natural_key == "30"]
    assert entry.target_state == "inactive"
    assert store.ledger.natural_keys_with_state("fusion", "jaggaer", "cost_centers", "active") == {"10", "20", "40"}


def test_a_cost_center_disabled_in_fusion_is_the_next_windows_one_write(
    plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    _first_sync(plain_store, sims, instance)
    writes_before = sims.jaggaer.collection_stats()["custom_field_values"].writes
    sims.fusion.set_cost_center_enabled("30", False)

    result = run_flows(instance, END, END + timedelta(hours=1), OUTBOUND)

    _assert_only_cost_center_30_went_inactive(plain_store, sims, result, writes_before)


def test_a_cost_center_disabled_in_fusion_is_written_by_a_rerun_of_the_same_window(
    plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    """A snapshot is read whole on every run: what Fusion holds now is what the run must post, whichever
    window it runs for."""
    _first_sync(plain_store, sims, instance)
    writes_before = sims.jaggaer.collection_stats()["custom_field_values"].writes
    sims.fusion.set_cost_center_enabled("30", False)

    result = run_flows(instance, START, END, OUTBOUND)

    _assert_only_cost_center_30_went_inactive(plain_store, sims, result, writes_before)


def test_a_canceled_invoice_is_skipped_before_jaggaer_and_cancelled_once_it_is_there(
    plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    plain_store.gl_mappings.set_rule(RULE, "tests", "test_flows_sync")
    _seed(sims, canceled=1)

    first = run_flows(instance, START, END, OUTBOUND)

    assert first.success, first.failure
    invoices = first.by_entity["invoices"]
    assert (invoices.posted, invoices.skipped, invoices.failed) == (INVOICES - 1, 1, 0)
    [skipped] = plain_store.audit.query(run_id=first.run_id, entity="invoices", status=AuditStatus.SKIPPED)
    assert skipped.reason == "canceled in Fusion before it reached JAGGAER"
    assert sims.jaggaer.collection_stats()["invoices"].stored == INVOICES - 1
    canceled = next(
        invoice
        for invoice in (Invoice.model_validate_json(payload) for payload in _staged(plain_store, "invoices"))
        if invoice.canceled
    )
    assert str(canceled.source_id) == skipped.record_key

    # The Fusion simulator cannot cancel an invoice it already holds, so the "posted, then canceled" case is
    # played from JAGGAER's side: the invoice reached JAGGAER before it was canceled (an earlier install whose
    # ledger is gone), and the next run of the window finds it by supplier and invoice number and cancels it.
    mapped = {
        account: MappedAccount(cost_center=str(account.combination).split(".")[1], gl_account=str(account.combination))
        for account in canceled.charge_accounts()
    }
    with closing(jaggaer_client(plain_store)) as client:
        imported = client.import_invoice(canceled.model_copy(update={"canceled": False}).with_accounting(mapped))

    again = run_flows(instance, START, END, OUTBOUND)

    assert again.success, again.failure
    assert again.by_entity["invoices"].posted == 1
    [posted] = plain_store.audit.query(run_id=again.run_id, entity="invoices", status=AuditStatus.POSTED)
    assert posted.record_key == str(canceled.source_id) and imported in (posted.reason or "")
    stats = sims.jaggaer.collection_stats()["invoices"]
    assert (stats.stored, stats.duplicates) == (INVOICES, 0)
    assert sims.jaggaer.invoices.get(int(imported))["workflowStatus"] == "Canceled"
    others = [d for d in sims.jaggaer.invoices.collection.documents() if d["invoiceId"] != int(imported)]
    assert {d["workflowStatus"] for d in others} == {"Imported"}


def test_an_invoice_posted_then_canceled_in_fusion_is_cancelled_in_jaggaer(
    plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    plain_store.gl_mappings.set_rule(RULE, "tests", "test_flows_sync")
    _seed(sims)
    first = run_flows(instance, START, END, OUTBOUND)
    assert first.success and first.by_entity["invoices"].posted == INVOICES, first.failure
    invoice = Invoice.model_validate_json(next(iter(_staged(plain_store, "invoices"))))
    [entry] = plain_store.ledger.get_many("fusion", "jaggaer", "invoices", [str(invoice.source_id)]).values()
    assert entry.target_id is not None

    sims.fusion.cancel_invoice(invoice.source_id, at=END + timedelta(minutes=5))
    later = run_flows(instance, END, END + timedelta(hours=1), OUTBOUND)

    assert later.success, later.failure
    # The later window's look-back may re-read invoices of the first one: only the cancelled one is written.
    invoices = later.by_entity["invoices"]
    assert (invoices.posted, invoices.skipped, invoices.failed) == (1, invoices.pulled - 1, 0)
    assert sims.jaggaer.invoices.get(int(entry.target_id))["workflowStatus"] == "Canceled"
    stats = sims.jaggaer.collection_stats()["invoices"]
    assert (stats.stored, stats.duplicates) == (INVOICES, 0), "cancelled in place, never imported again"


def test_thirty_days_of_hourly_windows_for_every_entity_run_as_one_run(
    plain_store: Store, sims: LocalSimulators
) -> None:
    plain_store.gl_mappings.set_rule(RULE, "tests", "test_flows_sync")
    windows = 30 * 24
    start, end = hours_ago(windows + 1), hours_ago(1)
    sims.fusion.seed_suppliers(3, start, end)
    sims.fusion.seed_purchase_orders(6, start, end)
    sims.fusion.seed_invoices(4, start, end)

    # In memory: the run writes one materialization per window of each of the ten assets, which on a SQLite
    # event log alone takes minutes; the run and its partitions are the same either way.
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_flows(instance, start, end, OUTBOUND)

        assert result.success, result.failure
        assert [run.run_id for run in instance.get_runs()] == [result.run_id]
        for flow in OUTBOUND:
            for key in (pull_key(flow), post_key(flow)):
                assert len(instance.get_materialized_partitions(key)) == windows, key
    assert result.by_entity["suppliers"].posted == BASE + 3
    assert (result.by_entity["purchase_orders"].posted, result.by_entity["invoices"].posted) == (6, 4)
    assert sims.jaggaer.purchase_order_stats().duplicates == 0
