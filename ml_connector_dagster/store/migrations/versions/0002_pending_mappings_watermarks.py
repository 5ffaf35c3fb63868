"""Pending queue, GL mappings with history, watermarks; ledger target state; audit status `pending`.

Revision ID: 0002
Revises: 0001
Create Date: 2025-02-01 00:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain SQLAlchemy types, not the store's UTCDateTime: a migration must keep meaning the same thing
# after the application code moves on.
_UTC = sa.DateTime(timezone=True)
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OLD_STATUSES = "status IN ('posted', 'skipped', 'quarantined', 'failed')"
_NEW_STATUSES = "status IN ('posted', 'skipped', 'quarantined', 'failed', 'pending')"
_LEDGER_KEY = ["source_system", "target_system", "entity", "source_key"]


def _audit_statuses(condition: str) -> None:
    # SQLite cannot alter a constraint in place: batch mode copies the table (rows and indexes) into a new one.
    with op.batch_alter_table("audit_trail") as batch:
        batch.drop_constraint("ck_audit_trail_status", type_="check")
        batch.create_check_constraint("ck_audit_trail_status", condition)


def upgrade() -> None:
    _audit_statuses(_NEW_STATUSES)
    op.add_column("ledger", sa.Column("target_state", sa.String(), nullable=True))
    op.create_index("ix_ledger_natural_key", "ledger", ["source_system", "target_system", "entity", "natural_key"])
    op.create_table(
        "pending",
        sa.Column("source_system", sa.String(), nullable=False),
        sa.Column("target_system", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("source_key", sa.String(), nullable=False),
        sa.Column("natural_key", sa.String(), nullable=False),
        sa.Column("version", _UTC, nullable=False),
        sa.Column("payload_hash", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("waits_on", sa.Text(), nullable=False),
        sa.Column("first_run_id", sa.String(), nullable=False),
        sa.Column("since", _UTC, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", _UTC, nullable=False),
        sa.Column("last_run_id", sa.String(), nullable=False),
        sa.Column("last_tried_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint(*_LEDGER_KEY, name="pk_pending"),
    )
    op.create_index("ix_pending_next_try_at", "pending", ["source_system", "target_system", "entity", "next_try_at"])
    op.create_table(
        "pending_waits",
        sa.Column("source_system", sa.String(), nullable=False),
        sa.Column("target_system", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("source_key", sa.String(), nullable=False),
        sa.Column("token", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint(*_LEDGER_KEY, "token", name="pk_pending_waits"),
        sa.ForeignKeyConstraint(
            _LEDGER_KEY,
            [f"pending.{name}" for name in _LEDGER_KEY],
            name="fk_pending_waits_pending",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_pending_waits_token", "pending_waits", ["token"])
    op.create_table(
        "gl_mapping_rows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("combination", sa.String(), nullable=True),
        sa.Column("code_combination_id", sa.BigInteger(), nullable=True),
        sa.Column("cost_center", sa.String(), nullable=False),
        sa.Column("gl_account", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_gl_mapping_rows"),
        sa.UniqueConstraint("combination", name="uq_gl_mapping_rows_combination"),
        sa.UniqueConstraint("code_combination_id", name="uq_gl_mapping_rows_code_combination_id"),
        sa.CheckConstraint("(combination IS NULL) <> (code_combination_id IS NULL)", name="ck_gl_mapping_rows_one_key"),
    )
    op.create_table(
        "gl_mapping_rule",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("delimiter", sa.String(), nullable=False),
        sa.Column("cost_center_segment", sa.Integer(), nullable=False),
        sa.Column("gl_account", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gl_mapping_rule"),
        sa.CheckConstraint("id = 1", name="ck_gl_mapping_rule_single"),
    )
    op.create_table(
        "gl_mapping_changes",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("changed_at", _UTC, nullable=False),
        sa.Column("changed_by", sa.String(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gl_mapping_changes"),
        sa.CheckConstraint(
            "action IN ('added', 'changed', 'removed', 'rule set', 'rule cleared')",
            name="ck_gl_mapping_changes_action",
        ),
    )
    op.create_table(
        "watermarks",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_watermarks"),
    )


def downgrade() -> None:
    for table in ("watermarks", "gl_mapping_changes", "gl_mapping_rule", "gl_mapping_rows", "pending_waits", "pending"):
        op.drop_table(table)
    op.drop_index("ix_ledger_natural_key", table_name="ledger")
    with op.batch_alter_table("ledger") as batch:
        batch.drop_column("target_state")
    # Rows the old constraint does not allow cannot be kept; the audit trail of held records goes with them.
    op.execute("DELETE FROM audit_trail WHERE status = 'pending'")
    _audit_statuses(_OLD_STATUSES)
