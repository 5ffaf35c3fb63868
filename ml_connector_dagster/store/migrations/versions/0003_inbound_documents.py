"""Inbound documents: what JAGGAER pushed through Document Export, queued for the flow that polls.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain SQLAlchemy types, not the store's UTCDateTime: a migration must keep meaning the same thing
# after the application code moves on.
_UTC = sa.DateTime(timezone=True)
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbound_documents",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("document_type", sa.String(), nullable=False),
        sa.Column("document_number", sa.String(), nullable=False),
        sa.Column("sent_at", sa.String(), nullable=True),
        sa.Column("received_at", _UTC, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_hash", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("taken_at", _UTC, nullable=True),
        sa.Column("done_at", _UTC, nullable=True),
        sa.Column("done_run_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_documents"),
        sa.UniqueConstraint("message_id", name="uq_inbound_documents_message_id"),
        sa.UniqueConstraint("document_type", "document_number", "payload_hash", name="uq_inbound_documents_document"),
        sa.CheckConstraint("status IN ('queued', 'taken', 'done')", name="ck_inbound_documents_status"),
    )
    op.create_index("ix_inbound_documents_status", "inbound_documents", ["status", "id"])


def downgrade() -> None:
    op.drop_table("inbound_documents")
