"""GL mapping imports are all or nothing, report every bad line, round-trip through export, and leave history;
each ERP's rows, rule and history are its own, and the mapping applied reads the source ERP's."""

import json
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, ValidationError

from ml_connector_dagster.records import ChargeAccount, MappedAccount
from ml_connector_dagster.store import (
    ImportSummary,
    Intent,
    MappingAction,
    MappingImportError,
    MappingRow,
    MappingRule,
    RecordRef,
    Store,
    Written,
)
from ml_connector_dagster.store.gl_mappings import UnknownERPError
from ml_connector_dagster.sync.accounts import AccountResolver, Placement
from ml_connector_dagster.sync.dependencies import DependencyCheck, Needs, Ready, SupplierRef, Waiting

HEADER = "combination,code_combination_id,cost_center,gl_account,note\n"
FIRST = (
    HEADER
    + "101.95.60510.120.000.000,,95,60510,travel\n"
    + "101.10.60510.120.000.000,,10,60510,\n"
    + ',30001,20,"70100","note, with a comma"\n'
)


def _import(store: Store, text: str, replace: bool = False) -> ImportSummary:
    return store.gl_mappings.import_csv(text, changed_by="alice", source="import of mappings.csv", replace=replace)


def _errors(store: Store, text: str) -> list[str]:
    with pytest.raises(MappingImportError) as raised:
        _import(store, text)
    return raised.value.errors


def test_import_adds_rows_and_export_round_trips_with_no_changes(store: Store) -> None:
    assert _import(store, FIRST) == ImportSummary(added=3, changed=0, removed=0, unchanged=0)

    assert store.gl_mappings.rows() == [
        MappingRow(combination="101.10.60510.120.000.000", cost_center="10", gl_account="60510"),
        MappingRow(combination="101.95.60510.120.000.000", cost_center="95", gl_account="60510", note="travel"),
        MappingRow(code_combination_id=30001, cost_center="20", gl_account="70100", note="note, with a comma"),
    ]
    exported = store.gl_mappings.export_csv()
    assert exported.splitlines()[0] == HEADER.strip()
    assert exported.splitlines()[3] == ',30001,20,70100,"note, with a comma"'

    assert _import(store, exported, replace=True) == ImportSummary(added=0, changed=0, removed=0, unchanged=3)
    assert store.gl_mappings.export_csv() == exported
    assert len(store.gl_mappings.history()) == 3


def test_import_updates_and_replace_removes_each_with_a_history_row(store: Store) -> None:
    _import(store, FIRST)
    update = HEADER + "101.95.60510.120.000.000,,96,60510,travel\n" + ",30002,20,70200,\n"

    assert _import(store, update) == ImportSummary(added=1, changed=1, removed=0, unchanged=0)
    assert len(store.gl_mappings.rows()) == 4
    assert _import(store, update, replace=True) == ImportSummary(added=0, changed=0, removed=2, unchanged=2)

    assert [row.subject for row in store.gl_mappings.rows()] == ["101.95.60510.120.000.000", "code combination 30002"]
    history = store.gl_mappings.history()
    assert [(change.action, change.subject) for change in history] == [
        (MappingAction.REMOVED, "code combination 30001"),
        (MappingAction.REMOVED, "101.10.60510.120.000.000"),
        (MappingAction.CHANGED, "101.95.60510.120.000.000"),
        (MappingAction.ADDED, "code combination 30002"),
        (MappingAction.ADDED, "code combination 30001"),
        (MappingAction.ADDED, "101.10.60510.120.000.000"),
        (MappingAction.ADDED, "101.95.60510.120.000.000"),
    ]
    changed = history[2]
    assert json.loads(changed.before or "")["cost_center"] == "95"
    assert json.loads(changed.after or "")["cost_center"] == "96"
    assert (changed.changed_by, changed.source) == ("alice", "import of mappings.csv")
    assert changed.changed_at.tzinfo is not None
    assert history[0].after is None and history[-1].before is None
    assert [change.subject for change in store.gl_mappings.history(limit=2)] == [history[0].subject, history[1].subject]


