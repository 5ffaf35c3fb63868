"""How to reach one JAGGAER tenant: the Keycloak instance, the J1P API host, the provisioned paths and shapes."""

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, field_validator

from ml_connector_dagster.http.retry import RetryPolicy
from ml_connector_dagster.jaggaer.template_loader import load_purchase_order_template

SYSTEM = "jaggaer"
DEFAULT_LIST_PATH = "purchaseOrderList.purchaseOrder"


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
    purchase_order_list_path: str = Field(default=DEFAULT_LIST_PATH, pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
    # Which returnCodes mean "no such document" is undocumented; 40 is what public clients have seen.
    not_found_codes: list[int] = Field(default=[40], min_length=1)
    # Whether J1P offers operationCode CREATEUPDATE for purchase orders is unverified; without it the
    # connector looks the PO number up before it creates.
    po_upsert_supported: bool = False
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

    @field_validator("purchase_order_template")
    @classmethod
    def _template_loads(cls, value: str | None) -> str | None:
        # Checked here so a profile naming a broken template is refused when stored and when opened.
        if value is None:
            return None
        path = str(Path(value).expanduser().resolve())
        load_purchase_order_template(path)
        return path

    @property
    def token_url(self) -> str:
        return f"{self.instance_url.rstrip('/')}/auth/realms/{self.realm}/protocol/openid-connect/token"
