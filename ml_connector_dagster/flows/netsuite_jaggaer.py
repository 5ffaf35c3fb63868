"""Oracle NetSuite → JAGGAER: the GL dimensions, vendors, then the documents that name them."""

from collections.abc import Callable

from ml_connector_dagster.flows.accounting import invoice_ready, order_ready
from ml_connector_dagster.flows.flow import Flow
from ml_connector_dagster.jaggaer.client import JaggaerClient
from ml_connector_dagster.jaggaer.sinks import (
    JaggaerCostCenterSink,
    JaggaerDimensionSink,
    JaggaerGLAccountSink,
    JaggaerInvoiceSink,
    JaggaerPurchaseOrderSink,
    JaggaerSupplierSink,
)
from ml_connector_dagster.netsuite.feeds import (
    NetSuiteAccountFeed,
    NetSuitePurchaseOrderFeed,
    NetSuiteVendorBillFeed,
    NetSuiteVendorFeed,
    dimension_feed,
)
from ml_connector_dagster.netsuite.reference import CLASSES, DEPARTMENTS, LOCATIONS, SUBSIDIARIES, DimensionTable
from ml_connector_dagster.records import (
    CostCenter,
    GLAccount,
    Invoice,
    PurchaseOrder,
    Supplier,
)
from ml_connector_dagster.sync.dependencies import Needs, SupplierRef

VENDORS_ENTITY = "netsuite_vendors"
# The GL mapping reads which cost centers and GL values JAGGAER holds active from the departments' and accounts'
# ledgers, and which vendors it holds from the vendors'.
ACCOUNTS_ENTITY = "netsuite_accounts"
_DIMENSIONS = tuple(table.entity for table in (SUBSIDIARIES, DEPARTMENTS, CLASSES, LOCATIONS))


def _dimension(table: DimensionTable, sink: Callable[[JaggaerClient], JaggaerDimensionSink], field: str) -> Flow:
    return Flow(
        entity=table.entity,
        title=f"{table.title} (NetSuite)",
        source="netsuite",
        target="jaggaer",
        record_type=CostCenter,
        feed=dimension_feed(table),
        sink=sink,
        snapshot=True,
        pull_description=f"Every row of NetSuite's `{table.table}` table, read whole (a GL dimension must reach "
        "JAGGAER before any document names it, however long ago it was created); none when its feature is off.",
        post_description=f"{table.title} as values of JAGGAER's {field} custom field, keyed by NetSuite internal id "
        "with the name as description; inactive ones deactivated.",
    )


NETSUITE_SUBSIDIARIES = _dimension(
    SUBSIDIARIES, lambda client: JaggaerDimensionSink(client, client.connection.subsidiary_field), "subsidiary_field"
)
NETSUITE_DEPARTMENTS = _dimension(DEPARTMENTS, JaggaerCostCenterSink, "cost_center_field")
NETSUITE_CLASSES = _dimension(
    CLASSES, lambda client: JaggaerDimensionSink(client, client.connection.class_field), "class_field"
)
NETSUITE_LOCATIONS = _dimension(
    LOCATIONS, lambda client: JaggaerDimensionSink(client, client.connection.location_field), "location_field"
)
NETSUITE_ACCOUNTS = Flow(
    entity=ACCOUNTS_ENTITY,
    title="GL accounts (NetSuite)",
    source="netsuite",
    target="jaggaer",
    record_type=GLAccount,
    feed=NetSuiteAccountFeed,
    sink=JaggaerGLAccountSink,
    snapshot=True,
    pull_description="NetSuite's chart of accounts, read whole, each account keyed by its number (its internal id "
    "when it has none).",
    post_description="Accounts as values of JAGGAER's GL custom field (gl_account_field); inactive accounts "
    "deactivated, so no document can be charged to them.",
)
NETSUITE_VENDORS = Flow(
    entity=VENDORS_ENTITY,
    title="Vendors (NetSuite)",
    source="netsuite",
    target="jaggaer",
    record_type=Supplier,
    feed=NetSuiteVendorFeed,
    sink=JaggaerSupplierSink,
    pull_description="Vendors whose lastmodifieddate falls in the window (SuiteQL, keyset on lastmodifieddate and "
    "id), and vendors deleted in the window (deletedrecord), staged by (id, change time).",
    post_description="Vendors upserted as JAGGAER company profiles by vendor ID (entityid); a deleted or inactive "
    "vendor is deactivated, never removed.",
)
NETSUITE_PURCHASE_ORDERS = Flow(
    entity="netsuite_purchase_orders",
    title="Purchase orders (NetSuite)",
    source="netsuite",
    target="jaggaer",
    record_type=PurchaseOrder,
    feed=NetSuitePurchaseOrderFeed,
    sink=JaggaerPurchaseOrderSink,
    after=(*_DIMENSIONS, ACCOUNTS_ENTITY, VENDORS_ENTITY),
    needs=Needs(
        supplier=lambda order: SupplierRef("id", str(order.supplier_id)),
        accounts=PurchaseOrder.charge_accounts,
        apply=order_ready,
        supplier_entity=VENDORS_ENTITY,
        cost_center_entity=DEPARTMENTS.entity,
        gl_entity=ACCOUNTS_ENTITY,
    ),
    pull_description="Purchase orders changed in the window with their lines (IN lists of up to 500 orders) and "
    "vendors; deleted ones from deletedrecord. Invalid ones are quarantined with the column at fault.",
    post_description="Purchase orders to JAGGAER by PO number (tranid), every line on its mapped cost center and GL "
    "value; orders waiting on a mapping or their vendor go to the pending queue; deleted orders are cancelled.",
)
NETSUITE_VENDOR_BILLS = Flow(
    entity="netsuite_vendor_bills",
    title="Vendor bills (NetSuite)",
    source="netsuite",
    target="jaggaer",
    record_type=Invoice,
    feed=NetSuiteVendorBillFeed,
    sink=JaggaerInvoiceSink,
    after=(*_DIMENSIONS, ACCOUNTS_ENTITY, VENDORS_ENTITY),
    needs=Needs(
        supplier=lambda invoice: SupplierRef("number", invoice.supplier_number),
        accounts=Invoice.charge_accounts,
        apply=invoice_ready,
        supplier_entity=VENDORS_ENTITY,
        cost_center_entity=DEPARTMENTS.entity,
        gl_entity=ACCOUNTS_ENTITY,
    ),
    pull_description="Vendor bills changed in the window with their expense lines and accounting lines (IN lists "
    "of up to 500 bills); deleted ones from deletedrecord.",
    post_description="Bills to JAGGAER invoices keyed by vendor ID + bill number, each line on its mapped cost "
    "center and GL value; voided or deleted bills are cancelled; bills waiting on a mapping or vendor go to the "
    "pending queue.",
)

# Posting order within a run: GL dimensions, vendors, then the documents that reference them.
NETSUITE_TO_JAGGAER: tuple[Flow, ...] = (
    NETSUITE_SUBSIDIARIES,
    NETSUITE_DEPARTMENTS,
    NETSUITE_CLASSES,
    NETSUITE_LOCATIONS,
    NETSUITE_ACCOUNTS,
    NETSUITE_VENDORS,
    NETSUITE_PURCHASE_ORDERS,
    NETSUITE_VENDOR_BILLS,
)
