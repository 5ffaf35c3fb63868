"""Reconciliation over the real simulators, store and Dagster instance: a purchase order deleted in JAGGAER by
hand and a ledger restored from an old backup are found, repaired through the normal post, and gone after."""

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import dagster as dg
import pytest
from click.testing import CliRunner, Result

from ml_connector_dagster.cli.errors import FriendlyGroup
from ml_connector_dagster.cli.reconcile import reconcile
from ml_connector_dagster.cli.runs import run_flows
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.definitions import defs
from ml_connector_dagster.defs.reconcile import reconciliation_asset
from ml_connector_dagster.flows import direction_named
from ml_connector_dagster.store import AuditStatus, Store

from .conftest import PURCHASE_ORDERS, ConnectorEnv, hours_ago, run_purchase_orders


@click.group(cls=FriendlyGroup)
def _cli() -> None:
    """The command as `ml-connector` mounts it, with its error handling."""


_cli.add_command(reconcile)


@pytest.fixture
def repairable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A Dagster home for the repair run."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))


def _reconcile(start: datetime, end: datetime, *options: str, entity: str = "purchase-orders") -> tuple[Result, dict]:
    args = ["reconcile", entity, "--start", start.isoformat(), "--end", end.isoformat(), "--json"]
    result = CliRunner().invoke(_cli, [*args, *options], catch_exceptions=False)
    return result, json.loads(result.stdout)


def _kinds(report: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in report["findings"]:
        found.setdefault(finding["kind"], []).append(finding["natural_key"])
    return found


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup, as `.backup` and `.restore` make and put back a backup of a live store."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def test_a_hand_deletion_and_an_old_ledger_are_found_and_repaired_without_duplicates(
    store: Store,
    sims: LocalSimulators,
    instance: dg.DagsterInstance,
    connector_env: ConnectorEnv,
    repairable: None,
    tmp_path: Path,
) -> None:
    start, middle, end = hours_ago(6), hours_ago(4), hours_ago(2)
    sims.fusion.seed_purchase_orders(10, start, middle, seed=11)
    sims.fusion.seed_purchase_orders(10, middle, end, seed=12)
    assert run_purchase_orders(instance, start, middle).counts.posted == 10
    live = Path(connector_env.store_url.removeprefix("sqlite:///"))
    backup = tmp_path / "backup.db"
    _sqlite_copy(live, backup)

    first_half = sims.jaggaer.purchase_orders()
    touched, deleted = first_half[0], first_half[1]
    sims.fusion.touch_purchase_order(int(touched["externalId"]), at=middle + timedelta(minutes=30))
    assert run_purchase_orders(instance, middle, end).counts.posted == 11
    clean, report = _reconcile(start, end)
    assert clean.exit_code == 0, clean.stdout
    assert report["before"]["findings"] == [] and report["before"]["checked"] == 20

    # A user deletes an order in JAGGAER; later the store is restored from the backup made after the first half.
    assert sims.jaggaer.delete_purchase_order(deleted["poNumber"]) == 1
    _sqlite_copy(backup, live)

    found, report = _reconcile(start, end)
    assert found.exit_code == 3, found.stdout
    kinds = _kinds(report["before"])
    assert kinds["missing_in_target"] == [deleted["poNumber"]]
    second_half = {d["poNumber"] for d in sims.jaggaer.purchase_orders()} - {d["poNumber"] for d in first_half}
    assert set(kinds["stale"]) == second_half | {touched["poNumber"]}
    assert "extra" not in kinds
    [missing] = [f for f in report["before"]["findings"] if f["kind"] == "missing_in_target"]
    assert "deleted there by hand" in missing["detail"]
    days = report["before"]["days"]
    assert sum(day["source_records"] for day in days) == 20
    assert sum(day["target_records"] for day in days) == 19

    repaired, report = _reconcile(start, end, "--repair")
    assert repaired.exit_code == 0, repaired.stdout
    assert report["after"]["findings"] == [] and report["after"]["checked"] == 20
    run_id = report["repair"]["run_id"]
    assert report["repair"]["by_entity"]["purchase_orders"]["posted"] == 12
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (20, 0)
    assert len(sims.jaggaer.purchase_orders(deleted["poNumber"])) == 1
    posted = store.audit.query(run_id=run_id, status=AuditStatus.POSTED, limit=100)
    assert len(posted) == 12
    assert all(row.reason and "re-sent by the reconciliation of purchase_orders" in row.reason for row in posted)

    again, report = _reconcile(start, end)
    assert again.exit_code == 0, again.stdout
    assert report["before"]["findings"] == []


