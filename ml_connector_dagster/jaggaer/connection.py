"""How to reach one JAGGAER tenant: the Keycloak instance, the J1P API host, the provisioned paths and shapes."""

import json
from pathlib import Path
from string import Formatter
from typing import Any, Literal, Self

from pydantic import BaseModel, Field, SecretStr, ValidationInfo, field_validator, model_validator

from ml_connector_dagster.http.retry import RetryPolicy
from ml_connector_dagster.jaggaer.document_template import TemplateError, TemplateKind
from ml_connector_dagster.jaggaer.template_kinds import DEFAULT_TEMPLATE_SETTINGS, INVOICE, PURCHASE_ORDER, SUPPLIER
from ml_connector_dagster.jaggaer.template_loader import load_template

SYSTEM = "jaggaer"
DEFAULT_LIST_PATH = "purchaseOrderList.purchaseOrder"
_PATH = r"^(/[A-Za-z0-9._~-]+)+$"
_MEMBERS = r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$"
_FIELD = r"^[A-Za-z0-9_]+$"
# FIQL templates and the placeholders each must hold (required, allowed).
_FILTER_TEMPLATES = {"modified_filter": ({"lo", "hi"}, {"lo", "hi"}), "keyset_filter": ({"after"}, {"after", "field"})}
_TEMPLATES: dict[str, TemplateKind] = {
    "purchase_order_template": PURCHASE_ORDER,
    "supplier_template": SUPPLIER,
    "invoice_template": INVOICE,
}


