"""Invoices into JAGGAER: imported once by supplier number + supplier invoice number (also after a lost
answer), cancelled when cancelled in the ERP, rejected when they name unknown accounting. Real HTTP on loopback."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

import pytest

from ml_connector_dagster.http.errors import RequestRejected, WriteOutcomeUnknown
from ml_connector_dagster.jaggaer.client import JaggaerClient
from ml_connector_dagster.jaggaer.simulator import JaggaerSimSettings, JaggaerSimulator
from ml_connector_dagster.jaggaer.sinks import JaggaerCostCenterSink, JaggaerGLAccountSink, JaggaerInvoiceSink
from ml_connector_dagster.records import Invoice, InvoiceDistribution, InvoiceLine
from ml_connector_dagster.records.errors import NothingToWrite
from ml_connector_dagster.simulation.faults import FaultRule, FaultSettings

from .test_jaggaer_client import AnswerRewriter, tenant
from .test_jaggaer_custom_fields import cost_center, gl_account
from .test_jaggaer_suppliers import supplier

IMPORT_PATH = JaggaerSimSettings().invoice_import_path


def invoice(number: str = "INV-1", cost_center_value: str = "10", **changes: Any) -> Invoice:
    distribution = InvoiceDistribution(
        distribution_id=1,
        distribution_line_number=1,
        amount=Decimal("40.00"),
        combination="101.10.5000",
        cost_center=cost_center_value,
        gl_account="5000",
    )
    line = InvoiceLine(line_number=1, line_type="Item", amount=Decimal("40.00"), distributions=(distribution,))
    fields: dict[str, Any] = {
        "source_id": 500,
        "invoice_number": number,
        "supplier_number": "S-100",
        "business_unit": "US1 Business Unit",
        "currency_code": "USD",
        "amount": Decimal("40.00"),
        "invoice_date": date(2026, 1, 7),
        "last_update_date": datetime(2026, 1, 8, 10, 0, tzinfo=UTC),
        "lines": (line,),
    }
    return Invoice(**{**fields, **changes})


@contextmanager
def ready_tenant(
    settings: JaggaerSimSettings | None = None, **connection: Any
) -> Iterator[tuple[JaggaerSimulator, AnswerRewriter, JaggaerClient]]:
    """A tenant holding supplier S-100, cost center 10 and account 5000."""
    with tenant(settings, **connection) as (simulator, proxy, client):
        client.upsert_supplier(supplier("S-100"))
        JaggaerCostCenterSink(client).write(cost_center(), None)
        JaggaerGLAccountSink(client).write(gl_account(), None)
        yield simulator, proxy, client


def test_an_invoice_is_imported_once_and_found_by_its_natural_key() -> None:
    with ready_tenant(lookup_batch_size=2) as (simulator, _, client):
        sink = JaggaerInvoiceSink(client)
        created = sink.write(invoice(), None)
        # Not in the ledger (a lost run): the lookup finds it and nothing is imported again.
        assert sink.write(invoice(), None) == created
        other = sink.write(invoice("INV 2;b"), None, looked_up=True)
        assert sink.find_ids(["S-100/INV-1", "S-100/INV 2;b", "S-100/INV-404", "S-9/INV-1"]) == {
            "S-100/INV-1": created,
            "S-100/INV 2;b": other,
        }
        with pytest.raises(NothingToWrite, match="J1P imports cannot change an imported invoice"):
            sink.write(invoice(amount=Decimal("41.00")), created)
        stored = simulator.invoices.get(int(created))
        stats = simulator.collection_stats()["invoices"]
    assert (stats.stored, stats.duplicates, stats.writes) == (2, 0, 2)
    assert stored["supplier"] == {"supplierNumber": "S-100"} and stored["supplierInvoiceNumber"] == "INV-1"
    assert stored["businessUnit"] == {"internalName": "US1 Business Unit"}
    [line] = stored["lineList"]["invoiceLine"]
    [split] = line["splittableFieldSetGroupList"]["splittableFieldSetGroup"]
    assert split["distributionType"] == "AmountOfPrice"
    assert split["customFieldValueSetList"]["customFieldValueSet"] == [
        {"name": "Cost Center", "value": "10"},
        {"name": "Account", "value": "5000"},
    ]
    assert sink.target_state(invoice()) is None


def test_a_lost_import_answer_is_resolved_by_looking_the_key_up_not_by_importing_again() -> None:
    with ready_tenant() as (simulator, _, client):
        rule = FaultRule(mode="lost_answer", method="POST", path_contains=IMPORT_PATH)
        simulator.faults.replace(FaultSettings(rules=[rule]))
        created = JaggaerInvoiceSink(client).write(invoice(), None)
        assert simulator.faults.fired == 1
        assert simulator.invoices.collection.stats().stored == 1
        assert client.find_invoices(["S-100/INV-1"]) == {"S-100/INV-1": created}

        # The write is lost and so is the check (two attempts): the outcome stays unknown, for the next run,
        # which finds the invoice instead of importing it again.
        simulator.faults.replace(FaultSettings(rules=[rule, FaultRule(status=503, method="GET", times=2)]))
        with pytest.raises(WriteOutcomeUnknown):
            JaggaerInvoiceSink(client).write(invoice("INV-2"), None, looked_up=True)
        second = JaggaerInvoiceSink(client).write(invoice("INV-2"), None)
        stats = simulator.invoices.collection.stats()
    assert second != created
    assert (stats.stored, stats.duplicates, stats.writes) == (2, 0, 2)


def test_a_canceled_invoice_is_cancelled_in_jaggaer_or_needs_nothing() -> None:
    with ready_tenant(not_found_codes=[40]) as (simulator, _, client):
        sink = JaggaerInvoiceSink(client)
        created = sink.write(invoice(), None)
        assert sink.write(invoice(canceled=True), None) == created
        assert simulator.invoices.get(int(created))["workflowStatus"] == "Canceled"
        # A stale id in the ledger: the key is looked up again.
        assert sink.write(invoice(canceled=True), "8000009999") == created
        with pytest.raises(NothingToWrite) as never_sent:
            sink.write(invoice("INV-9", canceled=True), None)
        assert simulator.invoices.collection.stats().stored == 1
    assert never_sent.value.reason == "canceled in Fusion before it reached JAGGAER"


def test_an_invoice_naming_an_unknown_or_inactive_cost_center_is_rejected() -> None:
    with ready_tenant() as (simulator, _, client):
        sink = JaggaerInvoiceSink(client)
        with pytest.raises(RequestRejected) as unknown:
            sink.write(invoice(cost_center_value="99"), None)
        JaggaerCostCenterSink(client).write(cost_center(enabled=False), None)
        with pytest.raises(RequestRejected) as inactive:
            sink.write(invoice(), None)
        with pytest.raises(RequestRejected) as no_supplier:
            sink.write(invoice(supplier_number="S-404"), None)
        assert simulator.invoices.collection.stats().stored == 0
    assert str(unknown.value) == (
        "jaggaer: invoice import: returnCode 60: No custom field found: field 'Cost Center' value '99' does not exist"
    )
    assert str(inactive.value).endswith("No custom field found: field 'Cost Center' value '10' is inactive")
    assert str(no_supplier.value).endswith("No supplier found with supplierNumber S-404")


@pytest.mark.parametrize(("knob", "stored", "answer"), [("store", 2, 0), ("reject", 1, 30)])
def test_a_second_import_of_one_key_is_stored_or_rejected_per_knob(
    knob: Literal["store", "reject"], stored: int, answer: int
) -> None:
    with ready_tenant(JaggaerSimSettings(duplicate_invoice=knob)) as (simulator, _, client):
        document = client.invoices.document(invoice())
        answers = [client._http.send_json("POST", IMPORT_PATH, document)["returnCode"] for _ in range(2)]
        stats = simulator.invoices.collection.stats()
        listed = list(client.invoices.iter("supplierNumber==S-100;supplierInvoiceNumber==INV-1"))
    assert answers == [0, answer]
    assert (stats.stored, stats.distinct_keys, stats.duplicates) == (stored, 1, stored - 1)
    assert len(listed) == stored


def test_ping_probes_every_collection_and_renders_every_template() -> None:
    with ready_tenant() as (_, _, client):
        JaggaerInvoiceSink(client).write(invoice(), None)
        lines = client.ping()
    # Then the templates, then the collections read back to Fusion (test_jaggaer_sources.py checks those lines).
    templates = len(lines) - 9
    assert lines[3:templates] == [
        "listed company profiles (1 stored)",
        "supplier number lookups work (flt=extCode=in=(…))",
        "listed invoices (1 stored)",
        "invoice lookups work (flt=supplierNumber==…;supplierInvoiceNumber=in=(…))",
        "listed values of custom field 'Cost Center' (cost_center_field): 1 stored",
        "listed values of custom field 'Account' (gl_account_field): 1 stored",
        lines[templates - 2],
        lines[templates - 1],
    ]
    assert lines[templates].startswith("listed receipts at ")
    assert lines[templates - 2].startswith("jaggaer supplier template (packaged default) renders a sample supplier")
    assert lines[templates - 2].endswith("the supplier number goes at extCode")
    assert lines[templates - 1].startswith("jaggaer invoice template (packaged default) renders a sample invoice")
    assert lines[templates - 1].endswith(
        "the supplier invoice number goes at invoiceOcr.invoiceOcrHeader.supplierInvoiceNumber"
    )
