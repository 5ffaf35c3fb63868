"""The resources the simulated pod serves and their attributes, named as Oracle documents them (Procurement
"fapra" and Financials "farfa" REST guides): each top-level resource is described once here, and every code
path (paging, q, orderBy, expand, fields, describe, links) works from these descriptions."""

from dataclasses import dataclass
from typing import Literal, NamedTuple

AttrType = Literal["integer", "number", "string", "datetime", "date", "boolean"]
# How an item is named in its URL: an opaque hash clients must not build (purchase orders, invoices), or its
# plain numeric key (suppliers, the LOV, value sets).
Addressing = Literal["uniq", "numeric"]


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
    addressing: Addressing = "uniq"
    # The change-time attribute a top-level resource is indexed and windowed by; None: read whole.
    changed: str | None = None
    # A second attribute the item's path segment may name it by (valueSets/{ValueSetCode}).
    alternate_key: str | None = None
    # A unique name for a child whose path name another resource's child also has (receipt `lines`, PO
    # `lines`): rows, settings and SCHEMAS know it by this.
    qualified: str | None = None

    @property
    def id(self) -> str:
        return self.qualified or self.name

    def child(self, name: str) -> "ResourceSchema | None":
        return next((child for child in self.children if child.name == name), None)

    def position(self, child: "ResourceSchema") -> int:
        """Where a child's rows are among a row's child collections."""
        return self.children.index(child)


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
        # How the line is received and matched: "QUANTITY" for goods, "AMOUNT" for fixed-price services.
        # Served only when the `line_kind_attributes` setting says so (the reference does not document them).
        "OrderTypeLookupCode": "string",
        "MatchingBasis": "string",
    },
    (SCHEDULES,),
)
# Line attributes whether a pod serves is [unverified]: a setting (`line_kind_attributes`).
LINE_KIND_ATTRIBUTES = ("OrderTypeLookupCode", "MatchingBasis")
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
    changed="LastUpdateDate",
)

SITES = ResourceSchema(
    "sites",
    "SupplierSiteId",
    {
        "SupplierSiteId": "integer",
        "SupplierSite": "string",
        "ProcurementBU": "string",
        "SupplierAddressId": "integer",
        "InactiveDate": "date",
    },
    addressing="numeric",
)
ADDRESSES = ResourceSchema(
    "addresses",
    "SupplierAddressId",
    {
        "SupplierAddressId": "integer",
        "AddressName": "string",
        "AddressLine1": "string",
        "AddressLine2": "string",
        "City": "string",
        "State": "string",
        "PostalCode": "string",
        "Country": "string",
    },
    addressing="numeric",
)
SUPPLIERS = ResourceSchema(
    "suppliers",
    "SupplierId",
    {
        "SupplierId": "integer",
        "SupplierNumber": "string",
        "Supplier": "string",
        "Status": "string",
        "DUNSNumber": "string",
        "TaxOrganizationType": "string",
        "CreationDate": "datetime",
        "LastUpdateDate": "datetime",
    },
    (SITES, ADDRESSES),
    addressing="numeric",
    changed="LastUpdateDate",
)

INVOICE_DISTRIBUTIONS = ResourceSchema(
    "invoiceDistributions",
    "InvoiceDistributionId",
    {
        "InvoiceDistributionId": "integer",
        "DistributionLineNumber": "integer",
        "DistributionAmount": "number",
        "DistributionCombination": "string",
    },
)
# Lines have no id of their own in the documented attributes: their rows carry a hidden one for the opaque
# key, and LineNumber is the key clients see (describe, PrimaryKey finder).
INVOICE_LINES = ResourceSchema(
    "invoiceLines",
    "LineNumber",
    {
        "LineNumber": "integer",
        "LineType": "string",
        "LineAmount": "number",
        "Quantity": "number",
        "UnitPrice": "number",
        "Description": "string",
        "PurchaseOrderNumber": "string",
        "PurchaseOrderLineNumber": "integer",
        "PurchaseOrderScheduleLineNumber": "integer",
    },
    (INVOICE_DISTRIBUTIONS,),
)
INVOICES = ResourceSchema(
    "invoices",
    "InvoiceId",
    {
        "InvoiceId": "integer",
        "InvoiceNumber": "string",
        "InvoiceCurrency": "string",
        "InvoiceAmount": "number",
        "InvoiceDate": "date",
        "BusinessUnit": "string",
        "Supplier": "string",
        "SupplierNumber": "string",
        "SupplierSite": "string",
        "InvoiceType": "string",
        "ValidationStatus": "string",
        "CanceledFlag": "boolean",
        "CreationDate": "datetime",
        "LastUpdateDate": "datetime",
    },
    (INVOICE_LINES,),
    changed="LastUpdateDate",
)