def test_a_bad_file_reports_every_bad_line_and_imports_nothing(store: Store) -> None:
    _import(store, FIRST)
    text = (
        HEADER
        + "101.20.1.1.1.1,,20,61000,\n"  # line 2: fine
        + "101.21.1.1.1.1,,,61000,\n"  # line 3: no cost center
        + "101.22.1.1.1.1,4,22,61000,\n"  # line 4: both keys
        + ",,23,61000,\n"  # line 5: neither key
        + ",12x,24,,\n"  # line 6: not an integer, and no GL account
        + "\n"  # line 7: blank, skipped
        + '"101.20.1.1.1.1",,20,"multi\nline",\n'  # lines 8-9: duplicate of line 2
        + "101.26.1.1.1.1,,26\n"  # line 10: too few fields
        + ",30001,20,70100,\n"  # line 11: fine, though already stored
        + ",30001,21,70100,\n"  # line 12: duplicate id of line 11
    )

    assert _errors(store, text) == [
        "line 3: cost_center: missing",
        "line 4: combination: give exactly one of combination and code_combination_id (both are set)",
        "line 5: combination: give exactly one of combination and code_combination_id (neither is set)",
        "line 6: gl_account: missing",
        "line 6: code_combination_id: '12x' is not a whole number",
        "line 8: combination: 101.20.1.1.1.1 is already mapped on line 2",
        "line 10: row: has 3 fields, the header has 5",
        "line 12: code_combination_id: code combination 30001 is already mapped on line 11",
    ]
    assert len(store.gl_mappings.rows()) == 3
    assert len(store.gl_mappings.history()) == 3


def test_header_problems_are_reported_on_line_1(store: Store) -> None:
    assert _errors(store, "") == [
        "line 1: header: missing; expected the columns combination, code_combination_id, cost_center, gl_account, note"
    ]
    assert _errors(store, "account,cost_center,cost_center\n1,2,3\n") == [
        "line 1: account: unknown column; expected some of combination, code_combination_id, cost_center, "
        "gl_account, note",
        "line 1: cost_center: column appears more than once",
        "line 1: gl_account: missing column",
        "line 1: combination: missing column; give combination or code_combination_id or both",
    ]
    # Columns may come in any order and either key column alone; a spreadsheet's byte-order mark is ignored.
    assert _import(store, "\ufeffgl_account,cost_center,code_combination_id\r\n70100,20,30001\r\n").added == 1
    assert store.gl_mappings.rows() == [MappingRow(code_combination_id=30001, cost_center="20", gl_account="70100")]


def test_rule_set_changed_and_cleared_with_history(store: Store) -> None:
    assert store.gl_mappings.rule() is None
    rule = MappingRule(cost_center_segment=2, gl_account="segment:3")
    store.gl_mappings.set_rule(rule, changed_by="bob", source="cli")
    store.gl_mappings.set_rule(rule, changed_by="bob", source="cli")
    assert store.gl_mappings.rule() == rule

    combination_rule = MappingRule(delimiter="-", cost_center_segment=1, gl_account="combination")
    store.gl_mappings.set_rule(combination_rule, changed_by="carol", source="cli")
    assert store.gl_mappings.rule() == combination_rule
    store.gl_mappings.set_rule(None, changed_by="dave", source="cli")
    store.gl_mappings.set_rule(None, changed_by="dave", source="cli")
    assert store.gl_mappings.rule() is None

    history = store.gl_mappings.history()
    assert [(c.action, c.subject, c.changed_by) for c in history] == [
        (MappingAction.RULE_CLEARED, "rule", "dave"),
        (MappingAction.RULE_SET, "rule", "carol"),
        (MappingAction.RULE_SET, "rule", "bob"),
    ]
    assert MappingRule.model_validate_json(history[0].before or "") == combination_rule
    assert MappingRule.model_validate_json(history[1].before or "") == rule
    assert history[2].before is None and history[0].after is None


@pytest.mark.parametrize(
    "fields",
    [
        {"cost_center_segment": 0, "gl_account": "combination"},
        {"cost_center_segment": 1, "gl_account": "segment:0"},
        {"cost_center_segment": 1, "gl_account": "account"},
        {"cost_center_segment": 1, "gl_account": "combination", "delimiter": ""},
    ],
)
def test_invalid_rules_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        MappingRule.model_validate(fields)


