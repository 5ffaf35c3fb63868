"""How to reach one NetSuite account: its id (host and realm follow from it), the login method and its
credentials, the account's time zone, paging and concurrency."""

from typing import Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jwt.algorithms import get_default_algorithms
from jwt.exceptions import InvalidKeyError
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from ml_connector_dagster.http.retry import RetryPolicy

SYSTEM = "netsuite"
TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
# The access token lives 60 minutes: `expires_in` is always 3600 [doc].
ACCESS_TOKEN_SECONDS = 3600

SigningAlgorithm = Literal["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
_KEY_KINDS: dict[SigningAlgorithm, str] = {
    "PS256": "an RSA private key",
    "PS384": "an RSA private key",
    "PS512": "an RSA private key",
    "ES256": "an EC private key on curve P-256",
    "ES384": "an EC private key on curve P-384",
    "ES512": "an EC private key on curve P-521",
}
DeletedKind = Literal["vendor", "purchaseorder", "vendorbill"]
_M2M_SETTINGS = ("client_id", "certificate_id", "private_key")
_TBA_SETTINGS = ("consumer_key", "consumer_secret", "token_id", "token_secret")


def canonical_account_id(value: str) -> str:
    """`1234567_SB1`, as the TBA realm spells it; `1234567-sb1` (the host's spelling) is accepted too."""
    return value.strip().upper().replace("-", "_")


class NetSuiteConnection(BaseModel):
    account_id: str = Field(pattern=r"^[A-Z0-9]+(_[A-Z0-9]+)?$", description="1234567, or 1234567_SB1 for a sandbox")
    base_url: str = Field(description="https://<account host>.suitetalk.api.netsuite.com, derived from account_id")
    auth: Literal["m2m", "tba"] = "m2m"
    # OAuth 2.0 client credentials (machine to machine): the integration's client id, and the certificate id
    # NetSuite gave the key in the M2M mapping.
    client_id: str | None = None
    certificate_id: str | None = None
    private_key: SecretStr | None = Field(default=None, description="PEM, unencrypted")
    algorithm: SigningAlgorithm = "PS256"
    scope: str = Field(default="rest_webservices", min_length=1, description="comma-separated: restlets, …")
    assertion_lifetime_seconds: int = Field(default=300, ge=1, le=3600)
    # The token lives ACCESS_TOKEN_SECONDS; a new one is minted this long after the last, before it runs out.
    token_renew_after_seconds: int = Field(default=3300, ge=1, lt=ACCESS_TOKEN_SECONDS)
    # Token-based authentication (OAuth 1.0a), for accounts that have not moved to M2M.
    consumer_key: str | None = None
    consumer_secret: SecretStr | None = None
    token_id: str | None = None
    token_secret: SecretStr | None = None
    # SuiteQL reads and writes datetimes in the account's time zone, not UTC.
    account_timezone: str = Field(default="America/Los_Angeles", description="IANA name, as set in the account")
    page_size: int = Field(default=1000, ge=1, le=1000)
    # The limit is on requests in flight per account, shared with every other integration of the account.
    max_concurrent_requests: int = Field(default=2, ge=1, le=64)
    in_list_size: int = Field(default=500, ge=1, le=500)
    # Transactions name their currency by internal id; the ISO code of each id the account uses. The defaults are
    # the ids a new account's base currencies get [unverified per account]: `ping netsuite` lists ids not covered.
    currency_codes: dict[int, str] = {1: "USD", 2: "GBP", 3: "CAD", 4: "EUR"}
    # The JAGGAER business unit of every document; None: the name of the transaction's subsidiary.
    business_unit: str | None = Field(default=None, min_length=1)
    # The transactionline column holding an order line's expense account [unverified]: checked by `ping netsuite`.
    order_line_account_column: str = Field(default="expenseaccount", pattern=r"^[a-z_][a-z0-9_]*$")
    # What deletedrecord.type says for each record the connector reads [unverified]: checked by `ping netsuite`.
    deleted_record_types: dict[DeletedKind, str] = {
        "vendor": "vendor",
        "purchaseorder": "purchaseorder",
        "vendorbill": "vendorbill",
    }
    timeout_seconds: float = Field(default=120.0, gt=0)
    retry: RetryPolicy = RetryPolicy()

    @model_validator(mode="before")
    @classmethod
    def _derive_base_url(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("base_url") and isinstance(data.get("account_id"), str):
            host_id = canonical_account_id(data["account_id"]).lower().replace("_", "-")
            return {**data, "base_url": f"https://{host_id}.suitetalk.api.netsuite.com"}
        return data

    @field_validator("account_id", mode="before")
    @classmethod
    def _account_id_as_realm(cls, value: Any) -> Any:
        return canonical_account_id(value) if isinstance(value, str) else value

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("algorithm", mode="before")
    @classmethod
    def _not_rsa_pkcs1(cls, value: Any) -> Any:
        if isinstance(value, str) and value.upper().startswith("RS"):
            raise ValueError(
                f"{value} is refused by NetSuite's token endpoint: sign with PS256 (the same RSA key works) "
                "or an ES algorithm"
            )
        return value.upper() if isinstance(value, str) else value

    @field_validator("currency_codes")
    @classmethod
    def _iso_codes(cls, value: dict[int, str]) -> dict[int, str]:
        bad = [code for code in value.values() if not (len(code) == 3 and code.isascii() and code.isupper())]
        if bad:
            raise ValueError(f"currency_codes maps ids to ISO 4217 codes such as USD, not {bad}")
        return value

    @field_validator("account_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone name such as America/Los_Angeles") from None
        return value

    @model_validator(mode="after")
    def _auth_complete(self) -> Self:
        wanted, other = (_M2M_SETTINGS, _TBA_SETTINGS) if self.auth == "m2m" else (_TBA_SETTINGS, _M2M_SETTINGS)
        missing = [name for name in wanted if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{self.auth.upper()} login to NetSuite needs {', '.join(missing)}")
        if any(getattr(self, name) is not None for name in other):
            raise ValueError("choose one login: M2M (client_id, certificate_id, private_key) or TBA tokens, not both")
        if self.private_key is not None:
            try:
                get_default_algorithms()[self.algorithm].prepare_key(self.private_key.get_secret_value())
            except (InvalidKeyError, ValueError, TypeError):
                raise ValueError(
                    f"private_key does not fit algorithm {self.algorithm}: it needs {_KEY_KINDS[self.algorithm]} "
                    "in PEM form, unencrypted"
                ) from None
        return self

    @property
    def host_id(self) -> str:
        """The account id as the host spells it: `1234567-sb1`."""
        return self.account_id.lower().replace("_", "-")

    @property
    def realm(self) -> str:
        """The account id as the TBA realm spells it: `1234567_SB1`."""
        return self.account_id

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.account_timezone)
