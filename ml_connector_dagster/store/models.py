"""Rows as the rest of the connector sees them: frozen pydantic models with timezone-aware datetimes."""

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class AuditStatus(StrEnum):
    POSTED = "posted"
    SKIPPED = "skipped"
    QUARANTINED = "quarantined"
    FAILED = "failed"
    # Held back waiting on a dependency (an unmapped account, a supplier not yet in the target).
    PENDING = "pending"


class MappingAction(StrEnum):
    """What one GL-mapping history row records."""

    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"
    RULE_SET = "rule set"
    RULE_CLEARED = "rule cleared"


class RecordRef(_Row):
    """One record's place in the ledger: the same source key is tracked separately per target."""

    source_system: str
    target_system: str
    entity: str
    source_key: str


class StagedRecord(_Row):
    source_system: str
    entity: str
    source_key: str
    natural_key: str
    version: AwareDatetime
    payload_hash: str
    payload: str = Field(description="canonical JSON text of the record")
    pulled_run_id: str


class SeenVersion(_Row):
    source_key: str
    natural_key: str
    version: AwareDatetime
    payload_hash: str


class LedgerEntry(_Row):
    ref: RecordRef
    natural_key: str | None
    seen_version: AwareDatetime | None
    seen_hash: str | None
    written_version: AwareDatetime | None
    written_hash: str | None
    target_id: str | None
    intent_version: AwareDatetime | None
    intent_hash: str | None
    intent_run_id: str | None
    intent_at: AwareDatetime | None
    last_run_id: str | None
    updated_at: AwareDatetime
    target_state: str | None = None

    @property
    def has_open_intent(self) -> bool:
        """A write was announced but its outcome never recorded: the target must be checked first."""
        return self.intent_at is not None


class Intent(_Row):
    """A write about to be made: committed before the call, so a crash mid-call leaves a trace."""

    ref: RecordRef
    natural_key: str
    version: AwareDatetime
    payload_hash: str


class Written(_Row):
    """A write the target confirmed."""

    ref: RecordRef
    version: AwareDatetime
    payload_hash: str
    target_id: str
    # "active"/"inactive" for records other flows depend on (a cost center must be active in the target).
    target_state: str | None = None


class AuditEntry(_Row):
    run_id: str
    system: str
    entity: str
    record_key: str
    source_version: AwareDatetime | None
    payload_hash: str | None
    status: AuditStatus
    reason: str | None = None


class AuditRow(AuditEntry):
    id: int
    recorded_at: AwareDatetime


class QuarantineEntry(_Row):
    source_system: str
    entity: str
    record_key: str
    source_version: AwareDatetime | None
    reason: str
    raw_payload: str
    run_id: str


class QuarantineRow(QuarantineEntry):
    first_seen_at: AwareDatetime
    last_seen_at: AwareDatetime
    resolved_at: AwareDatetime | None
    resolved_run_id: str | None = None


_REDACTED = "**********"


class StoredCredentials(_Row):
    """Decrypted credentials; `repr` and `str` show which secrets exist, never their values."""

    system: str
    profile: str
    settings: dict[str, str] = Field(description="non-secret settings: URLs, client id, …")
    secrets: dict[str, str]

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, ({key: _REDACTED for key in self.secrets} if name == "secrets" else value)


class CachedToken(_Row):
    access_token: str
    expires_at: AwareDatetime

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, (_REDACTED if name == "access_token" else value)
