"""How the simulated JAGGAER tenant behaves where the public evidence leaves a choice open."""

from typing import Literal

from pydantic import BaseModel, Field

_PATH = r"^(/[A-Za-z0-9._~-]+)+$"
_MEMBERS = r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$"


class JaggaerSimSettings(BaseModel):
    """Defaults mirror what public J1P clients have seen; every [unverified] behaviour is a knob so the
    connector can be tested against each plausible answer, the least forgiving one by default."""

    client_id: str = "jaggaer-sim-client"
    client_secret: str = "jaggaer-sim-secret"
    realm: str = "J1p-integrations"
    # Keycloak's default is 5 minutes; JAGGAER does not publish the real lifetime.
    token_expires_in: int = Field(default=300, ge=1)
    # JAGGAER provisions PO paths per tenant, so this default is only a placeholder a client must not assume.
    purchase_order_path: str = Field(default="/j1p/api/public/po/v1/purchaseorders", pattern=_PATH)
    # [unverified] CREATEUPDATE is seen on company profiles only; off forces the look-up-then-create path.
    po_upsert_supported: bool = False
    # [unverified] what CREATE of an existing poNumber does; "store" keeps a duplicate, the worst case.
    duplicate_po_number: Literal["store", "reject"] = "store"
    # [unverified] J1P publishes no page sizes; a client must advance by `returnedRecords`, not by `limit`.
    default_page_size: int = Field(default=50, ge=1)
    max_page_size: int = Field(default=200, ge=1)
    # J1P PO schemas are provisioned per tenant. "flat": header fields at the top of the document, as the
    # connector's default template writes them. "header": header fields (poNumber, poId, lastModTime too) under
    # `header`, lines in `lineList: {line: [...]}`, nothing else accepted at the top; write answers carry
    # `header.poId`.
    document_shape: Literal["flat", "header"] = "flat"
    # [unverified] the returnCode for an unknown poId; public clients have seen 40.
    not_found_code: int = 40
    # [unverified] FIQL `=in=` is seen on J1P lists, not on every tenant's PO path; off answers it as an
    # invalid query, as a tenant without it would.
    fiql_in_supported: bool = True
    # Where list answers put their documents, as dotted members.
    list_wrapper: str = Field(default="purchaseOrderList.purchaseOrder", pattern=_MEMBERS)

    # Company profiles (suppliers): the documented path and list member; CREATEUPDATE is their native upsert.
    company_profile_path: str = Field(default="/j1p/api/public/ja/v1/companyprofiles", pattern=_PATH)
    company_list_wrapper: str = Field(default="returnCompanyData", pattern=_MEMBERS)
    # Invoices: the documented list, read and OCR import paths.
    invoice_path: str = Field(default="/j1p/api/public/ji/v1/invoices", pattern=_PATH)
    invoice_list_wrapper: str = Field(default="jiinvoiceList.jiinvoice", pattern=_MEMBERS)
    invoice_import_path: str = Field(default="/j1p/api/public/ji/v1/invoices/ocr", pattern=_PATH)
    # [unverified] no public cancel operation is known: this path is ours; `{invoiceId}` names the invoice.
    invoice_cancel_path: str = Field(
        default="/j1p/api/public/ji/v1/invoices/{invoiceId}/cancel", pattern=r"^(/[A-Za-z0-9._~-]+|/\{invoiceId\})+$"
    )
    # supplierInvoiceNumber must be unique per supplier; whether an import breaking that is refused or stored
    # is unverified: "store" keeps the duplicate, so a client that imports twice is seen doing it.
    duplicate_invoice: Literal["store", "reject"] = "store"
    # [unverified] custom-field value paths are provisioned per tenant: this one is ours.
    custom_field_value_path: str = Field(default="/j1p/api/public/cf/v1/customfieldvalues", pattern=_PATH)
    custom_field_value_list_wrapper: str = Field(default="customFieldValueList.customFieldValue", pattern=_MEMBERS)
    # The custom fields the tenant defines; values can only be added to these. Class, Location and Subsidiary
    # hold the GL dimensions a NetSuite customer adds besides cost center and account.
    custom_fields: list[str] = ["Cost Center", "Account", "Class", "Location", "Subsidiary"]
    # Documents naming an unknown or inactive custom field value are rejected ("No custom field found …");
    # documents naming a supplier number with no company profile are rejected. Off accepts them.
    validate_custom_fields: bool = True
    validate_suppliers: bool = True
    # [unverified] the returnCodes of those rejections.
    custom_field_error_code: int = 60
    unknown_supplier_code: int = 61

    # [unverified] receipt and PO acknowledgment paths are provisioned per tenant (no public path): these and
    # their list members are ours, in J1P's style.
    receipt_path: str = Field(default="/j1p/api/public/rc/v1/receipts", pattern=_PATH)
    receipt_list_wrapper: str = Field(default="receiptList.receipt", pattern=_MEMBERS)
    acknowledgment_path: str = Field(default="/j1p/api/public/po/v1/acknowledgments", pattern=_PATH)
    acknowledgment_list_wrapper: str = Field(default="acknowledgmentList.acknowledgment", pattern=_MEMBERS)
    # [unverified] a modified-time `flt` term is seen once (company profiles); off answers a term on any
    # collection's modified time as an invalid query, as a tenant without it would.
    modified_filter_supported: bool = True
    # After each list page of receipts, acknowledgments or invoices, this many of the documents just served
    # (never the same one twice) are edited, their modified time moved to now: users changing documents while
    # a window is paged, which shifts every offset behind them.
    edits_during_read: int = Field(default=0, ge=0)
