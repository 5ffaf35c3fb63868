"""The store's tables, as SQLAlchemy Core.

Migrations own the schema: every change here needs a new revision in `migrations/versions`, and a test
compares this metadata with the migrated database so the two cannot drift apart.
"""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ml_connector_dagster.store.models import AuditStatus, MappingAction
from ml_connector_dagster.store.types import UTCDateTime

metadata = MetaData()

# SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY; PostgreSQL gets 64 bits
# because the audit trail only ever grows.
_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")

staged_records = Table(
    "staged_records",
    metadata,
    Column("source_system", String, nullable=False),
    Column("entity", String, nullable=False),
    Column("source_key", String, nullable=False),
    Column("version", UTCDateTime, nullable=False),
    Column("natural_key", String, nullable=False),
    Column("payload_hash", String, nullable=False),
    Column("payload", Text, nullable=False),
    Column("pulled_run_id", String, nullable=False),
    # Key order puts version before source_key so the same index serves dedupe and the
    # (version, source_key) keyset scan of a window.
    PrimaryKeyConstraint("source_system", "entity", "version", "source_key", name="pk_staged_records"),
)

ledger = Table(
    "ledger",
    metadata,
    Column("source_system", String, nullable=False),
    Column("target_system", String, nullable=False),
    Column("entity", String, nullable=False),
    Column("source_key", String, nullable=False),
    Column("natural_key", String),
    Column("seen_version", UTCDateTime),
    Column("seen_hash", String),
    Column("written_version", UTCDateTime),
    Column("written_hash", String),
    Column("target_id", String),
    Column("intent_version", UTCDateTime),
    Column("intent_hash", String),
    Column("intent_run_id", String),
    Column("intent_at", UTCDateTime),
    Column("last_run_id", String),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("target_state", String),
    PrimaryKeyConstraint("source_system", "target_system", "entity", "source_key", name="pk_ledger"),
    # Dependent flows look records up by natural key (the supplier number, the cost-center value).
    Index("ix_ledger_natural_key", "source_system", "target_system", "entity", "natural_key"),
)

