"""Progress of a sync as the CLI shows it: a live display with records/s on a terminal, plain lines elsewhere,
both fed by the engine as a real run over the simulators pulls and posts."""

import io

import dagster as dg

from ml_connector_dagster.cli.progress import console_progress
from ml_connector_dagster.cli.reconcile import reconciled
from ml_connector_dagster.cli.runs import run_flows
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.flows import flow_named
from ml_connector_dagster.store import Store
from ml_connector_dagster.sync.window import SyncWindow

from .conftest import ConnectorEnv, hours_ago


class _Terminal(io.StringIO):
    """What a terminal is to rich: a stream that says it is one."""

    def isatty(self) -> bool:
        return True


def test_without_a_terminal_a_sync_says_how_far_each_phase_has_come(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(1_200, hours_ago(4), hours_ago(3))
    shown = io.StringIO()
    with console_progress(shown, plain_every=0):
        result = run_flows(instance, hours_ago(4), hours_ago(3), (flow_named("purchase_orders"),))
    assert result.success, result.failure
    lines = shown.getvalue().splitlines()
    assert "progress: purchase_orders pull (from fusion): 1,200 records" in "\n".join(lines)
    posts = [line for line in lines if line.startswith("progress: purchase_orders post (to jaggaer): ")]
    assert posts and posts[-1].startswith("progress: purchase_orders post (to jaggaer): 1,200 records, ")
    assert all(line.endswith("/s") for line in lines)


def test_on_a_terminal_each_phase_is_a_live_line_with_records_per_second(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(600, hours_ago(6), hours_ago(5))
    terminal = _Terminal()
    with console_progress(terminal):
        assert run_flows(instance, hours_ago(6), hours_ago(5), (flow_named("purchase_orders"),)).success
    shown = terminal.getvalue()
    assert "purchase_orders pull (from fusion)" in shown and "purchase_orders post (to jaggaer)" in shown
    assert "600 records" in shown and "records/s" in shown


def test_a_reconciliation_says_how_many_records_it_has_compared(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance, connector_env: ConnectorEnv
) -> None:
    start, end = hours_ago(8), hours_ago(7)
    sims.fusion.seed_purchase_orders(1_200, start, end)
    assert run_flows(instance, start, end, (flow_named("purchase_orders"),)).success
    shown = io.StringIO()
    with console_progress(shown, plain_every=0):
        report = reconciled(flow_named("purchase_orders"), SyncWindow(start=start, end=end))
    assert report.clean and report.checked == 1_200
    lines = shown.getvalue().splitlines()
    assert lines[-1].startswith("progress: purchase_orders reconcile (from fusion): 1,200 records, ")
