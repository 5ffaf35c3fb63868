"""Oracle Fusion → JAGGAER: every entity the outbound side moves, in the order a run posts them."""

from ml_connector_dagster.flows.accounting import invoice_ready, order_ready
from ml_connector_dagster.flows.flow import Flow
from ml_connector_dagster.fusion.feeds import (
    FusionCostCenterFeed,
    FusionGLAccountFeed,
    FusionInvoiceFeed,
    FusionPurchaseOrderFeed,
    FusionSupplierFeed,
)
from ml_connector_dagster.jaggaer.sinks import (
    JaggaerCostCenterSink,
    JaggaerGLAccountSink,
    JaggaerInvoiceSink,
    JaggaerPurchaseOrderSink,
    JaggaerSupplierSink,
)
from ml_connector_dagster.records import (
    CostCenter,
    GLAccount,
    Invoice,
    PurchaseOrder,
    Supplier,
)
from ml_connector_dagster.sync.dependencies import Needs, SupplierRef

COST_CENTERS = Flow(
    entity="cost_centers",
    title="Cost centers",
    source="fusion",
    target="jaggaer",
    record_type=CostCenter,
    feed=FusionCostCenterFeed,
    sink=JaggaerCostCenterSink,
    snapshot=True,
    pull_description="Every value of the cost-center segment's value set, read whole (no change time in "
    "Fusion), staged; unchanged values are skipped by the post.",
    post_description="Cost-center values as JAGGAER custom-field values: only differences written, disabled "
    "values deactivated.",
)
GL_ACCOUNTS = Flow(
    entity="gl_accounts",
    title="GL account combinations",
    source="fusion",
    target="jaggaer",
    record_type=GLAccount,
    feed=FusionGLAccountFeed,
    sink=JaggaerGLAccountSink,
    snapshot=True,
    pull_description="Every account combination of accountCombinationsLOV, read whole (no change time in "
    "Fusion), staged.",
    post_description="Account combinations as JAGGAER GL custom-field values: only differences written, "
    "disabled combinations deactivated.",
)
SUPPLIERS = Flow(
    entity="suppliers",
    title="Suppliers",
    source="fusion",
    target="jaggaer",
    record_type=Supplier,
    feed=FusionSupplierFeed,
    sink=JaggaerSupplierSink,
    pull_description="Suppliers (with sites and addresses) whose LastUpdateDate falls in the window, staged by "
    "(SupplierId, LastUpdateDate).",
    post_description="Suppliers upserted as JAGGAER company profiles (CREATEUPDATE by supplier number, extCode); "
    "the ledger keeps SupplierId ↔ supplier number ↔ bravoId for the documents that name them.",
)
PURCHASE_ORDERS = Flow(
    entity="purchase_orders",
    title="Purchase orders",
    source="fusion",
    target="jaggaer",
    record_type=PurchaseOrder,
    feed=FusionPurchaseOrderFeed,
    sink=JaggaerPurchaseOrderSink,
    after=("cost_centers", "gl_accounts", "suppliers"),
    needs=Needs(
        supplier=lambda order: SupplierRef("id", str(order.supplier_id)),
        accounts=PurchaseOrder.charge_accounts,
        apply=order_ready,
    ),
    pull_description="Purchase orders (with lines, schedules, distributions) whose LastUpdateDate falls in the "
    "window, read from Fusion, validated, and staged by (POHeaderId, LastUpdateDate). Invalid ones are "
    "quarantined with the field at fault.",
    post_description="Staged purchase orders of the window, written to JAGGAER by PO number: supplier named by "
    "its ERP number, every distribution on its mapped cost center and GL value; orders waiting on either go to "
    "the pending queue. Newest version only, never older over newer, unchanged payloads skipped.",
)
INVOICES = Flow(
    entity="invoices",
    title="Invoices",
    source="fusion",
    target="jaggaer",
    record_type=Invoice,
    feed=FusionInvoiceFeed,
    sink=JaggaerInvoiceSink,
    after=("cost_centers", "gl_accounts", "suppliers"),
    # Fusion lists the invoices the connector created from JAGGAER's beside its own.
    echoes=("payables_invoices",),
    needs=Needs(
        supplier=lambda invoice: SupplierRef("number", invoice.supplier_number),
        accounts=Invoice.charge_accounts,
        apply=invoice_ready,
    ),
    pull_description="Payables invoices (lines, distributions with DistributionCombination) whose "
    "LastUpdateDate falls in the window, staged by (InvoiceId, LastUpdateDate).",
    post_description="Invoices to JAGGAER keyed by supplier number + supplier invoice number, accounting on the "
    "mapped cost center and GL value; cancelled in Fusion → cancelled in JAGGAER; invoices waiting on a mapping "
    "or supplier go to the pending queue.",
)

# Posting order within a run: reference data, suppliers, then the transactions that reference them.
FUSION_TO_JAGGAER: tuple[Flow, ...] = (COST_CENTERS, GL_ACCOUNTS, SUPPLIERS, PURCHASE_ORDERS, INVOICES)
