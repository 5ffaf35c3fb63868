"""GL mappings: which JAGGAER cost center and GL account each ERP charge account becomes, with a history of who
changed what. Every ERP has rows and a rule of its own; each method reads or changes one ERP's only."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from ml_connector_dagster.store.database import upsert_insert, write_transaction
from ml_connector_dagster.store.gl_mapping_csv import MappingImportError, export_csv, parse_csv
from ml_connector_dagster.store.gl_mapping_models import (
    ERPS,
    ImportSummary,
    MappingChange,
    MappingRow,
    MappingRule,
    UnknownERPError,
    check_erp,
)
from ml_connector_dagster.store.models import MappingAction
from ml_connector_dagster.store.tables import gl_mapping_changes, gl_mapping_rows, gl_mapping_rule

__all__ = [
    "ERPS",
    "GLMappings",
    "ImportSummary",
    "MappingChange",
    "MappingImportError",
    "MappingRow",
    "MappingRule",
    "UnknownERPError",
]

_RULE_SUBJECT = "rule"
# What a row maps to, as opposed to the key that names it.
_VALUES = ("cost_center", "gl_account", "note")
_Key = tuple[str | None, int | None]


def _key(row: MappingRow) -> _Key:
    return (row.combination, row.code_combination_id)


class GLMappings:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def rows(self, *, erp: str = "fusion") -> list[MappingRow]:
        """Every row of the ERP: those named by combination first, in combination order, then by code
        combination id."""
        check_erp(erp)
        with self._engine.connect() as connection:
            return [row for _, row in self._stored(connection, erp).values()]

    def rule(self, *, erp: str = "fusion") -> MappingRule | None:
        check_erp(erp)
        with self._engine.connect() as connection:
            return self._rule(connection, erp)

    def import_csv(
        self, text: str, changed_by: str, source: str, replace: bool = False, *, erp: str = "fusion"
    ) -> ImportSummary:
        """Add and update the file's rows in the ERP's mapping, and with `replace` remove the ERP's rows the file
        does not name.

        All or nothing: a file with any bad line raises MappingImportError and changes nothing. Every
        difference is kept in the history, in the same transaction.
        """
        check_erp(erp)
        incoming = {_key(row): row for row in parse_csv(text)}
        now = datetime.now(UTC)
        with write_transaction(self._engine) as connection:
            stored = self._stored(connection, erp)
            current = {key: row for key, (_, row) in stored.items()}
            added = [row for key, row in incoming.items() if key not in current]
            changed = [row for key, row in incoming.items() if key in current and current[key] != row]
            removed = [row for key, row in current.items() if key not in incoming] if replace else []
            if added:
                connection.execute(insert(gl_mapping_rows), [{"erp": erp, **row.model_dump()} for row in added])
            if changed:
                statement = (
                    update(gl_mapping_rows)
                    .where(gl_mapping_rows.c.id == bindparam("row_id"))
                    .values({name: bindparam(name) for name in _VALUES})
                )
                connection.execute(
                    statement,
                    [{"row_id": stored[_key(row)][0], **row.model_dump(include=set(_VALUES))} for row in changed],
                )
            if removed:
                connection.execute(
                    delete(gl_mapping_rows).where(gl_mapping_rows.c.id == bindparam("row_id")),
                    [{"row_id": stored[_key(row)][0]} for row in removed],
                )
            history = [
                *(self._change(MappingAction.ADDED, row.subject, None, row) for row in added),
                *(self._change(MappingAction.CHANGED, row.subject, current[_key(row)], row) for row in changed),
                *(self._change(MappingAction.REMOVED, row.subject, row, None) for row in removed),
            ]
            self._record(connection, erp, history, changed_by, source, now)
        return ImportSummary(
            added=len(added),
            changed=len(changed),
            removed=len(removed),
            unchanged=len(incoming) - len(added) - len(changed),
        )

    def export_csv(self, *, erp: str = "fusion") -> str:
        """Every row of the ERP as CSV, in the columns import_csv reads: importing it back changes nothing."""
        return export_csv(self.rows(erp=erp))

    def set_rule(self, rule: MappingRule | None, changed_by: str, source: str, *, erp: str = "fusion") -> None:
        """Set or (with None) clear the ERP's fallback rule; setting the rule already in force records nothing."""
        check_erp(erp)
        now = datetime.now(UTC)
        with write_transaction(self._engine) as connection:
            before = self._rule(connection, erp)
            if rule == before:
                return
            if rule is None:
                connection.execute(delete(gl_mapping_rule).where(gl_mapping_rule.c.erp == erp))
                change = self._change(MappingAction.RULE_CLEARED, _RULE_SUBJECT, before, None)
            else:
                insert_rule = upsert_insert(connection, gl_mapping_rule)
                values = rule.model_dump()
                connection.execute(
                    insert_rule.on_conflict_do_update(index_elements=["erp"], set_=values),
                    {"erp": erp, **values},
                )
                change = self._change(MappingAction.RULE_SET, _RULE_SUBJECT, before, rule)
            self._record(connection, erp, [change], changed_by, source, now)

    def history(self, limit: int = 100, *, erp: str = "fusion") -> list[MappingChange]:
        """The ERP's latest changes, newest first."""
        check_erp(erp)
        table = gl_mapping_changes
        statement = select(table).where(table.c.erp == erp).order_by(table.c.id.desc()).limit(limit)
        with self._engine.connect() as connection:
            return [MappingChange.model_validate(row, from_attributes=True) for row in connection.execute(statement)]

    @staticmethod
    def _stored(connection: Connection, erp: str) -> dict[_Key, tuple[int, MappingRow]]:
        """Every row of the ERP with its database id, in export order."""
        table = gl_mapping_rows
        statement = (
            select(table)
            .where(table.c.erp == erp)
            .order_by(table.c.combination.is_(None), table.c.combination, table.c.code_combination_id)
        )
        stored = {}
        for record in connection.execute(statement):
            row = MappingRow.model_validate(record, from_attributes=True)
            stored[_key(row)] = (record.id, row)
        return stored

    @staticmethod
    def _rule(connection: Connection, erp: str) -> MappingRule | None:
        row = connection.execute(select(gl_mapping_rule).where(gl_mapping_rule.c.erp == erp)).one_or_none()
        return None if row is None else MappingRule.model_validate(row, from_attributes=True)

    @staticmethod
    def _change(
        action: MappingAction,
        subject: str,
        before: MappingRow | MappingRule | None,
        after: MappingRow | MappingRule | None,
    ) -> dict[str, Any]:
        return {
            "action": action.value,
            "subject": subject,
            "before": None if before is None else before.model_dump_json(),
            "after": None if after is None else after.model_dump_json(),
        }

    @staticmethod
    def _record(
        connection: Connection,
        erp: str,
        changes: Sequence[dict[str, Any]],
        changed_by: str,
        source: str,
        now: datetime,
    ) -> None:
        if changes:
            connection.execute(
                insert(gl_mapping_changes),
                [
                    {**change, "erp": erp, "changed_at": now, "changed_by": changed_by, "source": source}
                    for change in changes
                ],
            )