# NetSuite's charge accounts: subsidiary.department.class.location.account. The second row names a combination
# Fusion's mapping also holds, to show the two never meet.
NETSUITE = HEADER + "1.20.3.4.6100,,20,6100,\n" + "101.95.60510.120.000.000,,7,9999,\n"
FUSION_RULE = MappingRule(cost_center_segment=2, gl_account="combination")
NETSUITE_RULE = MappingRule(cost_center_segment=2, gl_account="segment:5")


def _import_netsuite(store: Store, text: str, replace: bool = False) -> ImportSummary:
    return store.gl_mappings.import_csv(text, "carol", "import of netsuite.csv", replace=replace, erp="netsuite")


def test_each_erp_sees_only_its_own_rows_rule_and_history(store: Store) -> None:
    mappings = store.gl_mappings
    _import(store, FIRST)
    mappings.set_rule(FUSION_RULE, changed_by="bob", source="cli")
    fusion_rows, fusion_export = mappings.rows(), mappings.export_csv()
    assert (mappings.rows(erp="netsuite"), mappings.rule(erp="netsuite")) == ([], None)
    assert mappings.history(erp="netsuite") == []
    assert mappings.export_csv(erp="netsuite") == HEADER

    assert _import_netsuite(store, NETSUITE) == ImportSummary(added=2, changed=0, removed=0, unchanged=0)
    mappings.set_rule(NETSUITE_RULE, changed_by="carol", source="cli", erp="netsuite")
    # Replacing NetSuite's rows removes only NetSuite's, even the one whose combination Fusion also maps.
    only_first = HEADER + "1.20.3.4.6100,,20,6100,\n"
    assert _import_netsuite(store, only_first, replace=True) == ImportSummary(
        added=0, changed=0, removed=1, unchanged=1
    )

    assert mappings.rows(erp="netsuite") == [
        MappingRow(combination="1.20.3.4.6100", cost_center="20", gl_account="6100")
    ]
    assert mappings.export_csv(erp="netsuite") == only_first
    assert (mappings.rows(), mappings.export_csv()) == (fusion_rows, fusion_export)
    assert (mappings.rule(), mappings.rule(erp="netsuite")) == (FUSION_RULE, NETSUITE_RULE)
    mappings.set_rule(None, changed_by="carol", source="cli", erp="netsuite")
    assert (mappings.rule(), mappings.rule(erp="netsuite")) == (FUSION_RULE, None)

    fusion_history = mappings.history()
    assert [(c.erp, c.action) for c in fusion_history] == [
        ("fusion", MappingAction.RULE_SET),
        *[("fusion", MappingAction.ADDED)] * 3,
    ]
    assert [(c.erp, c.action, c.subject) for c in mappings.history(erp="netsuite")] == [
        ("netsuite", MappingAction.RULE_CLEARED, "rule"),
        ("netsuite", MappingAction.REMOVED, "101.95.60510.120.000.000"),
        ("netsuite", MappingAction.RULE_SET, "rule"),
        ("netsuite", MappingAction.ADDED, "101.95.60510.120.000.000"),
        ("netsuite", MappingAction.ADDED, "1.20.3.4.6100"),
    ]


def test_an_unknown_erp_is_refused_naming_the_known_ones(store: Store) -> None:
    mappings = store.gl_mappings
    calls = [
        lambda: mappings.rows(erp="sap"),
        lambda: mappings.rule(erp="sap"),
        lambda: mappings.export_csv(erp="sap"),
        lambda: mappings.history(erp="sap"),
        lambda: mappings.import_csv(FIRST, "alice", "import", erp="sap"),
        lambda: mappings.set_rule(FUSION_RULE, "alice", "cli", erp="sap"),
    ]
    for call in calls:
        with pytest.raises(UnknownERPError, match="GL mappings: unknown ERP 'sap'; expected one of fusion, netsuite"):
            call()
    assert mappings.rows() == [] and mappings.history() == []


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _in_jaggaer(store: Store, source: str, entity: str, key: str, natural_key: str, state: str | None) -> None:
    ref = RecordRef(source_system=source, target_system="jaggaer", entity=entity, source_key=key)
    store.ledger.record_intents([Intent(ref=ref, natural_key=natural_key, version=NOW, payload_hash="h")], "r")
    written = Written(ref=ref, version=NOW, payload_hash="h", target_id=f"J-{key}", target_state=state)
    store.ledger.record_outcomes("r", written=[written])


