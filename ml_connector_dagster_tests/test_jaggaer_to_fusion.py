"""JAGGAER → Oracle Fusion end to end, as the jaggaer_to_fusion job runs it: receipts, PO acknowledgments and
supplier invoices read from the JAGGAER simulator in windows and written to the Fusion simulator over loopback
HTTP, with a real SQLite store and a real Dagster instance."""

from datetime import timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import dagster as dg

from ml_connector_dagster.cli.runs import SyncRunResult, run_flows, run_replay
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.defs.flows.replay import ReplayConfig
from ml_connector_dagster.flows import direction_named, flow_named
from ml_connector_dagster.fusion.simulator.reference import BASE_SUPPLIERS
from ml_connector_dagster.store import AuditStatus, Store
from ml_connector_dagster_tests.conftest import hours_ago, run_purchase_orders

INBOUND = direction_named("jaggaer_to_fusion").flows
START, END = hours_ago(3), hours_ago(2)
AT = START + timedelta(minutes=20)
SUPPLIER_NUMBERS = {supplier.supplier_id: supplier.number for supplier in BASE_SUPPLIERS}


class Schedule(NamedTuple):
    order: dict[str, Any]
    line: dict[str, Any]
    schedule: dict[str, Any]

    @property
    def by_amount(self) -> bool:
        return self.line["MatchingBasis"] == "AMOUNT"

    def receipt_line(self, **measure: Decimal) -> dict[str, Any]:
        return {
            "po_number": self.order["OrderNumber"],
            "po_line_number": self.line["LineNumber"],
            "po_schedule_number": self.schedule["ScheduleNumber"],
            **{name: str(value) for name, value in measure.items()},
        }


def _schedules(sims: LocalSimulators) -> list[Schedule]:
    sims.fusion.seed_purchase_orders(12, hours_ago(40), hours_ago(39))
    found = []
    for number in sims.fusion.order_numbers():
        order = sims.fusion.order(number)
        assert order is not None
        found += [Schedule(order, line, schedule) for line in order["lines"] for schedule in line["schedules"]]
    return found


def _run(instance: dg.DagsterInstance) -> SyncRunResult:
    result = run_flows(instance, START, END, INBOUND)
    assert result.success, result.failure
    return result


def _invoice(schedule: Schedule, number: str) -> dict[str, Any]:
    quantity = Decimal(schedule.schedule["Quantity"])
    price = Decimal(schedule.line["Price"])
    line: dict[str, Any] = {
        "lineNumber": 1,
        "poNumber": schedule.order["OrderNumber"],
        "poLineNumber": schedule.line["LineNumber"],
        "poScheduleNumber": schedule.schedule["ScheduleNumber"],
        "quantity": str(quantity),
        "unitPrice": str(price),
    }
    return {
        "supplierInvoiceNumber": number,
        "supplier": {"supplierNumber": SUPPLIER_NUMBERS[schedule.order["SupplierId"]]},
        "businessUnit": schedule.order["ProcurementBU"],
        "total": {"currency": schedule.order["CurrencyCode"], "value": str(quantity * price)},
        "invoiceDate": AT.date().isoformat(),
        "invoiceType": "Standard",
        "lineList": {"invoiceLine": [line]},
    }


