"""JAGGAER → Oracle Fusion: what three-way matching needs back in Fusion, in the order a run posts it."""

from ml_connector_dagster.flows.flow import Flow
from ml_connector_dagster.fusion.sinks import FusionAcknowledgmentSink, FusionInvoiceSink, FusionReceiptSink
from ml_connector_dagster.jaggaer.feeds import JaggaerAcknowledgmentFeed, JaggaerInvoiceFeed, JaggaerReceiptFeed
from ml_connector_dagster.records import Invoice, POAcknowledgment, Receipt

RECEIPTS = Flow(
    entity="receipts",
    title="Receipts",
    source="jaggaer",
    target="fusion",
    record_type=Receipt,
    feed=JaggaerReceiptFeed,
    sink=FusionReceiptSink,
    orders_named=lambda receipt: receipt.po_numbers,
    pull_description="JAGGAER receipts modified in the window (the tenant's modified-time filter, paged by id), "
    "validated and staged by (receiptId, lastUpdate).",
    post_description="Receipts to Fusion receivingReceiptRequests against their PO schedules, looked up by "
    "receipt number (ShipmentNumber) before any create; a 201 that reports a failure is a failure with Fusion's "
    "message; a receipt naming a PO, line or schedule Fusion does not know waits in the pending queue.",
)
ACKNOWLEDGMENTS = Flow(
    entity="acknowledgments",
    title="PO acknowledgments",
    source="jaggaer",
    target="fusion",
    record_type=POAcknowledgment,
    feed=JaggaerAcknowledgmentFeed,
    sink=FusionAcknowledgmentSink,
    orders_named=lambda acknowledgment: (acknowledgment.po_number,),
    pull_description="Suppliers' PO acknowledgments modified in JAGGAER in the window, staged by "
    "(acknowledgmentId, lastUpdate).",
    post_description="Acknowledgments PATCHed onto Fusion purchaseOrderAcknowledgments, per order and per "
    "schedule; an order Fusion does not know waits in the pending queue.",
)
PAYABLES_INVOICES = Flow(
    entity="payables_invoices",
    title="Supplier invoices",
    source="jaggaer",
    target="fusion",
    record_type=Invoice,
    feed=JaggaerInvoiceFeed,
    sink=FusionInvoiceSink,
    orders_named=lambda invoice: tuple(line.po_number for line in invoice.lines if line.po_number),
    after=("receipts",),
    # JAGGAER lists the invoices the connector imported from the ERP beside the supplier-submitted ones.
    echoes=("invoices", "netsuite_vendor_bills"),
    pull_description="Supplier invoices modified in JAGGAER in the window, with their PO-matched lines, staged by "
    "(invoiceId, lastUpdate).",
    post_description="Invoices created in Fusion Payables (POST invoices) with lines matched to PO schedules, "
    "keyed by invoice number + supplier + business unit and looked up before any create; an invoice naming a "
    "supplier or PO Fusion does not know waits in the pending queue.",
)

# Receipts post before the invoices matched against them.
JAGGAER_TO_FUSION: tuple[Flow, ...] = (RECEIPTS, ACKNOWLEDGMENTS, PAYABLES_INVOICES)
