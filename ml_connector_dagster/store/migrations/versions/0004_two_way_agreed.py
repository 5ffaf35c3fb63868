"""Two-way reference data: the state both systems last agreed on, per entity and key.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 02:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "two_way_agreed",
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("natural_key", sa.String(), nullable=False),
        sa.Column("view_hash", sa.String(), nullable=False),
        sa.Column("view", sa.Text(), nullable=False),
        sa.Column("agreed_at", _UTC, nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "natural_key", name="pk_two_way_agreed"),
    )


def downgrade() -> None:
    op.drop_table("two_way_agreed")
