"""The connector's own store: staging, ledger, audit trail, quarantine and the credential vault."""

from ml_connector_dagster.store.audit import AuditTrail
from ml_connector_dagster.store.database import (
    UnsupportedDatabaseError,
    create_store_engine,
    migrate,
)
from ml_connector_dagster.store.ledger import Ledger
from ml_connector_dagster.store.models import (
    AuditEntry,
    AuditRow,
    AuditStatus,
    CachedToken,
    Intent,
    LedgerEntry,
    QuarantineEntry,
    QuarantineRow,
    RecordRef,
    SeenVersion,
    StagedRecord,
    StoredCredentials,
    Written,
)
from ml_connector_dagster.store.quarantine import Quarantine
from ml_connector_dagster.store.staging import Staging
from ml_connector_dagster.store.store import Store
from ml_connector_dagster.store.types import UTCDateTime
from ml_connector_dagster.store.vault import (
    MASTER_KEY_ENV,
    CredentialVault,
    MasterKeyError,
    MasterKeys,
    generate_key,
)

__all__ = [
    "MASTER_KEY_ENV",
    "AuditEntry",
    "AuditRow",
    "AuditStatus",
    "AuditTrail",
    "CachedToken",
    "CredentialVault",
    "Intent",
    "Ledger",
    "LedgerEntry",
    "MasterKeyError",
    "MasterKeys",
    "Quarantine",
    "QuarantineEntry",
    "QuarantineRow",
    "RecordRef",
    "SeenVersion",
    "StagedRecord",
    "Staging",
    "Store",
    "StoredCredentials",
    "UTCDateTime",
    "UnsupportedDatabaseError",
    "Written",
    "create_store_engine",
    "generate_key",
    "migrate",
]
