"""Records with every field at every level filled: what `ping` renders to prove the templates work."""

from datetime import UTC, date, datetime
from decimal import Decimal

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

SAMPLE_PO_NUMBER = "ML-CONNECTOR-PING-1"
SAMPLE_SUPPLIER_NUMBER = "ML-CONNECTOR-PING-S1"
_UPDATED = datetime(2026, 1, 3, 10, 45, tzinfo=UTC)


def sample_purchase_order() -> PurchaseOrder:
    distribution = PODistribution(
        distribution_id=300000000000003,
        distribution_number=1,
        quantity=Decimal("4"),
        amount=Decimal("100.00"),
        charge_account_id=300000000000100,
        charge_account="101-10-5000-000",
        cost_center="10",
        gl_account="5000",
    )
    schedule = POSchedule(
        line_location_id=300000000000002,
        schedule_number=1,
        quantity=Decimal("4"),
        amount=Decimal("100.00"),
        need_by_date=date(2026, 1, 15),
        distributions=(distribution,),
    )
    line = POLine(
        line_id=300000000000001,
        line_number=1,
        description="Sample line rendered by ping",
        quantity=Decimal("4"),
        unit_price=Decimal("25.00"),
        uom="Each",
        amount=Decimal("100.00"),
        schedules=(schedule,),
    )
    return PurchaseOrder(
        source_id=300000000000000,
        order_number=SAMPLE_PO_NUMBER,
        supplier="Sample Supplier",
        supplier_id=300000000000200,
        supplier_number=SAMPLE_SUPPLIER_NUMBER,
        supplier_site="MAIN",
        procurement_bu="Sample Business Unit",
        bill_to_bu="Sample Business Unit",
        buyer="Sample Buyer",
        currency_code="USD",
        status="OPEN",
        total=Decimal("100.00"),
        creation_date=datetime(2026, 1, 2, 9, 30, tzinfo=UTC),
        last_update_date=_UPDATED,
        lines=(line,),
    )


def sample_supplier() -> Supplier:
    address = SupplierAddress(
        address_id=300000000000201,
        address_name="MAIN",
        address_line1="1 Sample Street",
        address_line2="Suite 2",
        city="Springfield",
        state="IL",
        postal_code="62701",
        country="US",
    )
    site = SupplierSite(
        site_id=300000000000202,
        site_name="MAIN",
        procurement_bu="Sample Business Unit",
        address_id=address.address_id,
        inactive_date=date(2027, 1, 1),
    )
    return Supplier(
        source_id=300000000000200,
        supplier_number=SAMPLE_SUPPLIER_NUMBER,
        name="Sample Supplier",
        status="ACTIVE",
        duns_number="123456789",
        tax_organization_type="Corporation",
        last_update_date=_UPDATED,
        sites=(site,),
        addresses=(address,),
    )


def sample_invoice() -> Invoice:
    distribution = InvoiceDistribution(
        distribution_id=300000000000303,
        distribution_line_number=1,
        amount=Decimal("100.00"),
        combination="101.10.5000.000",
        cost_center="10",
        gl_account="5000",
    )
    line = InvoiceLine(
        line_number=1,
        line_type="Item",
        amount=Decimal("100.00"),
        description="Sample invoice line rendered by ping",
        quantity=Decimal("4"),
        unit_price=Decimal("25.00"),
        po_number=SAMPLE_PO_NUMBER,
        po_line_number=1,
        po_schedule_number=1,
        distributions=(distribution,),
    )
    return Invoice(
        source_id=300000000000300,
        invoice_number="ML-CONNECTOR-PING-INV-1",
        supplier_number=SAMPLE_SUPPLIER_NUMBER,
        supplier="Sample Supplier",
        supplier_site="MAIN",
        business_unit="Sample Business Unit",
        currency_code="USD",
        amount=Decimal("100.00"),
        invoice_date=date(2026, 1, 2),
        invoice_type="Standard",
        validation_status="Validated",
        last_update_date=_UPDATED,
        lines=(line,),
    )