class JaggaerConnection(BaseModel):
    instance_url: str = Field(description="the customer's instance URL, which serves the Keycloak token endpoint")
    api_base_url: str = Field(description="https://<env>-<region>.api.jaggaer.com")
    client_id: str
    client_secret: SecretStr
    realm: str = "J1p-integrations"
    # J1P paths for purchase orders are provisioned per tenant at onboarding: the default is only a default.
    purchase_order_path: str = "/j1p/api/public/po/v1/purchaseorders"
    # The document a purchase order becomes is provisioned per tenant too: a template file, None = packaged default.
    purchase_order_template: str | None = None
    # Where list answers hold their documents, as dotted members; the default is also tried when this differs.
    purchase_order_list_path: str = Field(default=DEFAULT_LIST_PATH, pattern=_MEMBERS)
    # Which returnCodes mean "no such document" is undocumented; 40 is what public clients have seen.
    not_found_codes: list[int] = Field(default=[40], min_length=1)
    # Whether J1P offers operationCode CREATEUPDATE for purchase orders is unverified; without it the
    # connector looks the PO number up before it creates.
    po_upsert_supported: bool = False
    # Company profiles (suppliers): the documented J1P path; CREATEUPDATE upserts by extCode.
    supplier_path: str = Field(default="/j1p/api/public/ja/v1/companyprofiles", pattern=_PATH)
    supplier_list_path: str = Field(default="returnCompanyData", pattern=_MEMBERS)
    supplier_template: str | None = None
    # Invoices: the documented list/read and OCR import paths; the cancel path is a guess (no public one is
    # known): `{invoiceId}` names the invoice.
    invoice_path: str = Field(default="/j1p/api/public/ji/v1/invoices", pattern=_PATH)
    invoice_list_path: str = Field(default="jiinvoiceList.jiinvoice", pattern=_MEMBERS)
    invoice_import_path: str = Field(default="/j1p/api/public/ji/v1/invoices/ocr", pattern=_PATH)
    invoice_cancel_path: str = Field(
        default="/j1p/api/public/ji/v1/invoices/{invoiceId}/cancel", pattern=r"^(/[A-Za-z0-9._~-]+|/\{invoiceId\})+$"
    )
    invoice_template: str | None = None
    # Custom-field values (GL accounts, cost centers): provisioned per tenant, no public path.
    custom_field_value_path: str = Field(default="/j1p/api/public/cf/v1/customfieldvalues", pattern=_PATH)
    custom_field_value_list_path: str = Field(default="customFieldValueList.customFieldValue", pattern=_MEMBERS)
    # The custom fields accounting goes to: named in documents' customFieldValueSets and holding the values.
    cost_center_field: str = Field(default=DEFAULT_TEMPLATE_SETTINGS["cost_center_field"], min_length=1)
    gl_account_field: str = Field(default=DEFAULT_TEMPLATE_SETTINGS["gl_account_field"], min_length=1)
    # The fields NetSuite's other classifications go to (its departments go to cost_center_field).
    class_field: str = Field(default="Class", min_length=1)
    location_field: str = Field(default="Location", min_length=1)
    subsidiary_field: str = Field(default="Subsidiary", min_length=1)
    # Receipts and PO acknowledgments: J1P paths provisioned per tenant (no public path): these are our defaults.
    receipt_path: str = Field(default="/j1p/api/public/rc/v1/receipts", pattern=_PATH)
    receipt_list_path: str = Field(default="receiptList.receipt", pattern=_MEMBERS)
    acknowledgment_path: str = Field(default="/j1p/api/public/po/v1/acknowledgments", pattern=_PATH)
    acknowledgment_list_path: str = Field(default="acknowledgmentList.acknowledgment", pattern=_MEMBERS)
    # The id each collection's documents carry (and `flt` names), the key a window is paged by.
    receipt_id_field: str = Field(default="receiptId", pattern=_FIELD)
    acknowledgment_id_field: str = Field(default="acknowledgmentId", pattern=_FIELD)
    invoice_id_field: str = Field(default="invoiceId", pattern=_FIELD)
    # [unverified] the FIQL asking for documents modified in [lo, hi) ({lo}, {hi}: ISO-8601 UTC, ms, Z). None:
    # the tenant has no modified-time filter, so a window is a full read kept to [lo, hi) by each document's
    # own modified time (the ledger drops what it has seen).
    modified_filter: str | None = "lastUpdate>={lo};lastUpdate<{hi}"
    # The FIQL asking for documents after the last id read ({field}: the id field, {after}: its value): every
    # page is then asked from start=1, so a document edited during the read (it leaves the window) never shifts
    # what is left to read. None pages by offset, which skips a document for every one edited mid-read.
    keyset_filter: str | None = "{field}=gt={after}"
    # Where read documents hold their modified time, as dotted members.
    modified_time_field: str = Field(default="lastUpdate", pattern=_MEMBERS)
    # The business unit of a read invoice that names none.
    default_business_unit: str | None = Field(default=None, min_length=1)
    # What each JAGGAER acknowledgment status means; any other status quarantines the acknowledgment.
    acknowledgment_statuses: dict[str, Literal["accept", "reject"]] = Field(
        default={"Accepted": "accept", "Rejected": "reject"}, min_length=1
    )
    page_size: int = Field(default=100, ge=1, le=200)
    # PO numbers looked up in one list request (`flt=poNumber=in=(…)`) before a batch of writes; FIQL `=in=`
    # is seen on J1P lists, but not verified for every tenant's PO path: 1 looks each number up alone (`==`).
    lookup_batch_size: int = Field(default=50, ge=1, le=200)
    timeout_seconds: float = Field(default=60.0, gt=0)
    token_refresh_margin_seconds: int = Field(default=60, ge=0)
    max_concurrent_requests: int = Field(default=4, ge=1)
    # JAGGAER publishes no rate limits; set one if the tenant throttles.
    write_rate_per_second: float | None = Field(default=None, gt=0)
    retry: RetryPolicy = RetryPolicy()

    @field_validator("not_found_codes", mode="before")
    @classmethod
    def _codes_from_text(cls, value: Any) -> Any:
        # Profiles keep settings as text: "40", "40,41" and "[40, 41]" all name a list of codes.
        if isinstance(value, str):
            parts = [part.strip() for part in value.strip().strip("[]").split(",")]
            return [part for part in parts if part]
        return value

    @field_validator("acknowledgment_statuses", mode="before")
    @classmethod
    def _statuses_from_text(cls, value: Any) -> Any:
        # Profiles keep settings as text: a JSON object, or "Accepted=accept,Rejected=reject".
        if not isinstance(value, str):
            return value
        if value.strip().startswith("{"):
            return json.loads(value)
        pairs = [part.partition("=") for part in value.split(",") if part.strip()]
        return {status.strip(): meaning.strip() for status, _, meaning in pairs}

    @field_validator(*_FILTER_TEMPLATES, mode="before")
    @classmethod
    def _filter_template(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("", "none"):
            return None  # as profiles spell "no such filter"
        if not isinstance(value, str):
            return value
        required, allowed = _FILTER_TEMPLATES[str(info.field_name)]
        try:
            named = {name for _, name, _, _ in Formatter().parse(value) if name is not None}
        except ValueError as error:
            raise ValueError(f"not a template: {error}") from None
        if not required <= named or not named <= allowed:
            wanted = ", ".join(f"{{{name}}}" for name in sorted(required))
            raise ValueError(f"must name {wanted} and no other placeholder than {sorted(allowed)}")
        return value

    @field_validator(*_TEMPLATES)
    @classmethod
    def _absolute_template_path(cls, value: str | None) -> str | None:
        return None if value is None else str(Path(value).expanduser().resolve())

    @model_validator(mode="after")
    def _templates_load(self) -> Self:
        # Checked here so a profile naming a broken template is refused when stored and when opened.
        for name, kind in _TEMPLATES.items():
            path = getattr(self, name)
            if path is not None:
                try:
                    load_template(kind, path, self.template_settings)
                except TemplateError as error:
                    # A model-level error has no field of its own: the message names the setting.
                    raise ValueError(f"{name}: {error}") from None
        return self

    @property
    def template_settings(self) -> dict[str, str]:
        """The settings templates may name with `$setting`."""
        return {"cost_center_field": self.cost_center_field, "gl_account_field": self.gl_account_field}

    @property
    def token_url(self) -> str:
        return f"{self.instance_url.rstrip('/')}/auth/realms/{self.realm}/protocol/openid-connect/token"
