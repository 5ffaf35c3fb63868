"""A purchase order with every field at every level filled: what `ping` renders to prove a template works."""

from datetime import UTC, date, datetime
from decimal import Decimal

from ml_connector_dagster.records import PODistribution, POLine, POSchedule, PurchaseOrder

SAMPLE_PO_NUMBER = "ML-CONNECTOR-PING-1"


def sample_purchase_order() -> PurchaseOrder:
    distribution = PODistribution(
        distribution_id=300000000000003,
        distribution_number=1,
        quantity=Decimal("4"),
        amount=Decimal("100.00"),
        charge_account_id=300000000000100,
        charge_account="101-10-5000-000",
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
        supplier_site="MAIN",
        procurement_bu="Sample Business Unit",
        bill_to_bu="Sample Business Unit",
        buyer="Sample Buyer",
        currency_code="USD",
        status="OPEN",
        total=Decimal("100.00"),
        creation_date=datetime(2026, 1, 2, 9, 30, tzinfo=UTC),
        last_update_date=datetime(2026, 1, 3, 10, 45, tzinfo=UTC),
        lines=(line,),
    )