def test_the_daily_asset_reports_drift_in_its_metadata_and_repairs_when_configured(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    day = (datetime.now(UTC) - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    sims.fusion.seed_purchase_orders(6, day + timedelta(hours=3), day + timedelta(hours=5), seed=21)
    assert run_purchase_orders(instance, day + timedelta(hours=3), day + timedelta(hours=5)).counts.posted == 6
    gone = sims.jaggaer.purchase_orders()[2]["poNumber"]
    sims.jaggaer.delete_purchase_order(gone)
    asset = reconciliation_asset(PURCHASE_ORDERS)
    partition = day.strftime("%Y-%m-%d")

    def materialize(repair: bool) -> dict[str, dg.MetadataValue]:
        config = {"ops": {asset.op.name: {"config": {"repair": repair}}}}
        result = dg.materialize(
            [asset], partition_key=partition, instance=instance, resources=defs.resources, run_config=config
        )
        assert result.success
        [materialization] = result.asset_materializations_for_node(asset.op.name)
        return dict(materialization.metadata)

    reported = materialize(repair=False)
    assert reported["missing_in_target"].value == 1 and reported["clean"].value is False
    assert len(sims.jaggaer.purchase_orders(gone)) == 0, "reporting alone writes nothing"
    daily = reported["daily_counts"].value
    assert [(row.data["source_records"], row.data["target_records"]) for row in daily.records] == [(6, 5)]
    plot = reported["daily_plot"].value
    assert "```" in plot and "source" in plot and "target" in plot
    summary = {row.data["measure"]: row.data["before"] for row in reported["summary"].value.records}
    assert summary["missing_in_target"] == 1

    repaired = materialize(repair=True)
    assert repaired["clean"].value is True and repaired["missing_in_target"].value == 0
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (6, 0)


def test_a_record_changed_after_the_range_and_not_synced_yet_is_counted_not_drift(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance, connector_env: ConnectorEnv
) -> None:
    start, end = hours_ago(6), hours_ago(4)
    sims.fusion.seed_purchase_orders(5, start, end, seed=21)
    assert run_purchase_orders(instance, start, end).counts.posted == 5
    edited = sims.jaggaer.purchase_orders()[0]
    sims.fusion.touch_purchase_order(int(edited["externalId"]), at=hours_ago(1))

    result, report = _reconcile(start, end)

    assert result.exit_code == 0, result.stdout
    assert report["before"]["findings"] == []
    assert (report["before"]["checked"], report["before"]["changed_later"]) == (4, 1)


def test_an_invoice_changed_after_jaggaer_imported_it_is_declined_not_stale(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance, connector_env: ConnectorEnv
) -> None:
    start, end = hours_ago(6), hours_ago(5)
    sims.fusion.seed_invoices(3, start, end)
    outbound = direction_named("fusion_to_jaggaer").flows
    assert run_flows(instance, start, end, outbound).by_entity["invoices"].posted == 3
    [imported, *_] = sims.jaggaer.invoices.collection.documents()
    sims.fusion.touch_invoice(int(imported["externalId"]), at=end - timedelta(minutes=1))
    assert run_flows(instance, start, end, outbound).by_entity["invoices"].posted == 0

    result, report = _reconcile(start, end, entity="invoices")

    assert result.exit_code == 3, result.stdout
    [declined] = report["before"]["findings"]
    assert declined["kind"] == "declined_by_post"
    assert declined["natural_key"] == f"{imported['supplier']['supplierNumber']}/{imported['supplierInvoiceNumber']}"
    assert declined["detail"].endswith("J1P imports cannot change an imported invoice")
