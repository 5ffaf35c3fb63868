"""What the Document Export receiver checks deliveries against, and its limits."""

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ml_connector_dagster.store import StoredCredentials

# The vault system the Identity and SharedSecret JAGGAER sends are kept under.
SYSTEM = "jaggaer_export"
CREDENTIALS_COMMAND = "ml-connector credentials set jaggaer-export --identity … --shared-secret …"


class ExportCredentials(BaseModel):
    """The Identity and SharedSecret configured in JAGGAER for Document Export to this endpoint."""

    identity: str = Field(min_length=1)
    shared_secret: SecretStr = Field(min_length=1)

    @classmethod
    def from_stored(cls, stored: StoredCredentials) -> "ExportCredentials":
        return cls.model_validate({**stored.settings, **stored.secrets})


class ReceiverSettings(BaseSettings):
    """Read from ML_CONNECTOR_RECEIVER_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="ML_CONNECTOR_RECEIVER_", extra="ignore")

    path: str = Field(default="/jaggaer/document-export", pattern=r"^/[A-Za-z0-9._~/-]*$")
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    # Where each document type carries its number (the element's local name, first found outside the Header).
    # Only the invoice export's InvoiceNumber is documented; other export types are configured per tenant.
    document_number_elements: dict[str, str] = Field(
        default={"BuyerInvoiceExportMessage": "InvoiceNumber"}, min_length=1
    )
    # The flow each document type is a change of: a delivery triggers that flow's poll of the window it arrived
    # in, so a push and the poll write through the same ledger and never twice.
    document_flows: dict[str, str] = Field(default={"BuyerInvoiceExportMessage": "payables_invoices"}, min_length=1)
