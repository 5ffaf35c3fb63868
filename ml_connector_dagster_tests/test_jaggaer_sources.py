"""JAGGAER as a source: receipts, PO acknowledgments and submitted invoices read in modified-time windows by
keyset, a full read where the tenant has no modified-time filter, conversion to canonical records (bad
documents quarantined naming record and field), and ping's findings. Real HTTP to the simulator on loopback."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ml_connector_dagster.http.errors import CheckFailed, RequestRejected
from ml_connector_dagster.jaggaer.feeds import JaggaerAcknowledgmentFeed, JaggaerInvoiceFeed, JaggaerReceiptFeed
from ml_connector_dagster.jaggaer.simulator import JaggaerSimSettings, JaggaerSimulator
from ml_connector_dagster.records import InvalidRecord, Receipt, ScheduleAcknowledgment

from .test_jaggaer_client import tenant

LINE = {"po_number": "PO-1", "po_line_number": 1, "quantity": 2}


def stamp(simulator: JaggaerSimulator, receipt_id: int) -> datetime:
    return datetime.fromisoformat(simulator.receipts.get(receipt_id)["lastUpdate"])


def numbers(documents: Any) -> list[str]:
    return [d["receiptNumber"] for d in documents]


def add(simulator: JaggaerSimulator, count: int) -> list[int]:
    return [simulator.add_receipt(f"RC-{n}", "S-1", [LINE]) for n in range(1, count + 1)]


def test_a_window_reads_exactly_the_receipts_modified_in_it() -> None:
    with tenant(page_size=2) as (simulator, _, client):
        ids = add(simulator, 6)
        simulator.edit_receipt(ids[1], status="Corrected")  # RC-2 moves past every other stamp
        lo, hi = stamp(simulator, ids[2]), stamp(simulator, ids[5])
        assert numbers(client.receipts.changed(lo, hi)) == ["RC-3", "RC-4", "RC-5"]
        everything = numbers(
            client.receipts.changed(stamp(simulator, ids[0]), datetime.now(UTC) + timedelta(seconds=5))
        )
        assert everything == ["RC-1", "RC-2", "RC-3", "RC-4", "RC-5", "RC-6"]
        assert numbers(client.receipts.changed(hi, hi)) == []
        # A bound within a millisecond is rounded up: the document stamped at that millisecond is before it.
        assert numbers(client.receipts.changed(lo + timedelta(microseconds=1), hi)) == ["RC-4", "RC-5"]


def test_the_keyset_read_loses_nothing_edited_mid_read_and_an_offset_read_does() -> None:
    for keyset_filter in ("{field}=gt={after}", None):
        with tenant(JaggaerSimSettings(edits_during_read=1), page_size=2, keyset_filter=keyset_filter) as (
            simulator,
            _,
            client,
        ):
            ids = add(simulator, 6)
            lo, hi = stamp(simulator, ids[0]), stamp(simulator, ids[-1]) + timedelta(milliseconds=1)
            read = numbers(client.receipts.changed(lo, hi))
            if keyset_filter:
                assert read == [f"RC-{n}" for n in range(1, 7)]
            else:
                assert read == ["RC-1", "RC-2", "RC-4", "RC-5"]
            # The edited ones are in the window their edit falls in.
            edited = numbers(client.receipts.changed(hi, datetime.now(UTC) + timedelta(seconds=1)))
            assert edited == (["RC-1", "RC-3", "RC-5"] if keyset_filter else ["RC-1", "RC-4"])


def test_without_a_modified_filter_a_window_is_a_full_read_kept_to_the_window() -> None:
    settings = JaggaerSimSettings(modified_filter_supported=False)
    with tenant(settings, page_size=2, modified_filter="none") as (simulator, _, client):
        ids = add(simulator, 5)
        simulator.edit_receipt(ids[0], status="Corrected")
        lo, hi = stamp(simulator, ids[1]), stamp(simulator, ids[4])
        assert numbers(client.receipts.changed(lo, hi)) == ["RC-2", "RC-3", "RC-4"]
        feed = JaggaerReceiptFeed(client)
        assert feed.first_change_at_or_after(lo + timedelta(microseconds=1)) == stamp(simulator, ids[2])
        assert feed.first_change_at_or_after(datetime.now(UTC) + timedelta(seconds=1)) is None
    with tenant(settings) as (simulator, _, client):
        add(simulator, 1)
        with pytest.raises(RequestRejected, match="Unknown filter field lastUpdate"):
            list(client.receipts.changed(datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)))
        with pytest.raises(CheckFailed, match="refused modified_filter flt=lastUpdate>=.*check modified_filter"):
            client.ping()


def test_the_first_change_is_the_earliest_even_when_an_older_document_was_edited_later() -> None:
    with tenant() as (simulator, _, client):
        ids = add(simulator, 3)
        start = stamp(simulator, ids[0])
        simulator.edit_receipt(ids[0], status="Corrected")  # first by id, last by change
        feed = JaggaerReceiptFeed(client)
        assert feed.first_change_at_or_after(start) == stamp(simulator, ids[1])
        assert feed.first_change_at_or_after(stamp(simulator, ids[2]) + timedelta(milliseconds=1)) == stamp(
            simulator, ids[0]
        )
        assert feed.first_change_at_or_after(datetime.now(UTC) + timedelta(seconds=1)) is None


def test_receipts_convert_to_canonical_receipts() -> None:
    with tenant() as (simulator, _, client):
        service = {"po_number": "PO-2", "po_line_number": 3, "po_schedule_number": 2, "amount": 150.5, "uom": None}
        receipt_id = simulator.add_receipt("RC-1", "S-1", [LINE, service], receivedDate="2026-01-15T09:30:00Z")
        feed = JaggaerReceiptFeed(client)
        [raw] = feed.changed(datetime(2020, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(seconds=1))
        receipt, missing = feed.convert(raw)
    assert isinstance(receipt, Receipt)
    assert (feed.system, feed.entity, feed.snapshot) == ("jaggaer", "receipts", False)
    assert feed.record_key(raw) == str(receipt_id) == receipt.source_id
    assert (feed.natural_key(receipt), feed.version(receipt)) == ("RC-1", stamp(simulator, receipt_id))
    assert receipt.supplier_number == "S-1"
    assert receipt.received_at == datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    first, second = receipt.lines
    assert (first.po_number, first.po_line_number, first.po_schedule_number, first.quantity) == ("PO-1", 1, 1, 2)
    assert (first.amount, first.unit_of_measure) == (None, "Each")
    assert (second.po_schedule_number, second.amount, second.quantity) == (2, Decimal("150.5"), None)
    assert missing == []


@pytest.mark.parametrize(
    ("line", "header", "reason"),
    [
        ({"poNumber": None}, {}, "receipt RC-1: lineList.receiptLine[1].poNumber: required"),
        ({"quantity": "two"}, {}, "receipt RC-1: lineList.receiptLine[1].quantity: must be a number, not 'two'"),
        ({"quantity": None}, {}, "receipt RC-1: lineList.receiptLine[1].quantity: required (or amount)"),
        ({}, {"receivedDate": "15/01/2026"}, "receipt RC-1: receivedDate: must be an ISO-8601 time, not '15/01/2026'"),
        ({"quantity": 0}, {}, "receipt RC-1: lines[1].quantity: Input should be greater than 0"),
    ],
)
def test_a_bad_receipt_is_invalid_naming_record_and_field(
    line: dict[str, Any], header: dict[str, Any], reason: str
) -> None:
    with tenant() as (simulator, _, client):
        receipt_id = simulator.add_receipt("RC-1", "S-1", [LINE, LINE])
        stored = simulator.receipts.get(receipt_id)["lineList"]["receiptLine"]
        simulator.edit_receipt(receipt_id, lineList={"receiptLine": [stored[0], {**stored[1], **line}]}, **header)
        feed = JaggaerReceiptFeed(client)
        [raw] = feed.changed(datetime(2020, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(seconds=1))
        with pytest.raises(InvalidRecord) as invalid:
            feed.convert(raw)
    assert (invalid.value.record_key, invalid.value.reason) == (str(receipt_id), reason)


def test_a_receipt_lacking_optional_members_counts_them_and_one_lacking_its_lines_is_invalid() -> None:
    with tenant() as (simulator, _, client):
        receipt_id = simulator.add_receipt("RC-1", "S-1", [LINE])
        line = {k: v for k, v in simulator.receipts.get(receipt_id)["lineList"]["receiptLine"][0].items() if k != "uom"}
        del line["poScheduleNumber"]
        simulator.edit_receipt(receipt_id, lineList={"receiptLine": [line]}, supplier={})
        reading = client.receipts
        [raw] = reading.changed(datetime(2020, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(seconds=1))
        receipt, missing = reading.convert(raw)
        assert receipt.lines[0].po_schedule_number == 1 and receipt.supplier_number is None
        assert missing == ["receipt.supplier.supplierNumber", "receiptLine.poScheduleNumber", "receiptLine.uom"]
        simulator.edit_receipt(receipt_id, lineList=None, receiptNumber=None)
        [raw] = reading.changed(datetime(2020, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(seconds=1))
        with pytest.raises(
            InvalidRecord, match=f"^receipt {receipt_id}: receiptNumber: required; lineList.receiptLine"
        ):
            reading.convert(raw)


def test_acknowledgments_convert_with_the_configured_status_meanings() -> None:
    with tenant(acknowledgment_statuses="Accepted=accept,Declined=reject") as (simulator, _, client):
        lines = [
            {"po_line_number": 1},
            {"po_line_number": 2, "po_schedule_number": 2, "status": "Declined", "comment": "late"},
        ]
        accepted = simulator.add_acknowledgment("PO-1", "Accepted", "ok", lines)
        rejected = simulator.add_acknowledgment("PO-2", "Rejected")
        feed = JaggaerAcknowledgmentFeed(client)
        first, second = feed.changed(datetime(2020, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(seconds=1))
        acknowledgment, missing = feed.convert(first)
        with pytest.raises(InvalidRecord) as invalid:
            feed.convert(second)
    assert (feed.entity, feed.record_key(first), feed.natural_key(acknowledgment)) == (
        "acknowledgments",
        str(accepted),
        "PO-1",
    )
    assert (acknowledgment.response, acknowledgment.note, missing) == ("accept", "ok", [])
    assert acknowledgment.schedules == (
        ScheduleAcknowledgment(po_line_number=1, po_schedule_number=1, response="accept"),
        ScheduleAcknowledgment(po_line_number=2, po_schedule_number=2, response="reject", note="late"),
    )
    assert invalid.value.record_key == str(rejected)
    assert invalid.value.reason == (
        f"acknowledgment {rejected} of PO PO-2: status: 'Rejected' is not one of Accepted, Declined "
        "(acknowledgment_statuses)"
    )


def submitted(number: str = "INV-1", **changes: Any) -> dict[str, Any]:
    return {
        "supplierInvoiceNumber": number,
        "supplier": {"supplierNumber": "S-1", "name": "Acme"},
        "businessUnit": {"internalName": "US1 Business Unit"},
        "invoiceType": "Invoice",
        "invoiceDate": "2026-01-07",
        "total": {"currency": "USD", "value": 130.5},
        "lineList": {
            "invoiceLine": [
                {"lineNumber": 1, "poNumber": "PO-1", "poLineNumber": 1, "quantity": 2, "unitPrice": 40},
                {"lineNumber": 2, "poNumber": "PO-1", "poLineNumber": 2, "poScheduleNumber": 3, "lineAmount": 50.5},
            ]
        },
        **changes,
    }


def test_submitted_invoices_convert_to_canonical_invoices() -> None:
    with tenant(default_business_unit="Default BU") as (simulator, _, client):
        first = simulator.add_invoice(submitted())
        simulator.add_invoice(submitted("INV-2", businessUnit="UK1"))
        third = simulator.add_invoice(submitted("INV-3"))
        simulator.edit_invoice(third, businessUnit=None, workflowStatus="Canceled")
        simulator.add_invoice(submitted("INV-4", invoiceDate="7 Jan", total={"currency": "USD"}))
        feed = JaggaerInvoiceFeed(client)
        raws = list(feed.changed(datetime(2020, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(seconds=1)))
        (invoice, missing), (uk, _), (canceled, _) = [feed.convert(raw) for raw in raws[:3]]
        with pytest.raises(InvalidRecord) as invalid:
            feed.convert(raws[3])
    assert feed.entity == "payables_invoices" and feed.record_key(raws[0]) == str(first)
    assert (invoice.source_id, invoice.invoice_number, invoice.supplier_number) == (first, "INV-1", "S-1")
    assert (invoice.business_unit, invoice.currency_code, invoice.amount) == (
        "US1 Business Unit",
        "USD",
        Decimal("130.5"),
    )
    assert (invoice.invoice_date, invoice.invoice_type, invoice.canceled) == (date(2026, 1, 7), "Invoice", False)
    assert feed.natural_key(invoice) == "S-1/INV-1" and feed.version(invoice) == invoice.last_update_date
    one, two = invoice.lines
    assert (one.po_number, one.po_line_number, one.po_schedule_number, one.amount) == ("PO-1", 1, 1, Decimal(80))
    assert (two.po_schedule_number, two.amount, two.quantity, two.distributions) == (3, Decimal("50.5"), None, ())
    assert missing == ["invoiceLine.poScheduleNumber", "invoiceLine.quantity", "invoiceLine.unitPrice"]
    assert uk.business_unit == "UK1"
    assert (canceled.business_unit, canceled.canceled) == ("Default BU", True)
    assert invalid.value.reason == (
        "invoice S-1/INV-4: total.value: required; invoiceDate: must be an ISO-8601 date, not '7 Jan'"
    )


def test_ping_checks_the_source_lists_and_window_filters() -> None:
    with tenant() as (simulator, _, client):
        receipt_id = simulator.add_receipt("RC-1", "S-1", [LINE])
        # The source checks come last, after the collections written and the templates.
        lines = client.ping()[-9:]
        assert lines[:3] == [
            f"listed receipts at {client.connection.receipt_path} (1 stored)",
            lines[1],
            f"receipts: keyset_filter accepted (flt=receiptId=gt={receipt_id})",
        ]
        assert lines[1].startswith("receipts: modified_filter accepted (flt=lastUpdate>=")
        assert lines[3:6] == [
            f"listed PO acknowledgments at {client.connection.acknowledgment_path} (0 stored)",
            lines[4],
            "PO acknowledgments: keyset_filter accepted (flt=acknowledgmentId=gt=0)",
        ]
    with (
        tenant(receipt_path="/j1p/api/public/rc/v2/receipts") as (_, _, client),
        pytest.raises(CheckFailed, match="listing receipts failed .*404.*check receipt_path and receipt_list_path"),
    ):
        client.ping()
    with (
        tenant(keyset_filter="{field}=after={after}") as (_, _, client),
        pytest.raises(
            CheckFailed, match="refused keyset_filter flt=receiptId=after=0 on receipts.*check keyset_filter"
        ),
    ):
        client.ping()
    with tenant(keyset_filter="receiptNumber=gt={after}") as (simulator, _, client):
        simulator.add_receipt("RC-1", "S-1", [LINE])
        with pytest.raises(CheckFailed, match="ignored flt=receiptNumber=gt=.* on receipts: set keyset_filter"):
            client.ping()


def test_feeds_read_nothing_when_nothing_changed() -> None:
    with tenant() as (_, _, client):
        for feed in (JaggaerReceiptFeed(client), JaggaerAcknowledgmentFeed(client), JaggaerInvoiceFeed(client)):
            assert list(feed.changed(datetime(2020, 1, 1, tzinfo=UTC), datetime.now(UTC))) == []
            assert feed.first_change_at_or_after(datetime(2020, 1, 1, tzinfo=UTC)) is None
