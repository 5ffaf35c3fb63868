"""Initial store: staging, ledger, audit trail, quarantine, credential vault and token cache.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain SQLAlchemy types, not the store's UTCDateTime: a migration must keep meaning the same thing
# after the application code moves on.
_UTC = sa.DateTime(timezone=True)
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "staged_records",
        sa.Column("source_system", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("source_key", sa.String(), nullable=False),
        sa.Column("version", _UTC, nullable=False),
        sa.Column("natural_key", sa.String(), nullable=False),
        sa.Column("payload_hash", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("pulled_run_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("source_system", "entity", "version", "source_key", name="pk_staged_records"),
    )
    op.create_table(
        "ledger",
        sa.Column("source_system", sa.String(), nullable=False),
        sa.Column("target_system", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("source_key", sa.String(), nullable=False),
        sa.Column("natural_key", sa.String(), nullable=True),
        sa.Column("seen_version", _UTC, nullable=True),
        sa.Column("seen_hash", sa.String(), nullable=True),
        sa.Column("written_version", _UTC, nullable=True),
        sa.Column("written_hash", sa.String(), nullable=True),
        sa.Column("target_id", sa.String(), nullable=True),
        sa.Column("intent_version", _UTC, nullable=True),
        sa.Column("intent_hash", sa.String(), nullable=True),
        sa.Column("intent_run_id", sa.String(), nullable=True),
        sa.Column("intent_at", _UTC, nullable=True),
        sa.Column("last_run_id", sa.String(), nullable=True),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("source_system", "target_system", "entity", "source_key", name="pk_ledger"),
    )
    op.create_table(
        "audit_trail",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("record_key", sa.String(), nullable=False),
        sa.Column("source_version", _UTC, nullable=True),
        sa.Column("payload_hash", sa.String(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_at", _UTC, nullable=False),
        sa.CheckConstraint("status IN ('posted', 'skipped', 'quarantined', 'failed')", name="ck_audit_trail_status"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_trail"),
    )
    op.create_index("ix_audit_trail_run_id", "audit_trail", ["run_id"])
    op.create_index("ix_audit_trail_record", "audit_trail", ["system", "entity", "record_key"])
    op.create_index("ix_audit_trail_recorded_at", "audit_trail", ["recorded_at"])
    op.create_table(
        "quarantine",
        sa.Column("source_system", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("record_key", sa.String(), nullable=False),
        sa.Column("source_version", _UTC, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw_payload", sa.Text(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("first_seen_at", _UTC, nullable=False),
        sa.Column("last_seen_at", _UTC, nullable=False),
        sa.Column("resolved_at", _UTC, nullable=True),
        sa.Column("resolved_run_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("source_system", "entity", "record_key", name="pk_quarantine"),
    )
    op.create_table(
        "credentials",
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("profile", sa.String(), nullable=False),
        sa.Column("settings_json", sa.Text(), nullable=False),
        sa.Column("secrets_encrypted", sa.Text(), nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("system", "profile", name="pk_credentials"),
    )
    op.create_table(
        "token_cache",
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("profile", sa.String(), nullable=False),
        sa.Column("token_encrypted", sa.Text(), nullable=False),
        sa.Column("expires_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("system", "profile", name="pk_token_cache"),
    )


def downgrade() -> None:
    for table in ("token_cache", "credentials", "quarantine", "audit_trail", "ledger", "staged_records"):
        op.drop_table(table)
