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
from ml_connector_dagster.flows import DIRECTIONS, flow_named
from ml_connector_dagster.fusion.simulator.reference import BASE_SUPPLIERS
from ml_connector_dagster.store import AuditStatus, Store
from ml_connector_dagster_tests.conftest import hours_ago

INBOUND = next(direction for direction in DIRECTIONS if direction.name == "jaggaer_to_fusion").flows
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
