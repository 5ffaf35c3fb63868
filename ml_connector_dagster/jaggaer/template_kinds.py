"""The kinds of record JAGGAER documents are rendered from, and the settings templates may name."""

from ml_connector_dagster.jaggaer.document_template import TemplateKind
from ml_connector_dagster.records import (
    Invoice,
    InvoiceDistribution,
    InvoiceLine,
    PODistribution,
    POLine,
    POSchedule,
    PurchaseOrder,
    Supplier,
    SupplierAddress,
    SupplierSite,
)

PURCHASE_ORDER = TemplateKind(
    noun="purchase order",
    document="the purchaseOrder document",
    levels={"order": PurchaseOrder, "line": POLine, "schedule": POSchedule, "distribution": PODistribution},
    key_field="order.order_number",
    key_name="PO number",
    id_member="poId",
    file_name="purchase_order.json",
)
# The companyInfo of a company profile; CREATEUPDATE upserts by extCode, so no id is ever placed in it.
SUPPLIER = TemplateKind(
    noun="supplier",
    document="the companyInfo of a company profile",
    levels={"supplier": Supplier, "site": SupplierSite, "address": SupplierAddress},
    key_field="supplier.supplier_number",
    key_name="supplier number",
    id_member=None,
    file_name="supplier.json",
)
# An OCR import batch; imports only create, so no id is ever placed in it.
INVOICE = TemplateKind(
    noun="invoice",
    document="the invoice import batch",
    levels={"invoice": Invoice, "line": InvoiceLine, "distribution": InvoiceDistribution},
    key_field="invoice.invoice_number",
    key_name="supplier invoice number",
    id_member=None,
    file_name="invoice.json",
)

# What `$setting` may name, with the defaults a connection starts from: the custom fields accounting goes to.
DEFAULT_TEMPLATE_SETTINGS = {"cost_center_field": "Cost Center", "gl_account_field": "Account"}
