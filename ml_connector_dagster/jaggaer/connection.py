"""How to reach one JAGGAER tenant: the Keycloak instance, the J1P API host, the provisioned paths."""

from pydantic import BaseModel, Field, SecretStr

from ml_connector_dagster.http.retry import RetryPolicy


class JaggaerConnection(BaseModel):
    instance_url: str = Field(description="the customer's instance URL, which serves the Keycloak token endpoint")
    api_base_url: str = Field(description="https://<env>-<region>.api.jaggaer.com")
    client_id: str
    client_secret: SecretStr
    realm: str = "J1p-integrations"
    # J1P paths for purchase orders are provisioned per tenant at onboarding: the default is only a default.
    purchase_order_path: str = "/j1p/api/public/po/v1/purchaseorders"
    # Whether J1P offers operationCode CREATEUPDATE for purchase orders is unverified; without it the
    # connector looks the PO number up before it creates.
    po_upsert_supported: bool = False
    page_size: int = Field(default=100, ge=1, le=200)
    timeout_seconds: float = Field(default=60.0, gt=0)
    token_refresh_margin_seconds: int = Field(default=60, ge=0)
    retry: RetryPolicy = RetryPolicy()

    @property
    def token_url(self) -> str:
        return f"{self.instance_url.rstrip('/')}/auth/realms/{self.realm}/protocol/openid-connect/token"
