"""The connector's own store: staging, ledger, audit trail, quarantine, pending queue, inbound queue, GL mappings,
watermarks and the credential vault."""

from ml_connector_dagster.store.audit import AuditTrail
from ml_connector_dagster.store.database import (
    UnsupportedDatabaseError,
    create_store_engine,
    migrate,
)
from ml_connector_dagster.store.gl_mappings import (
    GLMappings,
    ImportSummary,
    MappingChange,
    MappingImportError,
    MappingRow,
    MappingRule,
)
from ml_connector_dagster.store.inbound import InboundDocument, InboundQueue, InboundRow, InboundStatus
from ml_connector_dagster.store.ledger import Ledger
from ml_connector_dagster.store.models import (
    AuditEntry,
    AuditRow,
    AuditStatus,
    CachedToken,
    Intent,
    LedgerEntry,
    MappingAction,
    QuarantineEntry,
    QuarantineRow,
    RecordRef,
    SeenVersion,
    StagedRecord,
    StoredCredentials,
    Written,
)
from ml_connector_dagster.store.pending import BackoffPolicy, Held, PendingEntry, PendingQueue
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
from ml_connector_dagster.store.watermarks import Watermarks

__all__ = [
    "MASTER_KEY_ENV",
    "AuditEntry",
    "AuditRow",
    "AuditStatus",
    "AuditTrail",
    "BackoffPolicy",
    "CachedToken",
    "CredentialVault",
    "GLMappings",
    "Held",
    "ImportSummary",
    "InboundDocument",
    "InboundQueue",
    "InboundRow",
    "InboundStatus",
    "Intent",
    "Ledger",
    "LedgerEntry",
    "MappingAction",
    "MappingChange",
    "MappingImportError",
    "MappingRow",
    "MappingRule",
    "MasterKeyError",
    "MasterKeys",
    "PendingEntry",
    "PendingQueue",
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
    "Watermarks",
    "Written",
    "create_store_engine",
    "generate_key",
    "migrate",
]
