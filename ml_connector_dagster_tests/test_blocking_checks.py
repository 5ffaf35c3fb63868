"""The blocking checks in the all-flows run: evaluated after the reference data and suppliers post and before the
transactions post; waiting records warn and the post goes on, a broken mapping stops the post."""

from datetime import timedelta

import dagster as dg
import pytest
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluation

from ml_connector_dagster.cli.runs import SyncRunResult, run_flows
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.defs.flows.assets import post_key
from ml_connector_dagster.defs.health.freshness import FRESHNESS_CHECK
from ml_connector_dagster.flows import direction_named, flow_named
from ml_connector_dagster.fusion.simulator.reference import CHARGE_ACCOUNTS, UNMAPPED_COST_CENTER
from ml_connector_dagster.store import Store
from ml_connector_dagster_tests.cli_fixtures import ConnectorCli
from ml_connector_dagster_tests.conftest import hours_ago

START, END = hours_ago(4), hours_ago(2)
INVOICE_COUNT = 8
UNMAPPED = 3
OUTBOUND = direction_named("fusion_to_jaggaer").flows
CHECKS = {
    ("purchase_orders", "gl_mapping"),
    ("purchase_orders", "suppliers_in_jaggaer"),
    ("invoices", "gl_mapping"),
    ("invoices", "suppliers_in_jaggaer"),
}


def _step(entity: str) -> str:
    return "__".join(post_key(flow_named(entity)).path)


def _evaluations(instance: dg.DagsterInstance, run_id: str) -> dict[tuple[str, str], AssetCheckEvaluation]:
    """The blocking checks' evaluations (each post's freshness check runs in the same run, after it)."""
    found = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.get_dagster_event().event_specific_data
        assert isinstance(evaluation, AssetCheckEvaluation)
        if evaluation.check_name != FRESHNESS_CHECK:
            found[(evaluation.asset_key.path[-1], evaluation.check_name)] = evaluation
    return found


def _positions(instance: dg.DagsterInstance, run_id: str) -> dict[tuple[str, str], int]:
    """(event type, step key or check) → position of its last such event in the run's log."""
    positions = {}
    for position, entry in enumerate(instance.all_logs(run_id)):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            assert isinstance(evaluation, AssetCheckEvaluation)
            positions[("check", f"{evaluation.asset_key.path[-1]}:{evaluation.check_name}")] = position
        elif event.step_key is not None:
            positions[(event.event_type_value, event.step_key)] = position
    return positions


def _run_all(instance: dg.DagsterInstance) -> SyncRunResult:
    """Every Fusion → JAGGAER flow, as the fusion_to_jaggaer job runs them."""
    return run_flows(instance, START, END, OUTBOUND)


