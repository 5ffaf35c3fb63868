"""The JAGGAER simulator's collections read by the connector (receipts, PO acknowledgments, submitted invoices)
over real HTTP: lists in id order, FIQL comparisons, a tenant without a modified-time filter, edits mid-read."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from ml_connector_dagster.jaggaer.simulator import JaggaerSimSettings, JaggaerSimulator
from ml_connector_dagster.jaggaer.simulator.fiql import format_time, parse_time

from .test_jaggaer_simulator import authorized, serve

RECEIPTS = JaggaerSimSettings().receipt_path
ACKNOWLEDGMENTS = JaggaerSimSettings().acknowledgment_path
INVOICES = JaggaerSimSettings().invoice_path


@pytest.fixture
def sim() -> Iterator[tuple[JaggaerSimulator, httpx.Client]]:
    with serve() as (simulator, client):
        yield simulator, authorized(client)


def receipts(client: httpx.Client, **params: Any) -> dict[str, Any]:
    answer = client.get(RECEIPTS, params=params).json()
    assert answer["returnCode"] == 0, answer
    return answer


def numbers(answer: dict[str, Any]) -> list[str]:
    return [d["receiptNumber"] for d in answer["receiptList"]["receipt"]]


def add_receipts(simulator: JaggaerSimulator, count: int) -> list[int]:
    line = {"po_number": "PO-1", "po_line_number": 1, "quantity": 2}
    return [simulator.add_receipt(f"RC-{n}", "S-1", [line]) for n in range(1, count + 1)]


def test_receipts_are_listed_in_id_order_and_read_by_id(sim: tuple[JaggaerSimulator, httpx.Client]) -> None:
    simulator, client = sim
    first, second = add_receipts(simulator, 2)
    simulator.edit_receipt(first, status="Corrected")
    answer = receipts(client)
    assert (answer["totRecords"], answer["returnedRecords"], answer["startAt"]) == (2, 2, 1)
    # Edited since, the first keeps its place: lists follow ids, not modified times.
    assert numbers(answer) == ["RC-1", "RC-2"]
    one = client.get(f"{RECEIPTS}/{second}").json()
    assert one["receipt"]["receiptId"] == second
    assert one["receipt"]["lineList"]["receiptLine"] == [
        {"lineNumber": 1, "poNumber": "PO-1", "poLineNumber": 1, "poScheduleNumber": 1, "quantity": 2, "uom": "Each"}
    ]
    assert one["receipt"]["supplier"] == {"supplierNumber": "S-1"}
    missing = client.get(f"{RECEIPTS}/123").json()
    assert (missing["returnCode"], missing["returnMessage"]) == (40, "Receipt 123 not found")
    stored = simulator.receipts.get(first)
    assert stored["status"] == "Corrected" and stored["lastUpdate"] > one["receipt"]["lastUpdate"]
    stats = simulator.collection_stats()
    assert (stats["receipts"].stored, stats["receipts"].writes) == (2, 3)
    assert stats["acknowledgments"].stored == 0


def test_fiql_comparisons_and_their_spelled_aliases(sim: tuple[JaggaerSimulator, httpx.Client]) -> None:
    simulator, client = sim
    ids = add_receipts(simulator, 4)
    stamps = [simulator.receipts.get(i)["lastUpdate"] for i in ids]
    assert numbers(receipts(client, flt=f"receiptId>{ids[1]}")) == ["RC-3", "RC-4"]
    assert numbers(receipts(client, flt=f"receiptId=gt={ids[1]}")) == ["RC-3", "RC-4"]
    assert numbers(receipts(client, flt=f"receiptId<{ids[1]}")) == ["RC-1"]
    assert numbers(receipts(client, flt=f"receiptId=lt={ids[1]}")) == ["RC-1"]
    assert numbers(receipts(client, flt=f"receiptId=ge={ids[2]}")) == ["RC-3", "RC-4"]
    assert numbers(receipts(client, flt=f"receiptId=le={ids[0]}")) == ["RC-1"]
    window = f"lastUpdate>={stamps[1]};lastUpdate<{stamps[3]}"
    assert numbers(receipts(client, flt=window)) == ["RC-2", "RC-3"]
    assert numbers(receipts(client, flt=f"lastUpdate=ge={stamps[1]};lastUpdate=lt={stamps[3]}")) == ["RC-2", "RC-3"]
    assert numbers(receipts(client, flt="receiptNumber=in=(RC-4,RC-1)")) == ["RC-1", "RC-4"]
    assert numbers(receipts(client, flt="supplierNumber==S-2")) == []
    refused = client.get(RECEIPTS, params={"flt": "receiptId=gt=abc"}).json()
    assert refused["returnCode"] == 50


def test_acknowledgments_are_listed_under_their_member(sim: tuple[JaggaerSimulator, httpx.Client]) -> None:
    simulator, client = sim
    accepted = simulator.add_acknowledgment("PO-1", "Accepted", lines=[{"po_line_number": 1}])
    rejected = simulator.add_acknowledgment("PO-2", "Rejected", "no stock")
    simulator.edit_acknowledgment(accepted, comment="confirmed")
    answer = client.get(ACKNOWLEDGMENTS, params={"flt": "poNumber==PO-1"}).json()
    [listed] = answer["acknowledgmentList"]["acknowledgment"]
    assert listed["acknowledgmentId"] == accepted and listed["comment"] == "confirmed"
    assert listed["lineList"]["acknowledgmentLine"] == [
        {"poLineNumber": 1, "poScheduleNumber": 1, "status": "Accepted", "comment": None}
    ]
    one = client.get(f"{ACKNOWLEDGMENTS}/{rejected}").json()["acknowledgment"]
    assert (one["status"], one["comment"], one["lineList"]) == ("Rejected", "no stock", {"acknowledgmentLine": []})
    after = client.get(ACKNOWLEDGMENTS, params={"flt": f"acknowledgmentId=gt={accepted}"}).json()
    assert [a["poNumber"] for a in after["acknowledgmentList"]["acknowledgment"]] == ["PO-2"]


def test_submitted_invoices_are_added_and_edited_like_any_invoice(sim: tuple[JaggaerSimulator, httpx.Client]) -> None:
    simulator, client = sim
    invoice_id = simulator.add_invoice(
        {"supplierInvoiceNumber": "INV-1", "supplier": {"supplierNumber": "S-1"}, "businessUnit": "US1"}
    )
    before = simulator.invoices.get(invoice_id)
    simulator.edit_invoice(invoice_id, workflowStatus="Canceled")
    listed = client.get(INVOICES, params={"flt": f"invoiceId=ge={invoice_id}"}).json()["jiinvoiceList"]["jiinvoice"]
    assert [(i["invoiceId"], i["workflowStatus"], i["businessUnit"]) for i in listed] == [
        (invoice_id, "Canceled", "US1")
    ]
    assert before["workflowStatus"] == "Approved" and before["invoiceNumber"].startswith("JI-")
    assert listed[0]["lastUpdate"] > before["lastUpdate"]


def test_a_tenant_without_a_modified_time_filter_refuses_it() -> None:
    with serve(JaggaerSimSettings(modified_filter_supported=False)) as (simulator, client):
        authorized(client)
        add_receipts(simulator, 2)
        stamp = simulator.receipts.get(simulator.receipts.collection.documents()[0]["receiptId"])["lastUpdate"]
        for path in (RECEIPTS, ACKNOWLEDGMENTS, INVOICES):
            refused = client.get(path, params={"flt": f"lastUpdate>={stamp}"}).json()
            assert (refused["returnCode"], refused["returnMessage"]) == (50, "Unknown filter field lastUpdate")
        assert numbers(receipts(client, flt="receiptNumber==RC-2")) == ["RC-2"]
        assert receipts(client)["totRecords"] == 2


def _window_by(client: httpx.Client, window: str, keyset: bool) -> list[str]:
    """A window read two at a time, by offset or by keyset on receiptId."""
    read: list[str] = []
    start, after = 1, None
    while True:
        flt = window if after is None else f"{window};receiptId=gt={after}"
        answer = receipts(client, flt=flt, start=start, limit=2)
        page = answer["receiptList"]["receipt"]
        read += [d["receiptNumber"] for d in page]
        if not page or answer["startAt"] - 1 + answer["returnedRecords"] >= answer["totRecords"]:
            return read
        if keyset:
            after = page[-1]["receiptId"]
        else:
            start += answer["returnedRecords"]


def test_edits_during_a_read_make_offset_paging_skip_documents_and_keyset_paging_not() -> None:
    read_by: dict[bool, list[str]] = {}
    for keyset in (False, True):
        with serve(JaggaerSimSettings(edits_during_read=1)) as (simulator, client):
            authorized(client)
            ids = add_receipts(simulator, 6)
            lo = simulator.receipts.get(ids[0])["lastUpdate"]
            # Just after the last stamp: a document edited during the read leaves the window.
            hi = format_time(parse_time(simulator.receipts.get(ids[-1])["lastUpdate"]) + timedelta(milliseconds=1))
            read_by[keyset] = _window_by(client, f"lastUpdate>={lo};lastUpdate<{hi}", keyset)
            # One document of each page served was edited, once.
            assert simulator.collection_stats()["receipts"].writes == 6 + 3 - (0 if keyset else 1)
    assert read_by[True] == [f"RC-{n}" for n in range(1, 7)]
    # Offset paging: each edit shifts what is left one place forward, and RC-3 and RC-6 are stepped over.
    assert read_by[False] == ["RC-1", "RC-2", "RC-4", "RC-5"]
