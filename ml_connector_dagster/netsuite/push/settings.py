"""What the NetSuite push receiver checks notifications against, its limits, and where each record type goes."""

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ml_connector_dagster.store import StoredCredentials

# The vault system the shared secret is kept under.
SYSTEM = "netsuite_push"
CREDENTIALS_COMMAND = "ml-connector credentials set netsuite-push --generate"
# Shorter secrets are guessable offline from one captured signature.
MIN_SECRET_LENGTH = 32


class PushCredentials(BaseModel):
    """The secret shared with the customer's SuiteScript deployment (kept there as an API secret)."""

    shared_secret: SecretStr

    @field_validator("shared_secret")
    @classmethod
    def _long_enough(cls, secret: SecretStr) -> SecretStr:
        length = len(secret.get_secret_value())
        if length < MIN_SECRET_LENGTH:
            raise ValueError(
                f"is {length} characters, at least {MIN_SECRET_LENGTH} are needed (`--generate` makes one)"
            )
        return secret

    @classmethod
    def from_stored(cls, stored: StoredCredentials) -> "PushCredentials":
        return cls.model_validate({**stored.settings, **stored.secrets})


class PushSettings(BaseSettings):
    """Read from ML_CONNECTOR_NETSUITE_PUSH_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="ML_CONNECTOR_NETSUITE_PUSH_", extra="ignore")

    path: str = Field(default="/netsuite/changes", pattern=r"^/[A-Za-z0-9._~/-]*$")
    max_body_bytes: int = Field(default=16384, ge=1)
    # How far X-ML-Timestamp may be from the receiver's clock, either way: the window a captured notification
    # could be replayed in, were its id not already taken.
    tolerance_seconds: int = Field(default=300, ge=1)
    # The flow each NetSuite record type (lower case, as SuiteScript's record.type names it) is a change of:
    # a notification requests that flow's poll of the window it arrived in.
    record_flows: dict[str, str] = Field(
        default={
            "vendor": "netsuite_vendors",
            "purchaseorder": "netsuite_purchase_orders",
            "vendorbill": "netsuite_vendor_bills",
        },
        min_length=1,
    )

    @field_validator("record_flows")
    @classmethod
    def _lower_case_types(cls, flows: dict[str, str]) -> dict[str, str]:
        return {record_type.strip().lower(): entity for record_type, entity in flows.items()}
