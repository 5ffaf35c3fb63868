"""Fusion purchase orders (purchaseOrders → lines → schedules → distributions) → the canonical PurchaseOrder."""

from collections.abc import Mapping

from ml_connector_dagster.fusion.record_tree import Level, WindowedTree
from ml_connector_dagster.records import PODistribution, POLine, POSchedule, PurchaseOrder

# Error messages speak Fusion's names: that is what the person fixing the record sees in Oracle.
PURCHASE_ORDER = Level(
    "purchaseOrders",
    PurchaseOrder,
    {
        "source_id": "POHeaderId",
        "order_number": "OrderNumber",
        "supplier": "Supplier",
        "supplier_id": "SupplierId",
        "supplier_site": "SupplierSite",
        "procurement_bu": "ProcurementBU",
        "bill_to_bu": "BillToBU",
        "buyer": "Buyer",
        "currency_code": "CurrencyCode",
        "status": "Status",
        "total": "Total",
        "creation_date": "CreationDate",
        "last_update_date": "LastUpdateDate",
    },
    key="source_id",
    number="order_number",
    children=(
        Level(
            "lines",
            POLine,
            {
                "line_id": "POLineId",
                "line_number": "LineNumber",
                "description": "Description",
                "quantity": "Quantity",
                "unit_price": "Price",
                "uom": "UOM",
                "amount": "Amount",
            },
            key="line_id",
            number="line_number",
            children=(
                Level(
                    "schedules",
                    POSchedule,
                    {
                        "line_location_id": "LineLocationId",
                        "schedule_number": "ScheduleNumber",
                        "quantity": "Quantity",
                        "amount": "Amount",
                        "need_by_date": "RequestedDeliveryDate",
                    },
                    key="line_location_id",
                    number="schedule_number",
                    children=(
                        Level(
                            "distributions",
                            PODistribution,
                            {
                                "distribution_id": "PODistributionId",
                                "distribution_number": "DistributionNumber",
                                "quantity": "Quantity",
                                "amount": "Amount",
                                "charge_account_id": "POChargeAccountId",
                                "charge_account": "POChargeAccount",
                            },
                            key="distribution_id",
                            number="distribution_number",
                        ),
                    ),
                ),
            ),
        ),
    ),
)


class PurchaseOrderMapping(WindowedTree[PurchaseOrder]):
    """Reads one pod's purchase orders: documented names, with the profile's overrides applied."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        super().__init__(PURCHASE_ORDER, "purchase order", overrides)