class Bill(BaseModel):
    """A stand-in for a NetSuite vendor bill: its vendor's internal id and the accounts its lines charge."""

    vendor: str
    accounts: list[str]
    mapped: list[MappedAccount] = []
    vendor_number: str = ""


def _bill_ready(bill: Bill, mapped: Mapping[ChargeAccount, MappedAccount], number: str) -> Bill:
    return bill.model_copy(update={"mapped": list(mapped.values()), "vendor_number": number})


BILL_NEEDS = Needs(
    lambda bill: SupplierRef("id", bill.vendor),
    lambda bill: [ChargeAccount(None, account) for account in bill.accounts],
    _bill_ready,
    supplier_entity="netsuite_vendors",
    cost_center_entity="netsuite_departments",
    gl_entity="netsuite_accounts",
)


def test_the_mapping_applied_reads_the_source_erps_rows_rule_and_ledger_entities(store: Store) -> None:
    _in_jaggaer(store, "fusion", "cost_centers", "c20", "20", "active")
    _in_jaggaer(store, "fusion", "gl_accounts", "g1", "1.20.3.4.6100", "active")
    _in_jaggaer(store, "netsuite", "netsuite_departments", "5", "20", "active")
    _in_jaggaer(store, "netsuite", "netsuite_accounts", "61", "6100", "active")
    _in_jaggaer(store, "netsuite", "netsuite_vendors", "V1", "VN-1", None)
    # Fusion's supplier ledger holds V2: NetSuite's bills must not find it there.
    _in_jaggaer(store, "fusion", "suppliers", "V2", "SUP-2", None)
    store.gl_mappings.set_rule(FUSION_RULE, "bob", "cli")
    store.gl_mappings.set_rule(NETSUITE_RULE, "carol", "cli", erp="netsuite")
    _import_netsuite(store, HEADER + "1.77.3.4.9999,,20,6100,\n")
    by_rule, by_row = ChargeAccount(None, "1.20.3.4.6100"), ChargeAccount(None, "1.77.3.4.9999")

    netsuite = AccountResolver.load(
        store, "netsuite", "jaggaer", cost_center_entity="netsuite_departments", gl_entity="netsuite_accounts"
    )
    fusion = AccountResolver.load(store, "fusion", "jaggaer")

    mapped = MappedAccount(cost_center="20", gl_account="6100")
    assert (netsuite.resolve(by_rule).placement, netsuite.resolve(by_rule).mapped) == (Placement.RULE, mapped)
    assert (netsuite.resolve(by_row).placement, netsuite.resolve(by_row).mapped) == (Placement.ROW, mapped)
    # Fusion's rule keeps the whole combination as GL value, and NetSuite's row is not Fusion's.
    assert fusion.resolve(by_rule).mapped == MappedAccount(cost_center="20", gl_account="1.20.3.4.6100")
    assert fusion.resolve(by_row).placement is Placement.UNMAPPED

    check = DependencyCheck(BILL_NEEDS, Bill, store, "netsuite", "jaggaer")
    ready, waiting = check.decide(
        [Bill(vendor="V1", accounts=["1.20.3.4.6100"]), Bill(vendor="V2", accounts=["1.9.3.4.6100"])]
    )

    assert isinstance(ready, Ready) and ready.record == Bill(
        vendor="V1", accounts=["1.20.3.4.6100"], mapped=[mapped], vendor_number="VN-1"
    )
    assert isinstance(waiting, Waiting)
    assert waiting.waits_on == ("supplier-id:V2", "account:1.9.3.4.6100")
    assert "supplier V2 is not in jaggaer yet" in waiting.reason
    assert "no GL mapping for 1.9.3.4.6100 (the rule gives cost center '9', not active in JAGGAER)" in waiting.reason
