"""Every Fusion → JAGGAER flow end to end, as the all-flows job runs them: simulators on loopback HTTP, a real
SQLite store and a real Dagster instance."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import dagster as dg

from ml_connector_dagster.cli.runs import SyncRunResult, run_flows
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.defs.flows.assets import post_key, pull_key
from ml_connector_dagster.flows import FLOWS
from ml_connector_dagster.fusion.simulator.reference import BASE_SUPPLIERS, COST_CENTERS, DISABLED_COST_CENTER
from ml_connector_dagster.records import Invoice, PurchaseOrder
from ml_connector_dagster.store import AuditStatus, Store
from ml_connector_dagster_tests.conftest import hours_ago
from ml_connector_dagster_tests.references import RULE

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
    result = run_flows(instance, START, END)
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
    return "__".join(post_key(next(flow for flow in FLOWS if flow.entity == entity)).path)


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
    for payload in _staged(plain_store, "purchase_orders"):
        order = PurchaseOrder.model_validate_json(payload)
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
    bravo_ids = {str(company["extCode"]): str(company["bravoId"]) for company in _companies(sims)}
    for supplier in BASE_SUPPLIERS:
        key = str(supplier.supplier_id)
        entry = plain_store.ledger.get_many("fusion", "jaggaer", "suppliers", [key])[key]
        assert (entry.natural_key, entry.target_id) == (supplier.number, bravo_ids[supplier.number])


def _companies(sims: LocalSimulators) -> list[dict[str, Any]]:
    return sims.jaggaer.companies.collection.documents()


def test_a_rerun_posts_nothing_and_a_disabled_cost_center_is_the_one_write(
    plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    _first_sync(plain_store, sims, instance)
    writes_before = sims.jaggaer.collection_stats()["custom_field_values"].writes

    again = run_flows(instance, START, END)

    assert again.success, again.failure
    assert again.counts.posted == 0 and again.counts.failed == 0
    assert again.by_entity["cost_centers"].skipped == COST_CENTER_VALUES
    assert again.by_entity["gl_accounts"].skipped == GL_COMBINATIONS
    skipped = plain_store.audit.query(run_id=again.run_id, entity="cost_centers", status=AuditStatus.SKIPPED)
    assert {row.reason for row in skipped} == {"unchanged since the version already written"}
    assert sims.jaggaer.collection_stats()["custom_field_values"].writes == writes_before

    sims.fusion.set_cost_center_enabled("30", False)
    disabled = run_flows(instance, START, END)

    assert disabled.success, disabled.failure
    assert disabled.by_entity["cost_centers"].posted == 1
    assert disabled.counts.posted == 1
    assert sims.jaggaer.collection_stats()["custom_field_values"].writes == writes_before + 1
    assert _custom_field_values(sims, "Cost Center")["30"]["active"] is False
    assert _custom_field_values(sims, "Cost Center")["20"]["active"] is True
    [entry] = [
        e for e in plain_store.ledger.entries("fusion", "jaggaer", "cost_centers") if e.natural_key == "30"
    ]
    assert entry.target_state == "inactive"
    assert DISABLED_COST_CENTER not in plain_store.ledger.natural_keys_with_state(
        "fusion", "jaggaer", "cost_centers", "active"
    )