def test_receipts_acknowledgments_and_invoices_reach_fusion_once(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    schedules = _schedules(sims)
    by_quantity = [s for s in schedules if not s.by_amount]
    by_amount = next(s for s in schedules if s.by_amount)
    whole, over, invoiced = by_quantity[0], by_quantity[1], by_quantity[2]
    jaggaer = sims.jaggaer
    jaggaer.add_receipt("RC-1", None, [whole.receipt_line(quantity=Decimal(whole.schedule["Quantity"]))], at=AT)
    jaggaer.add_receipt("RC-2", None, [by_amount.receipt_line(amount=Decimal(by_amount.schedule["Amount"]))], at=AT)
    too_many = Decimal(over.schedule["Quantity"]) + 5
    jaggaer.add_receipt("RC-OVER", None, [over.receipt_line(quantity=too_many)], at=AT)
    jaggaer.add_receipt("RC-UNKNOWN", None, [{"po_number": "NO-SUCH-PO", "quantity": "1"}], at=AT)
    schedule_answer = {
        "po_line_number": whole.line["LineNumber"],
        "po_schedule_number": whole.schedule["ScheduleNumber"],
        "status": "Accepted",
    }
    jaggaer.add_acknowledgment(whole.order["OrderNumber"], "Accepted", "confirmed", [schedule_answer], at=AT)
    jaggaer.add_invoice(_invoice(invoiced, "SUP-INV-1"), at=AT)
    # Changed outside the window: not read by it.
    jaggaer.add_receipt("RC-LATER", None, [invoiced.receipt_line(quantity=Decimal(1))], at=END + timedelta(minutes=5))

    first = _run(instance)

    assert first.by_entity["receipts"].line() == "pulled=4 posted=2 skipped=0 quarantined=0 failed=1 pending=1"
    assert first.by_entity["acknowledgments"].line() == "pulled=1 posted=1 skipped=0 quarantined=0 failed=0 pending=0"
    assert first.by_entity["payables_invoices"].line() == (
        "pulled=1 posted=1 skipped=0 quarantined=0 failed=0 pending=0"
    )
    fusion = sims.fusion
    assert fusion.received(whole.schedule["LineLocationId"]) == Decimal(whole.schedule["Quantity"])
    assert fusion.received(by_amount.schedule["LineLocationId"]) == Decimal(by_amount.schedule["Amount"])
    assert fusion.received(over.schedule["LineLocationId"]) == 0
    acknowledged = fusion.acknowledgment(whole.order["POHeaderId"])
    assert acknowledged is not None
    assert (acknowledged["AcknowledgmentResponse"], acknowledged["AcknowledgmentNote"]) == ("Accept", "confirmed")
    [answered] = [s for s in acknowledged["schedules"] if s["LineLocationId"] == whole.schedule["LineLocationId"]]
    assert answered["AcknowledgmentResponse"] == "Accept"
    [written] = fusion.written_invoices()
    assert written["InvoiceNumber"] == "SUP-INV-1"
    [matched] = written["invoiceLines"]
    assert matched["PurchaseOrderNumber"] == invoiced.order["OrderNumber"]
    # The over-receipt failed with Fusion's own message, naming the receipt.
    [failure] = store.audit.query(run_id=first.run_id, status=AuditStatus.FAILED)
    assert failure.reason is not None and failure.reason.startswith("fusion: receipt RC-OVER line 1: The quantity")
    assert f"exceeds the quantity available to receive, {Decimal(over.schedule['Quantity'])}" in failure.reason
    [waiting] = store.pending.list()
    assert waiting.natural_key == "RC-UNKNOWN" and waiting.waits_on == ("po:NO-SUCH-PO",)

    again = _run(instance)

    # Nothing posts twice; the refused receipt is tried again, and refused again, until it is fixed.
    assert again.by_entity["receipts"].line() == "pulled=4 posted=0 skipped=2 quarantined=0 failed=1 pending=0"
    assert again.counts.posted == 0 and again.counts.skipped == 4
    stats = fusion.written_stats()
    assert {name: (kept.stored, kept.duplicates) for name, kept in stats.items()} == {
        "receivingReceiptRequests": (2, 0),
        "invoices": (1, 0),
        "purchaseOrderAcknowledgments": (1, 0),
    }

    # The buyer raises the ordered quantity; the failed receipt is replayed and posts once.
    fusion.change_schedule_quantity(
        over.order["OrderNumber"], over.line["LineNumber"], over.schedule["ScheduleNumber"], too_many
    )
    replayed = run_replay(instance, ReplayConfig(entity="receipts", run_id=first.run_id, kinds=["failed"]))
    assert replayed.success, replayed.failure
    assert replayed.by_entity["receipts"].posted == 1
    assert fusion.received(over.schedule["LineLocationId"]) == too_many
    once_more = run_replay(instance, ReplayConfig(entity="receipts", run_id=first.run_id, kinds=["failed"]))
    assert once_more.by_entity["receipts"].posted == 0
    assert fusion.written_stats()["receivingReceiptRequests"].model_dump() == {"stored": 3, "duplicates": 0}


def test_a_receipt_waiting_on_an_unknown_po_is_asked_again_only_when_its_backoff_is_due(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.jaggaer.add_receipt("RC-EARLY", None, [{"po_number": "NOT-YET", "quantity": "2"}], at=AT)
    first = _run(instance)
    assert first.by_entity["receipts"].pending == 1
    asked = sims.fusion.stats()

    again = run_flows(instance, hours_ago(2), hours_ago(1), (flow_named("receipts"),))

    assert again.success and again.by_entity["receipts"].pending == 0, "not due: not tried, not counted"
    assert sims.fusion.stats() == asked, "Fusion was not asked about it again before its backoff"
    [waiting] = store.pending.list()
    assert waiting.attempts == 1 and waiting.reason == "receipt RC-EARLY: purchase order NOT-YET is not in Fusion"


def test_the_orders_known_check_warns_of_orders_never_read_from_fusion(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    schedules = _schedules(sims)
    assert run_purchase_orders(instance, hours_ago(40), hours_ago(39)).success
    known = next(s for s in schedules if not s.by_amount)
    sims.jaggaer.add_receipt("RC-1", None, [known.receipt_line(quantity=Decimal(1))], at=AT)
    sims.jaggaer.add_receipt("RC-X", None, [{"po_number": "NO-SUCH-PO", "quantity": "1"}], at=AT)
    sims.jaggaer.add_receipt("RC-Y", None, [{"po_number": "NO-SUCH-PO", "quantity": "2"}], at=AT)

    result = run_flows(instance, START, END, (flow_named("receipts"),))

    assert result.success, result.failure
    assert result.by_entity["receipts"].line() == "pulled=3 posted=1 skipped=0 quarantined=0 failed=0 pending=2"
    entries = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    [evaluation] = [
        entry.get_dagster_event().asset_check_evaluation_data
        for entry in entries
        if entry.get_dagster_event().asset_check_evaluation_data.check_name == "orders_known"
    ]
    assert (evaluation.check_name, evaluation.passed, evaluation.severity) == (
        "orders_known",
        False,
        dg.AssetCheckSeverity.WARN,
    )
    assert evaluation.metadata["unknown_orders"].value == 1
    assert "| NO-SUCH-PO | 2 |" in str(evaluation.metadata["unknown"].value)


def test_an_invoice_waiting_on_its_supplier_posts_once_fusion_has_it(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    invoiced = next(s for s in _schedules(sims) if not s.by_amount)
    document = _invoice(invoiced, "SUP-INV-9")
    # 1013 is the number Fusion gives the next supplier it creates: not there yet. Its invoice matches no order
    # (the orders are the base suppliers').
    document["supplier"] = {"supplierNumber": "1013"}
    [line] = document["lineList"]["invoiceLine"]
    for member in ("poNumber", "poLineNumber", "poScheduleNumber"):
        del line[member]
    sims.jaggaer.add_invoice(document, at=AT)

    first = run_flows(instance, START, END, (flow_named("payables_invoices"),))

    assert first.by_entity["payables_invoices"].pending == 1
    [waiting] = store.pending.list()
    assert waiting.waits_on == ("supplier-number:1013",) and "supplier 1013 is not in Fusion" in waiting.reason
    assert sims.fusion.written_invoices() == []

    sims.fusion.seed_suppliers(1, hours_ago(30), hours_ago(29))
    retried = run_replay(instance, ReplayConfig(entity="payables_invoices", kinds=["pending"]))

    assert retried.success, retried.failure
    assert (retried.by_entity["payables_invoices"].posted, store.pending.list()) == (1, [])
    [written] = sims.fusion.written_invoices()
    assert (written["InvoiceNumber"], written["SupplierNumber"]) == ("SUP-INV-9", "1013")
    audit = store.audit.query(entity="payables_invoices", limit=10)
    assert [row.status for row in reversed(audit)] == [AuditStatus.PENDING, AuditStatus.POSTED]
    assert audit[0].reason is not None and f"first held by run {first.run_id}" in audit[0].reason


def test_an_acknowledgment_touched_in_jaggaer_without_a_change_is_not_sent_again(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    whole = _schedules(sims)[0]
    answer = {"po_line_number": whole.line["LineNumber"], "po_schedule_number": whole.schedule["ScheduleNumber"]}
    acknowledgment = sims.jaggaer.add_acknowledgment(
        whole.order["OrderNumber"], "Accepted", "confirmed", [{**answer, "status": "Accepted"}], at=AT
    )
    acknowledgments = (flow_named("acknowledgments"),)
    assert run_flows(instance, START, END, acknowledgments).by_entity["acknowledgments"].posted == 1
    # Only its modified time moves, into a later window.
    sims.jaggaer.edit_acknowledgment(acknowledgment, at=END + timedelta(minutes=10))

    later = run_flows(instance, END, END + timedelta(hours=1), acknowledgments)

    assert later.by_entity["acknowledgments"].line() == "pulled=1 posted=0 skipped=1 quarantined=0 failed=0 pending=0"
    assert sims.fusion.written_stats()["purchaseOrderAcknowledgments"].duplicates == 0
