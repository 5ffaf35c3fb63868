"""One change notification as the SuiteScript sends it, and the inbound-queue row it becomes."""

import hashlib
import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from ml_connector_dagster.store import InboundDocument

# What queued NetSuite notifications' document types and message ids start with, apart from JAGGAER's documents.
DOCUMENT_TYPE_PREFIX = "netsuite:"


class PushRefused(Exception):
    """A notification answered with a 4xx: `reason` goes to the sender and the log, never a secret."""

    def __init__(self, status_code: int, reason: str, notification_id: str = "") -> None:
        super().__init__(reason)
        self.status_code = status_code
        self.reason = reason
        self.notification_id = notification_id


class ChangeNotification(BaseModel):
    """`{"id", "recordType", "recordId", "eventType", "accountId"}`; other keys are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore", coerce_numbers_to_str=True)

    id: str = Field(min_length=1, max_length=200, description="unique per notification, chosen by the sender")
    record_type: str = Field(alias="recordType", min_length=1, max_length=100, description='e.g. "vendorbill"')
    record_id: str = Field(alias="recordId", min_length=1, max_length=100, description="the record's internal id")
    event_type: str = Field(alias="eventType", min_length=1, max_length=50, description="create, edit, xedit, …")
    account_id: str = Field(alias="accountId", min_length=1, max_length=100)

    @field_validator("id", "record_type", "record_id", "event_type", "account_id", mode="after")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("record_type", mode="after")
    @classmethod
    def _lower_case(cls, value: str) -> str:
        return value.lower()

    @property
    def message_id(self) -> str:
        return f"{DOCUMENT_TYPE_PREFIX}{self.id}"

    @property
    def document_type(self) -> str:
        return f"{DOCUMENT_TYPE_PREFIX}{self.record_type}"


def parse_notification(body: bytes) -> ChangeNotification:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PushRefused(400, f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PushRefused(400, f"the body must be a JSON object, not {type(data).__name__}")
    notification_id = data.get("id") if isinstance(data.get("id"), str) else ""
    try:
        return ChangeNotification.model_validate(data)
    except ValidationError as exc:
        raise PushRefused(400, "; ".join(_problem(error) for error in exc.errors()), notification_id) from None


def inbound_document(notification: ChangeNotification, body: bytes, sent_at: datetime) -> InboundDocument:
    """Queued as received: the body hash covers the id, so two changes of one record are two rows."""
    return InboundDocument(
        message_id=notification.message_id,
        document_type=notification.document_type,
        document_number=notification.record_id,
        sent_at=sent_at.isoformat(),
        payload=body.decode("utf-8"),
        payload_hash=hashlib.sha256(body).hexdigest(),
    )


def _problem(error: ErrorDetails) -> str:
    """`recordType: Field required`: the field as the sender spells it."""
    location = ".".join(str(part) for part in error["loc"])
    return f"{location}: {error['msg']}" if location else str(error["msg"])
