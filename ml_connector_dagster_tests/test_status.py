"""`ml-connector status`: per entity the last window synced and what waits or failed; per system the token."""

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest
from click.testing import CliRunner

from ml_connector_dagster.cli.runs import run_flows
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.cli.status import status
from ml_connector_dagster.flows import FLOWS, flow_named
from ml_connector_dagster.store import Store
from ml_connector_dagster_tests.conftest import hours_ago

START, END = hours_ago(4), hours_ago(2)


@pytest.fixture
def home_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dg.DagsterInstance]:
    """The instance of $DAGSTER_HOME, which `status` opens as every command does."""
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        yield instance


def test_status_counts_what_waits_and_what_was_quarantined(
    store: Store, sims: LocalSimulators, home_instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(10, START, END, malformed=2)
    sims.fusion.seed_invoices(8, START, END, unmapped=3)
    flows = (flow_named("purchase_orders"), flow_named("invoices"))
    assert run_flows(home_instance, START, END, flows).success

    result = CliRunner().invoke(status, ["--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    rows = {row["entity"]: row for row in found["entities"]}
    assert list(rows) == [flow.entity for flow in FLOWS]
    orders, invoices = rows["purchase_orders"], rows["invoices"]
    last = (END - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    assert orders["last_window_synced"] == invoices["last_window_synced"] == last
    assert (orders["quarantined"], orders["pending"], orders["failed_last_run"]) == (2, 0, 0)
    assert (invoices["pending"], invoices["quarantined"], invoices["failed_last_run"]) == (3, 0, 0)
    assert invoices["oldest_waiting"] is not None and orders["oldest_waiting"] is None
    assert rows["receipts"]["last_window_synced"] is None, "never synced"
    tokens = {row["system"]: row for row in found["tokens"]}
    assert tokens["jaggaer"]["token_expires"] is not None and tokens["jaggaer"]["expired"] is False
    assert tokens["netsuite"]["token_expires"] is None

    table = CliRunner().invoke(status, [])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split()[:4] == ["entity", "direction", "last_window_synced", "pending"]
    [invoice_line] = [line for line in lines if line.strip().startswith("invoices ")]
    assert last in invoice_line and " 3 " in invoice_line
    [receipts_line] = [line for line in lines if line.strip().startswith("receipts")]
    assert "never" in receipts_line
    assert any(line.strip().startswith("netsuite") and "no token" in line for line in lines)
    assert all(token["profile"] is None or token["profile"] == "default" for token in found["tokens"])
