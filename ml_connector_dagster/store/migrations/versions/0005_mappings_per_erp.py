"""GL mappings per ERP: rows, the rule and the history each name the ERP they belong to; existing ones are Fusion's.

Revision ID: 0005
Revises: 0004
Create Date: 2027-01-15 00:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Before this revision the store only ever mapped Fusion's charge accounts.
_FUSION = "fusion"
_TABLES = ("gl_mapping_rows", "gl_mapping_rule", "gl_mapping_changes")


def _erp_column() -> sa.Column[str]:
    return sa.Column("erp", sa.String(), nullable=False, server_default=_FUSION)


def upgrade() -> None:
    # SQLite cannot alter a constraint in place: batch mode copies each table (rows and indexes) into a new one.
    with op.batch_alter_table("gl_mapping_rows") as batch:
        batch.add_column(_erp_column())
        batch.drop_constraint("uq_gl_mapping_rows_combination", type_="unique")
        batch.drop_constraint("uq_gl_mapping_rows_code_combination_id", type_="unique")
        batch.create_unique_constraint("uq_gl_mapping_rows_erp_combination", ["erp", "combination"])
        batch.create_unique_constraint("uq_gl_mapping_rows_erp_code_combination_id", ["erp", "code_combination_id"])
    # The single rule (id 1) becomes Fusion's: one rule per ERP, keyed by the ERP.
    with op.batch_alter_table("gl_mapping_rule") as batch:
        batch.add_column(_erp_column())
        batch.drop_constraint("ck_gl_mapping_rule_single", type_="check")
        batch.drop_constraint("pk_gl_mapping_rule", type_="primary")
        batch.drop_column("id")
        batch.create_primary_key("pk_gl_mapping_rule", ["erp"])
    op.add_column("gl_mapping_changes", _erp_column())


def downgrade() -> None:
    # The old schema holds one ERP's mapping only: the other ERPs' rows, rule and history cannot be kept.
    for table in _TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE erp <> :erp").bindparams(erp=_FUSION))
    with op.batch_alter_table("gl_mapping_changes") as batch:
        batch.drop_column("erp")
    with op.batch_alter_table("gl_mapping_rule") as batch:
        batch.add_column(sa.Column("id", sa.Integer(), autoincrement=False, nullable=False, server_default="1"))
        batch.drop_constraint("pk_gl_mapping_rule", type_="primary")
        batch.drop_column("erp")
        batch.create_primary_key("pk_gl_mapping_rule", ["id"])
        batch.create_check_constraint("ck_gl_mapping_rule_single", "id = 1")
    # 0002 created the id column with no server default.
    with op.batch_alter_table("gl_mapping_rule") as batch:
        batch.alter_column("id", server_default=None)
    with op.batch_alter_table("gl_mapping_rows") as batch:
        batch.drop_constraint("uq_gl_mapping_rows_erp_combination", type_="unique")
        batch.drop_constraint("uq_gl_mapping_rows_erp_code_combination_id", type_="unique")
        batch.drop_column("erp")
        batch.create_unique_constraint("uq_gl_mapping_rows_combination", ["combination"])
        batch.create_unique_constraint("uq_gl_mapping_rows_code_combination_id", ["code_combination_id"])