def test_the_checks_pass_between_the_reference_posts_and_the_transaction_posts(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(5, START, END)
    sims.fusion.seed_invoices(INVOICE_COUNT, START, END)

    result = _run_all(instance)

    assert result.success, result.failure
    evaluations = _evaluations(instance, result.run_id)
    assert set(evaluations) == CHECKS
    assert all(evaluation.passed for evaluation in evaluations.values())
    records = {key: evaluation.metadata["records"].value for key, evaluation in evaluations.items()}
    assert records[("invoices", "gl_mapping")] == INVOICE_COUNT
    assert records[("purchase_orders", "suppliers_in_jaggaer")] == 5
    positions = _positions(instance, result.run_id)
    started = dg.DagsterEventType.STEP_START.value
    succeeded = dg.DagsterEventType.STEP_SUCCESS.value
    for entity, check in CHECKS:
        at = positions[("check", f"{entity}:{check}")]
        for reference in ("cost_centers", "gl_accounts", "suppliers"):
            assert positions[(succeeded, _step(reference))] < at, (reference, entity, check)
        assert at < positions[(started, _step(entity))], (entity, check)
    assert (result.by_entity["purchase_orders"].posted, result.by_entity["invoices"].posted) == (5, INVOICE_COUNT)


def test_unmapped_accounts_warn_and_the_mapped_invoices_still_post(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_invoices(INVOICE_COUNT, START, END, unmapped=UNMAPPED)

    result = _run_all(instance)

    assert result.success, result.failure
    evaluation = _evaluations(instance, result.run_id)[("invoices", "gl_mapping")]
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    accounts = {e.waits_on[0].removeprefix("account:") for e in store.pending.list(entity="invoices")}
    assert all(f".{UNMAPPED_COST_CENTER}." in account for account in accounts)
    assert evaluation.metadata["unmapped_accounts"].value == len(accounts)
    table = str(evaluation.metadata["unmapped"].value)
    for account in accounts:
        [row] = [line for line in table.splitlines() if account in line]
        assert row.strip("| ").split("|")[-1].strip().isdigit(), row
    assert evaluation.description and "pending queue" in evaluation.description
    invoices = result.by_entity["invoices"]
    assert (invoices.posted, invoices.pending, invoices.failed) == (INVOICE_COUNT - UNMAPPED, UNMAPPED, 0)
    assert sims.jaggaer.collection_stats()["invoices"].stored == INVOICE_COUNT - UNMAPPED


def test_a_mapping_row_naming_an_unknown_cost_center_stops_the_post(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_invoices(INVOICE_COUNT, START, END)
    # Every account invoices charge, mapped by an explicit row to cost center 77, which JAGGAER does not hold.
    rows = "".join(
        f"{account},,77,{account},moved to 77\n" for accounts in CHARGE_ACCOUNTS.values() for account, _ in accounts
    )
    store.gl_mappings.import_csv("combination,code_combination_id,cost_center,gl_account,note\n" + rows, "t", "t")

    result = _run_all(instance)

    evaluation = _evaluations(instance, result.run_id)[("invoices", "gl_mapping")]
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert evaluation.metadata["broken_mappings"].value >= 1
    assert "cost center '77'" in str(evaluation.metadata["broken"].value)
    # The post step never started: nothing written, nothing held.
    positions = _positions(instance, result.run_id)
    assert (dg.DagsterEventType.STEP_START.value, _step("invoices")) not in positions
    assert (dg.DagsterEventType.STEP_SUCCESS.value, _step("purchase_orders")) in positions
    assert sims.jaggaer.collection_stats()["invoices"].writes == 0
    assert store.pending.list() == []
    assert result.by_entity["invoices"].posted == 0
    # What a person reads: which check stopped the post and why, not an internal exception class.
    assert not result.success and result.failure is not None
    assert "gl_mapping" in result.failure
    assert "mapping row" in result.failure, result.failure
    assert "dagster._core" not in result.failure, result.failure


def test_waiting_records_block_the_post_when_configured(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_CONNECTOR_WAITING_BLOCKS_POST", "true")
    sims.fusion.seed_invoices(INVOICE_COUNT, START, END, unmapped=UNMAPPED)

    result = _run_all(instance)

    evaluation = _evaluations(instance, result.run_id)[("invoices", "gl_mapping")]
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    positions = _positions(instance, result.run_id)
    assert (dg.DagsterEventType.STEP_START.value, _step("invoices")) not in positions
    assert sims.jaggaer.collection_stats()["invoices"].writes == 0
    assert not result.success and result.failure and "gl_mapping" in result.failure


def test_mappings_check_lists_the_unmapped_accounts_and_exits_3(cli: ConnectorCli, sims: LocalSimulators) -> None:
    cli.point_at(sims)
    cli.post_reference_data(sims)
    # Staged records are what the check reads: inside the last two days, and outside them.
    recent, old = hours_ago(3), hours_ago(24 * 3)
    sims.fusion.seed_invoices(INVOICE_COUNT, recent, recent + timedelta(hours=1), unmapped=UNMAPPED)
    sims.fusion.seed_invoices(4, old, old + timedelta(hours=1), unmapped=2, seed=11)
    for start in (recent, old):
        window = ("--start", start.isoformat(), "--end", (start + timedelta(hours=1)).isoformat())
        cli.ok("sync", "invoices", *window, in_process=True)

    checked = cli.invoke("mappings", "check", "--days", "2")

    assert checked.code == 3, checked.describe()
    assert "Traceback" not in checked.output
    listed = [line.split() for line in checked.stdout.splitlines() if line.strip().startswith("unmapped ")]
    accounts = {words[1] for words in listed}
    assert accounts and all(f".{UNMAPPED_COST_CENTER}." in account for account in accounts)
    assert sum(int(words[2].strip("(")) for words in listed) == UNMAPPED
    assert f"invoices: {INVOICE_COUNT} record(s)" in checked.stdout
    assert "purchase_orders: 0 record(s)" in checked.stdout
