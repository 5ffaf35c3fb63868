"""Fusion payables invoices (invoices → invoiceLines → invoiceDistributions) → the canonical Invoice."""

from collections.abc import Mapping

from ml_connector_dagster.fusion.record_tree import Level, WindowedTree
from ml_connector_dagster.records import Invoice, InvoiceDistribution, InvoiceLine

# Lines and distributions are addressed by opaque hashes; they are ordered and named by their numbers.
INVOICE = Level(
    "invoices",
    Invoice,
    {
        "source_id": "InvoiceId",
        "invoice_number": "InvoiceNumber",
        "supplier_number": "SupplierNumber",
        "supplier": "Supplier",
        "supplier_site": "SupplierSite",
        "business_unit": "BusinessUnit",
        "currency_code": "InvoiceCurrency",
        "amount": "InvoiceAmount",
        "invoice_date": "InvoiceDate",
        "invoice_type": "InvoiceType",
        "validation_status": "ValidationStatus",
        "canceled": "CanceledFlag",
        "last_update_date": "LastUpdateDate",
    },
    key="source_id",
    number="invoice_number",
    flags=frozenset({"canceled"}),
    children=(
        Level(
            "invoiceLines",
            InvoiceLine,
            {
                "line_number": "LineNumber",
                "line_type": "LineType",
                "amount": "LineAmount",
                "description": "Description",
                "quantity": "Quantity",
                "unit_price": "UnitPrice",
                "po_number": "PurchaseOrderNumber",
                "po_line_number": "PurchaseOrderLineNumber",
                "po_schedule_number": "PurchaseOrderScheduleLineNumber",
            },
            key="line_number",
            number="line_number",
            holder="lines",
            children=(
                Level(
                    "invoiceDistributions",
                    InvoiceDistribution,
                    {
                        "distribution_id": "InvoiceDistributionId",
                        "distribution_line_number": "DistributionLineNumber",
                        "amount": "DistributionAmount",
                        "combination": "DistributionCombination",
                    },
                    key="distribution_id",
                    number="distribution_line_number",
                    holder="distributions",
                ),
            ),
        ),
    ),
)


class InvoiceMapping(WindowedTree[Invoice]):
    """Reads one pod's payables invoices: documented names, with the profile's overrides applied."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        super().__init__(INVOICE, "invoice", overrides)