# Segment names are ours (the reference does not document the LOV's): clients take them as a setting.
SEGMENTS = tuple(f"_SEGMENT{number}" for number in range(1, 7))
ACCOUNT_COMBINATIONS = ResourceSchema(
    "accountCombinationsLOV",
    "_CODE_COMBINATION_ID",
    {
        "_CODE_COMBINATION_ID": "integer",
        "_CHART_OF_ACCOUNTS_ID": "integer",
        "EnabledFlag": "boolean",
        "AccountType": "string",
        "StartDateActive": "date",
        "EndDateActive": "date",
        **dict.fromkeys(SEGMENTS, "string"),
    },
    addressing="numeric",
)

VALUES = ResourceSchema(
    "values",
    "ValueId",
    {
        "ValueId": "integer",
        "Value": "string",
        "Description": "string",
        "EnabledFlag": "boolean",
        "StartDateActive": "date",
        "EndDateActive": "date",
        # [unverified] the docs list the value's CreationDate (read-only); its LastUpdateDate is assumed to follow,
        # as Fusion's who-columns do. Not a change index: value sets are read whole.
        "LastUpdateDate": "datetime",
    },
    addressing="numeric",
)
VALUE_SETS = ResourceSchema(
    "valueSets",
    "ValueSetId",
    {"ValueSetId": "integer", "ValueSetCode": "string", "Description": "string"},
    (VALUES,),
    addressing="numeric",
    alternate_key="ValueSetCode",
)

RECEIPT_REQUEST_LINES = ResourceSchema(
    "lines",
    "InterfaceTransactionId",
    {
        "InterfaceTransactionId": "integer",
        "SourceDocumentCode": "string",
        "TransactionType": "string",
        "AutoTransactCode": "string",
        "DocumentNumber": "string",
        "DocumentLineNumber": "integer",
        "DocumentShipmentLineNumber": "integer",
        "Quantity": "number",
        "Amount": "number",
        "UnitOfMeasure": "string",
        "ProcessingStatusCode": "string",
    },
    addressing="numeric",
    qualified="receiptRequestLines",
)
PROCESSING_ERRORS = ResourceSchema(
    "processingErrors",
    "ErrorId",
    {
        "ErrorId": "integer",
        "InterfaceTransactionId": "integer",
        "ColumnName": "string",
        "ColumnValue": "string",
        "ErrorMessageName": "string",
        "ErrorMessage": "string",
    },
    addressing="numeric",
)
# The header's DocumentNumber is the PO number its lines receive against (null when they name several): it
# lets a client look a receipt up by PO before creating one.
RECEIPT_REQUESTS = ResourceSchema(
    "receivingReceiptRequests",
    "HeaderInterfaceId",
    {
        "HeaderInterfaceId": "integer",
        "ReceiptSourceCode": "string",
        "ShipmentNumber": "string",
        "ReceiptNumber": "string",
        "OrganizationCode": "string",
        "VendorName": "string",
        "DocumentNumber": "string",
        "ReturnStatus": "string",
        "ProcessingStatusCode": "string",
        "CreationDate": "datetime",
        "LastUpdateDate": "datetime",
    },
    (RECEIPT_REQUEST_LINES, PROCESSING_ERRORS),
    addressing="numeric",
)

ACKNOWLEDGMENT_SCHEDULES = ResourceSchema(
    "schedules",
    "LineLocationId",
    {
        "LineLocationId": "integer",
        "LineNumber": "integer",
        "ScheduleNumber": "integer",
        "Quantity": "number",
        "Amount": "number",
        "AcknowledgmentResponse": "string",
        "AcknowledgmentNote": "string",
    },
    addressing="numeric",
    qualified="acknowledgmentSchedules",
)
ACKNOWLEDGMENTS = ResourceSchema(
    "purchaseOrderAcknowledgments",
    "POHeaderId",
    {
        "POHeaderId": "integer",
        "OrderNumber": "string",
        "Supplier": "string",
        "SupplierId": "integer",
        "ProcurementBU": "string",
        "AcknowledgmentResponse": "string",
        "AcknowledgmentNote": "string",
        "LastUpdateDate": "datetime",
    },
    (ACKNOWLEDGMENT_SCHEDULES,),
    addressing="numeric",
)

TOP_LEVEL: dict[str, ResourceSchema] = {
    schema.name: schema
    for schema in (
        PURCHASE_ORDERS,
        SUPPLIERS,
        INVOICES,
        ACCOUNT_COMBINATIONS,
        VALUE_SETS,
        RECEIPT_REQUESTS,
        ACKNOWLEDGMENTS,
    )
}


def subtree(schema: ResourceSchema) -> list[ResourceSchema]:
    """The schema and every schema below it, parents first."""
    return [schema, *(below for child in schema.children for below in subtree(child))]


SCHEMAS: dict[str, ResourceSchema] = {schema.id: schema for top in TOP_LEVEL.values() for schema in subtree(top)}