audit_trail = Table(
    "audit_trail",
    metadata,
    Column("id", _BIG_ID, autoincrement=True),
    Column("run_id", String, nullable=False),
    Column("system", String, nullable=False),
    Column("entity", String, nullable=False),
    Column("record_key", String, nullable=False),
    Column("source_version", UTCDateTime),
    Column("payload_hash", String),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("recorded_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("id", name="pk_audit_trail"),
    CheckConstraint(
        "status IN (" + ", ".join(f"'{status.value}'" for status in AuditStatus) + ")",
        name="ck_audit_trail_status",
    ),
    Index("ix_audit_trail_run_id", "run_id"),
    Index("ix_audit_trail_record", "system", "entity", "record_key"),
    Index("ix_audit_trail_recorded_at", "recorded_at"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("source_system", String, nullable=False),
    Column("entity", String, nullable=False),
    Column("record_key", String, nullable=False),
    Column("source_version", UTCDateTime),
    Column("reason", Text, nullable=False),
    Column("raw_payload", Text, nullable=False),
    Column("run_id", String, nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("resolved_run_id", String),
    PrimaryKeyConstraint("source_system", "entity", "record_key", name="pk_quarantine"),
)

credentials = Table(
    "credentials",
    metadata,
    Column("system", String, nullable=False),
    Column("profile", String, nullable=False),
    Column("settings_json", Text, nullable=False),
    # A Fernet token is URL-safe base64 text, so a text column works unchanged on both backends.
    Column("secrets_encrypted", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("system", "profile", name="pk_credentials"),
)

token_cache = Table(
    "token_cache",
    metadata,
    Column("system", String, nullable=False),
    Column("profile", String, nullable=False),
    Column("token_encrypted", Text, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("system", "profile", name="pk_token_cache"),
)

pending = Table(
    "pending",
    metadata,
    Column("source_system", String, nullable=False),
    Column("target_system", String, nullable=False),
    Column("entity", String, nullable=False),
    Column("source_key", String, nullable=False),
    Column("natural_key", String, nullable=False),
    Column("version", UTCDateTime, nullable=False),
    Column("payload_hash", String, nullable=False),
    Column("reason", Text, nullable=False),
    # The tokens as a JSON list, in the caller's order, for reading back; `pending_waits` indexes them.
    Column("waits_on", Text, nullable=False),
    Column("first_run_id", String, nullable=False),
    Column("since", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_try_at", UTCDateTime, nullable=False),
    Column("last_run_id", String, nullable=False),
    Column("last_tried_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("source_system", "target_system", "entity", "source_key", name="pk_pending"),
    Index("ix_pending_next_try_at", "source_system", "target_system", "entity", "next_try_at"),
)

# One row per (held record, token), so "release everything waiting on account X" is an index lookup rather
# than a scan of every JSON list.
pending_waits = Table(
    "pending_waits",
    metadata,
    Column("source_system", String, nullable=False),
    Column("target_system", String, nullable=False),
    Column("entity", String, nullable=False),
    Column("source_key", String, nullable=False),
    Column("token", String, nullable=False),
    PrimaryKeyConstraint("source_system", "target_system", "entity", "source_key", "token", name="pk_pending_waits"),
    ForeignKeyConstraint(
        ["source_system", "target_system", "entity", "source_key"],
        ["pending.source_system", "pending.target_system", "pending.entity", "pending.source_key"],
        name="fk_pending_waits_pending",
        ondelete="CASCADE",
    ),
    Index("ix_pending_waits_token", "token"),
)

# GL mappings are per ERP: each has its own rows, rule and history. Stores from before NetSuite held Fusion's only.
_ERP = "fusion"

gl_mapping_rows = Table(
    "gl_mapping_rows",
    metadata,
    Column("id", Integer, autoincrement=True),
    Column("erp", String, nullable=False, server_default=_ERP),
    Column("combination", String),
    Column("code_combination_id", BigInteger),
    Column("cost_center", String, nullable=False),
    Column("gl_account", String, nullable=False),
    Column("note", Text),
    PrimaryKeyConstraint("id", name="pk_gl_mapping_rows"),
    UniqueConstraint("erp", "combination", name="uq_gl_mapping_rows_erp_combination"),
    UniqueConstraint("erp", "code_combination_id", name="uq_gl_mapping_rows_erp_code_combination_id"),
    CheckConstraint("(combination IS NULL) <> (code_combination_id IS NULL)", name="ck_gl_mapping_rows_one_key"),
)

gl_mapping_rule = Table(
    "gl_mapping_rule",
    metadata,
    # At most one rule per ERP.
    Column("erp", String, nullable=False, server_default=_ERP),
    Column("delimiter", String, nullable=False),
    Column("cost_center_segment", Integer, nullable=False),
    Column("gl_account", String, nullable=False),
    PrimaryKeyConstraint("erp", name="pk_gl_mapping_rule"),
)

gl_mapping_changes = Table(
    "gl_mapping_changes",
    metadata,
    Column("id", _BIG_ID, autoincrement=True),
    Column("erp", String, nullable=False, server_default=_ERP),
    Column("changed_at", UTCDateTime, nullable=False),
    Column("changed_by", String, nullable=False),
    Column("action", String(16), nullable=False),
    Column("subject", String, nullable=False),
    Column("before", Text),
    Column("after", Text),
    Column("source", String, nullable=False),
    PrimaryKeyConstraint("id", name="pk_gl_mapping_changes"),
    CheckConstraint(
        "action IN (" + ", ".join(f"'{action.value}'" for action in MappingAction) + ")",
        name="ck_gl_mapping_changes_action",
    ),
)

watermarks = Table(
    "watermarks",
    metadata,
    Column("name", String, nullable=False),
    Column("value", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("name", name="pk_watermarks"),
)

# Documents JAGGAER pushed (Document Export), queued for the same flow that polls, which takes and finishes them.
inbound_documents = Table(
    "inbound_documents",
    metadata,
    Column("id", _BIG_ID, autoincrement=True),
    Column("message_id", String, nullable=False),
    Column("document_type", String, nullable=False),
    Column("document_number", String, nullable=False),
    # The header Timestamp as sent: its form and zone are not documented, so it is kept as text.
    Column("sent_at", String),
    Column("received_at", UTCDateTime, nullable=False),
    Column("payload", Text, nullable=False),
    Column("payload_hash", String, nullable=False),
    Column("status", String(16), nullable=False),
    Column("taken_at", UTCDateTime),
    Column("done_at", UTCDateTime),
    Column("done_run_id", String),
    PrimaryKeyConstraint("id", name="pk_inbound_documents"),
    UniqueConstraint("message_id", name="uq_inbound_documents_message_id"),
    # A resend under a new MessageId is the same document; a changed document (a cancellation) is not.
    UniqueConstraint("document_type", "document_number", "payload_hash", name="uq_inbound_documents_document"),
    # The values of `inbound.InboundStatus`, which imports this module and so cannot be imported here.
    CheckConstraint("status IN ('queued', 'taken', 'done')", name="ck_inbound_documents_status"),
    Index("ix_inbound_documents_status", "status", "id"),
)

# Two-way reference data: per entity and key, the view both systems last held alike. A side whose view differs
# from it changed since; our own writes are recorded here as they are made, so they never read back as changes.
two_way_agreed = Table(
    "two_way_agreed",
    metadata,
    Column("entity", String, nullable=False),
    Column("natural_key", String, nullable=False),
    Column("view_hash", String, nullable=False),
    Column("view", Text, nullable=False),
    Column("agreed_at", UTCDateTime, nullable=False),
    Column("run_id", String, nullable=False),
    PrimaryKeyConstraint("entity", "natural_key", name="pk_two_way_agreed"),
)
