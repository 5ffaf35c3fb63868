"""The attributes the simulated pod serves per resource, named as Oracle documents them in the Procurement REST
guide (fapra): purchaseOrders → lines → schedules → distributions."""

from dataclasses import dataclass
from typing import Literal, NamedTuple

AttrType = Literal["integer", "number", "string", "datetime", "date"]


class PodAttribute(NamedTuple):
    """An attribute as one pod serves it, keyed elsewhere by the name that pod gives it: the documented name
    rows hold its value under, and its type."""

    documented: str
    kind: AttrType


@dataclass(frozen=True)
class ResourceSchema:
    name: str
    key: str
    attributes: dict[str, AttrType]
    children: tuple["ResourceSchema", ...] = ()

    def child(self, name: str) -> "ResourceSchema | None":
        return next((child for child in self.children if child.name == name), None)


DISTRIBUTIONS = ResourceSchema(
    "distributions",
    "PODistributionId",
    {
        "PODistributionId": "integer",
        "DistributionNumber": "integer",
        "Quantity": "number",
        "Amount": "number",
        "POChargeAccountId": "integer",
        "POChargeAccount": "string",
    },
)
SCHEDULES = ResourceSchema(
    "schedules",
    "LineLocationId",
    {
        "LineLocationId": "integer",
        "ScheduleNumber": "integer",
        "Quantity": "number",
        "Amount": "number",
        "RequestedDeliveryDate": "date",
    },
    (DISTRIBUTIONS,),
)
LINES = ResourceSchema(
    "lines",
    "POLineId",
    {
        "POLineId": "integer",
        "LineNumber": "integer",
        "Description": "string",
        "Quantity": "number",
        "Price": "number",
        "UOM": "string",
        "Amount": "number",
    },
    (SCHEDULES,),
)
PURCHASE_ORDERS = ResourceSchema(
    "purchaseOrders",
    "POHeaderId",
    {
        "POHeaderId": "integer",
        "OrderNumber": "string",
        "Description": "string",
        "Supplier": "string",
        "SupplierId": "integer",
        "SupplierSite": "string",
        "ProcurementBU": "string",
        "BillToBU": "string",
        "Buyer": "string",
        "CurrencyCode": "string",
        "Status": "string",
        "Total": "number",
        "CreationDate": "datetime",
        "LastUpdateDate": "datetime",
    },
    (LINES,),
)
SCHEMAS: dict[str, ResourceSchema] = {
    schema.name: schema for schema in (PURCHASE_ORDERS, LINES, SCHEDULES, DISTRIBUTIONS)
}
