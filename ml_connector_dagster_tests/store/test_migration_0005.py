"""Revision 0005 makes GL mappings per ERP: a store's existing rows, rule and history become Fusion's."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, bindparam, text
from sqlalchemy.exc import IntegrityError

from ml_connector_dagster.store import (
    MappingAction,
    MappingRow,
    MappingRule,
    Store,
    UTCDateTime,
    create_store_engine,
    migrate,
)
from ml_connector_dagster.store.database import VERSION_TABLE, alembic_config, write_transaction

NOW = datetime(2026, 6, 1, tzinfo=UTC)
RULE = MappingRule(cost_center_segment=2, gl_account="combination")
ROWS = [
    MappingRow(combination="101.10.5000", cost_center="10", gl_account="101.10.5000", note="kept"),
    MappingRow(code_combination_id=300100, cost_center="30", gl_account="101.30.7000"),
]


@pytest.fixture
def engine_at_0004(store_url: str) -> Iterator[Engine]:
    """A store at 0004 holding mapping rows, the single rule and a history row, written as 0004's schema has them
    (the application's tables already describe 0005)."""
    engine = create_store_engine(store_url)
    migrate(engine, "0004")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO gl_mapping_rows (combination, code_combination_id, cost_center, gl_account, note) "
                "VALUES (:combination, :code_combination_id, :cost_center, :gl_account, :note)"
            ),
            [row.model_dump() for row in ROWS],
        )
        connection.execute(
            text(
                "INSERT INTO gl_mapping_rule (id, delimiter, cost_center_segment, gl_account) "
                "VALUES (1, :delimiter, :cost_center_segment, :gl_account)"
            ),
            RULE.model_dump(),
        )
        connection.execute(
            text(
                "INSERT INTO gl_mapping_changes (changed_at, changed_by, action, subject, before, after, source) "
                "VALUES (:changed_at, 'alice', 'rule set', 'rule', NULL, :after, 'mappings rule')"
            ).bindparams(bindparam("changed_at", type_=UTCDateTime())),
            {"changed_at": NOW, "after": RULE.model_dump_json()},
        )
    try:
        yield engine
    finally:
        engine.dispose()


def _revision(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}")))


def _netsuite_mapping(store: Store) -> None:
    netsuite_rule = MappingRule(cost_center_segment=2, gl_account="segment:5")
    store.gl_mappings.set_rule(netsuite_rule, "carol", "cli", erp="netsuite")
    store.gl_mappings.import_csv(
        "combination,cost_center,gl_account\n101.10.5000,20,6100\n", "carol", "import", erp="netsuite"
    )


def test_0005_keeps_0004_rows_rule_and_history_as_fusion_and_opens_netsuite(engine_at_0004: Engine) -> None:
    engine = engine_at_0004

    migrate(engine)

    assert _revision(engine) == "0005"
    mappings = Store(engine).gl_mappings
    assert mappings.rows() == [ROWS[0], ROWS[1]]
    assert mappings.rule() == RULE
    [change] = mappings.history()
    assert (change.erp, change.action, change.changed_by, change.changed_at) == (
        "fusion",
        MappingAction.RULE_SET,
        "alice",
        NOW,
    )
    assert (mappings.rows(erp="netsuite"), mappings.rule(erp="netsuite"), mappings.history(erp="netsuite")) == (
        [],
        None,
        [],
    )
    # NetSuite may map the same combination; within one ERP it stays unique, and a row still names one key.
    _netsuite_mapping(Store(engine))
    assert [row.cost_center for row in mappings.rows(erp="netsuite")] == ["20"]
    assert mappings.rule() == RULE
    for values in ("'fusion', '101.10.5000', NULL", "'fusion', NULL, NULL"):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO gl_mapping_rows (erp, combination, code_combination_id, cost_center, gl_account) "
                    f"VALUES ({values}, '1', '1')"
                )
            )


def test_0005_downgrades_keeping_fusions_mapping_and_upgrades_again(engine_at_0004: Engine) -> None:
    engine = engine_at_0004
    migrate(engine)
    _netsuite_mapping(Store(engine))

    with write_transaction(engine) as connection:
        command.downgrade(alembic_config(connection), "0004")

    assert _revision(engine) == "0004"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT combination, cost_center FROM gl_mapping_rows ORDER BY id")).all() == [
            ("101.10.5000", "10"),
            (None, "30"),
        ]
        assert connection.execute(text("SELECT id, gl_account FROM gl_mapping_rule")).all() == [(1, "combination")]
        assert connection.scalar(text("SELECT count(*) FROM gl_mapping_changes")) == 1
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text("INSERT INTO gl_mapping_rule (id, delimiter, cost_center_segment, gl_account) VALUES (2, '.', 1, 'x')")
        )

    migrate(engine)
    assert _revision(engine) == "0005"
    mappings = Store(engine).gl_mappings
    assert (mappings.rows(), mappings.rule()) == (ROWS, RULE)
