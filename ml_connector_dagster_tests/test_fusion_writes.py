"""Receipts and invoices written back to Oracle Fusion through the connector's sinks, over real loopback HTTP
against the simulated pod: looked up before created, never written twice, Fusion's refusals in its own words,
and what Fusion does not know yet left waiting (acknowledgments: test_fusion_acknowledgments.py)."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ml_connector_dagster.fusion.simulator import FusionSimSettings
from ml_connector_dagster.fusion.sinks import FusionInvoiceSink, FusionReceiptSink
from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.records import (
    Invoice,
    InvoiceLine,
    Receipt,
    ReceiptLine,
)
from ml_connector_dagster.records.errors import NothingToWrite, WaitsOnTarget

from .fusion_write_pod import NOW, Pod, Target, by_amount, by_quantity, fault, pod_client, running_pod, stats


def _receipt(number: str, *lines: ReceiptLine) -> Receipt:
    return Receipt(source_id=f"jag-{number}", receipt_number=number, last_update=NOW, lines=lines)


def test_a_receipt_is_posted_once_and_found_before_it_is_posted_again(pod: Pod) -> None:
    target = by_quantity(pod.url)
    sink = FusionReceiptSink(pod.client)
    receipt = _receipt("RC-1", target.receipt_line(quantity=Decimal(2)))
    assert sink.find_ids(["RC-1"]) == {}
    posted = sink.write(receipt, None, looked_up=True)
    found = sink.find_ids(["RC-1", "RC-unknown"])
    again = sink.write(receipt, found.get("RC-1"), looked_up=True)
    unlooked = sink.write(receipt, None)
    [request] = pod.simulator.receipt_requests()
    assert found == {"RC-1": posted} and again == posted and unlooked == posted
    assert request["ShipmentNumber"] == "RC-1" and str(request["HeaderInterfaceId"]) == posted
    [line] = request["lines"]
    assert (line["SourceDocumentCode"], line["TransactionType"], line["AutoTransactCode"]) == (
        "PO",
        "RECEIVE",
        "DELIVER",
    )
    assert (line["DocumentNumber"], line["DocumentShipmentLineNumber"], line["Quantity"]) == (
        target.number,
        target.schedule["ScheduleNumber"],
        Decimal(2),
    )
    assert line["Amount"] is None
    assert stats(pod)["receipts_created"] == 1 and pod.simulator.received(target.schedule["LineLocationId"]) == 2
    assert (sink.system, sink.record_type, sink.bulk_lookup, sink.concurrency) == ("fusion", Receipt, True, 4)
    assert sink.target_state(receipt) is None


def test_an_over_receipt_is_refused_with_fusions_message_and_receives_nothing(pod: Pod) -> None:
    target = by_quantity(pod.url)
    ordered = target.schedule["Quantity"]
    sink = FusionReceiptSink(pod.client)
    over = _receipt("RC-7", target.receipt_line(quantity=ordered + 5))
    with pytest.raises(RequestRejected) as refused:
        sink.write(over, None, looked_up=True)
    message = str(refused.value)
    assert f"receipt RC-7 line 1: The quantity {ordered + 5} exceeds the quantity available to receive, {ordered}" in (
        message
    )
    assert f"on schedule {target.schedule['ScheduleNumber']}" in message and refused.value.code == "ERROR"
    assert pod.simulator.received(target.schedule["LineLocationId"]) == 0
    # The failed request is stored by Fusion, but it received nothing: it is not the receipt.
    assert [r["ReturnStatus"] for r in pod.simulator.receipt_requests()] == ["ERROR"] and sink.find_ids(["RC-7"]) == {}
    fixed = _receipt("RC-7", target.receipt_line(quantity=ordered))
    assert sink.write(fixed, None, looked_up=True) == sink.find_ids(["RC-7"])["RC-7"]
    assert pod.simulator.received(target.schedule["LineLocationId"]) == ordered


def test_a_fixed_price_service_line_is_received_by_amount(pod: Pod) -> None:
    service = by_amount(pod.url)
    sink = FusionReceiptSink(pod.client)
    amount = service.schedule["Amount"]
    # A source may send both measures; the PO line's kind chooses.
    receipt = _receipt("RC-S", service.receipt_line(quantity=Decimal(1), amount=amount))
    sink.write(receipt, None, looked_up=True)
    with pytest.raises(RequestRejected, match="receipt RC-Q line 3: .* fixed-price service line.* gives no amount"):
        sink.write(_receipt("RC-Q", service.receipt_line(3, quantity=Decimal(1))), None, looked_up=True)
    [request] = pod.simulator.receipt_requests()
    assert (request["lines"][0]["Amount"], request["lines"][0]["Quantity"]) == (amount, None)
    assert request["ReturnStatus"] == "SUCCESS" and pod.simulator.received(service.schedule["LineLocationId"]) == amount


def test_a_receipt_naming_what_fusion_does_not_know_waits_and_creates_nothing(pod: Pod) -> None:
    target = by_quantity(pod.url)
    sink = FusionReceiptSink(pod.client)
    unknown_po = target.receipt_line(2, quantity=Decimal(1)).model_copy(update={"po_number": "NO-SUCH-PO"})
    with pytest.raises(WaitsOnTarget) as waits:
        sink.write(_receipt("RC-W", target.receipt_line(quantity=Decimal(1)), unknown_po), None, looked_up=True)
    unknown_schedule = target.receipt_line(quantity=Decimal(1)).model_copy(update={"po_schedule_number": 9})
    with pytest.raises(WaitsOnTarget) as no_schedule:
        sink.write(_receipt("RC-X", unknown_schedule), None, looked_up=True)
    assert waits.value.waits_on == ("po:NO-SUCH-PO",) and "NO-SUCH-PO is not in Fusion" in waits.value.reason
    assert no_schedule.value.waits_on == (f"po:{target.number}",) and "has no schedule 9" in no_schedule.value.reason
    assert pod.simulator.receipt_requests() == []


def test_receipts_of_one_batch_ask_for_their_purchase_order_once(pod: Pod) -> None:
    target = by_quantity(pod.url, at_least=4)
    sink = FusionReceiptSink(pod.client)
    sink.find_ids(["RC-A", "RC-B"])
    before = stats(pod)["purchase_order_collection_requests"]
    for number in ("RC-A", "RC-B"):
        sink.write(_receipt(number, target.receipt_line(quantity=Decimal(1))), None, looked_up=True)
    assert stats(pod)["purchase_order_collection_requests"] == before + 1
    sink.find_ids(["RC-C"])  # the next batch asks again
    sink.write(_receipt("RC-C", target.receipt_line(quantity=Decimal(1))), None, looked_up=True)
    assert stats(pod)["purchase_order_collection_requests"] == before + 2 and stats(pod)["receipts_created"] == 3


def test_a_receipt_whose_answer_was_lost_is_found_not_posted_again(pod: Pod) -> None:
    target = by_quantity(pod.url)
    sink = FusionReceiptSink(pod.client)
    fault(pod, mode="lost_answer", method="POST", path_contains="/receivingReceiptRequests")
    written = sink.write(_receipt("RC-L", target.receipt_line(quantity=Decimal(1))), None, looked_up=True)
    [request] = pod.simulator.receipt_requests()
    assert written == str(request["HeaderInterfaceId"]) and stats(pod)["receipts_created"] == 1
    assert pod.simulator.received(target.schedule["LineLocationId"]) == 1


def _supplier_number(url: str, supplier_id: int) -> str:
    with pod_client(url) as pod:
        return str(pod.get(f"suppliers/{supplier_id}").raise_for_status().json()["SupplierNumber"])


def _invoice(url: str, target: Target, number: str, **changes: Any) -> Invoice:
    line = InvoiceLine(
        line_number=1,
        line_type="Item",
        amount=Decimal("100.00"),
        quantity=Decimal(1),
        unit_price=Decimal("100.00"),
        po_number=target.number,
        po_line_number=target.line["LineNumber"],
        po_schedule_number=target.schedule["ScheduleNumber"],
    )
    invoice = Invoice(
        source_id=1,
        invoice_number=number,
        supplier_number=_supplier_number(url, target.order["SupplierId"]),
        business_unit=target.order["BillToBU"],
        currency_code=target.order["CurrencyCode"],
        amount=Decimal("100.00"),
        invoice_date=date(2026, 6, 3),
        last_update_date=NOW,
        lines=(line,),
    )
    return invoice.model_copy(update=changes)


def test_an_invoice_is_created_once_and_found_by_number_supplier_and_business_unit(pod: Pod) -> None:
    target = by_quantity(pod.url)
    sink = FusionInvoiceSink(pod.client)
    invoice = _invoice(pod.url, target, "JAG-INV-1")
    assert sink.find_ids([invoice.natural_key]) == {}
    created = sink.write(invoice, None, looked_up=True)
    assert sink.find_ids([invoice.natural_key, "nobody/none"]) == {invoice.natural_key: created}
    # A lookup that missed it (another writer, a lost answer): Fusion's duplicate refusal resolves to it.
    duplicate = sink.write(invoice, None, looked_up=True)
    with pytest.raises(NothingToWrite, match="only with invoice_upsert_mode"):
        sink.write(invoice.model_copy(update={"amount": Decimal("90.00")}), created)
    [written] = pod.simulator.written_invoices()
    assert duplicate == created == str(written["InvoiceId"])
    assert (written["InvoiceNumber"], written["BusinessUnit"]) == ("JAG-INV-1", target.order["BillToBU"])
    [line] = written["invoiceLines"]
    assert (line["PurchaseOrderNumber"], line["PurchaseOrderLineNumber"], line["PurchaseOrderScheduleLineNumber"]) == (
        target.number,
        target.line["LineNumber"],
        target.schedule["ScheduleNumber"],
    )
    assert (line["Quantity"], line["UnitPrice"], line["LineAmount"]) == (
        Decimal(1),
        Decimal("100.00"),
        Decimal("100.00"),
    )
    assert (stats(pod)["invoices_created"], stats(pod)["invoices_updated"]) == (1, 0)


def test_the_same_number_in_another_business_unit_is_another_invoice(pod: Pod) -> None:
    target = by_quantity(pod.url)
    sink = FusionInvoiceSink(pod.client)
    elsewhere = _invoice(pod.url, target, "JAG-INV-BU", lines=())
    other_unit = next(unit for unit in ("US1 Business Unit", "UK Business Unit") if unit != elsewhere.business_unit)
    ours = elsewhere.model_copy(update={"business_unit": other_unit})
    first = sink.write(elsewhere, None, looked_up=True)
    found = sink.find_ids([ours.natural_key])
    second = sink.write(ours, found[ours.natural_key], looked_up=True)
    assert found == {ours.natural_key: first} and second != first
    assert sorted(i["BusinessUnit"] for i in pod.simulator.written_invoices()) == sorted(
        [elsewhere.business_unit, ours.business_unit]
    )


def test_invoices_fusion_cannot_take_yet_wait_and_canceled_ones_are_not_sent(pod: Pod) -> None:
    target = by_quantity(pod.url)
    sink = FusionInvoiceSink(pod.client)
    with pytest.raises(WaitsOnTarget) as supplier:
        sink.write(_invoice(pod.url, target, "JAG-INV-2", supplier_number="NO-SUCH-SUPPLIER"), None, looked_up=True)
    invoice = _invoice(pod.url, target, "JAG-INV-3")
    foreign_po = invoice.model_copy(update={"lines": (invoice.lines[0].model_copy(update={"po_number": "NOPE"}),)})
    with pytest.raises(WaitsOnTarget) as order:
        sink.write(foreign_po, None, looked_up=True)
    with pytest.raises(NothingToWrite, match="canceled before it reached Fusion"):
        sink.write(invoice.model_copy(update={"canceled": True}), None, looked_up=True)
    refused = invoice.model_copy(update={"business_unit": "Atlantis Business Unit"})
    with pytest.raises(RequestRejected, match="invoice .*/JAG-INV-3: .*no business unit 'Atlantis Business Unit'"):
        sink.write(refused, None, looked_up=True)
    assert supplier.value.waits_on == ("supplier-number:NO-SUCH-SUPPLIER",) and order.value.waits_on == ("po:NOPE",)
    assert pod.simulator.written_invoices() == [] and stats(pod)["invoices_created"] == 0


def test_a_service_line_is_invoiced_by_amount_and_upsert_mode_rewrites() -> None:
    with running_pod(invoice_upsert_mode=True) as pod:
        service = by_amount(pod.url)
        sink = FusionInvoiceSink(pod.client)
        invoice = _invoice(pod.url, service, "JAG-INV-S")
        created = sink.write(invoice, None, looked_up=True)
        changed = invoice.model_copy(update={"amount": Decimal("90.00")})
        rewritten = sink.write(changed, created)
        [written] = pod.simulator.written_invoices()
    assert created == rewritten == str(written["InvoiceId"]) and written["InvoiceAmount"] == Decimal("90.00")
    assert (written["invoiceLines"][0]["Quantity"], written["invoiceLines"][0]["UnitPrice"]) == (None, None)
    assert (pod.simulator.stats()["invoices_created"], pod.simulator.stats()["invoices_updated"]) == (1, 1)


def test_an_invoice_whose_answer_was_lost_is_found_not_created_twice(pod: Pod) -> None:
    target = by_quantity(pod.url)
    sink = FusionInvoiceSink(pod.client)
    fault(pod, mode="lost_answer", method="POST", path_contains="/invoices")
    written = sink.write(_invoice(pod.url, target, "JAG-INV-L"), None, looked_up=True)
    [invoice] = pod.simulator.written_invoices()
    assert written == str(invoice["InvoiceId"]) and stats(pod)["invoices_created"] == 1


def test_ping_checks_the_write_back_resources() -> None:
    with running_pod() as pod:
        lines = pod.client.ping()
    with running_pod(FusionSimSettings(), invoices_resource="invoicez") as pod, pytest.raises(Exception) as failed:
        pod.client.ping()
    assert "write-back resource receivingReceiptRequests answers" in lines
    assert any("lines serve MatchingBasis" in line for line in lines)
    assert "write-back resource invoicez could not be read" in str(failed.value)
    assert "invoices_resource" in str(failed.value)
