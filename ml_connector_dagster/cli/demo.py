"""`ml-connector demo`: simulators, every entity of every direction (Oracle Fusion and Oracle NetSuite to JAGGAER,
JAGGAER to Fusion) over 48 hours, two full syncs, the counts; then the missing GL mappings imported (and a vendor
deleted and a bill voided in NetSuite) and a further pass that posts what waited for them; the over-received
receipt fixed in Fusion and replayed; and cycles of two-way reference data with users editing both systems."""

import csv
import io
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import dagster as dg

from ml_connector_dagster.cli.demo_inbound import fix_over_receipt, seed_inbound
from ml_connector_dagster.cli.demo_netsuite import (
    delete_and_void,
    followed_in_jaggaer,
    import_rows,
    missing_rows,
    netsuite_problems,
    seed_netsuite,
)
from ml_connector_dagster.cli.demo_two_way import two_way_rounds
from ml_connector_dagster.cli.keys import local_master_keys
from ml_connector_dagster.cli.runs import SyncRunResult, run_flows, run_replay
from ml_connector_dagster.cli.simulators import LocalSimulators, running_simulators
from ml_connector_dagster.defs.flows.replay import ReplayConfig
from ml_connector_dagster.defs.partitions import SYNC_WINDOWS
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.store import MappingRule, Store

# The common case, as most charts of accounts put it: the cost center is segment 2, and JAGGAER's GL field
# holds the whole combination.
DEMO_RULE = MappingRule(delimiter=".", cost_center_segment=2, gl_account="combination")
# JAGGAER collections the connector only reads (users make them in JAGGAER); the demo reports what it wrote.
READ_ONLY_COLLECTIONS = frozenset({"receipts", "acknowledgments"})
# Where the demo's exception rows send accounts whose cost center segment JAGGAER does not hold.
DEMO_FALLBACK_COST_CENTER = "10"


def settled_range(now: datetime, hours: int, settle_lag: timedelta) -> tuple[datetime, datetime]:
    """The complete windows of the last `hours` whose settle lag has passed."""
    candidates = SYNC_WINDOWS.get_partition_keys_in_time_window(dg.TimeWindow(now - timedelta(hours=hours), now))
    windows = [SYNC_WINDOWS.time_window_for_partition_key(key) for key in candidates]
    settled = [w for w in windows if w.end + settle_lag <= now]
    if not settled:
        raise click.ClickException(f"no sync window of the last {hours} hours has settled yet")
    return settled[0].start, settled[-1].end


@click.command()
@click.option("--purchase-orders", "orders", default=1000, show_default=True, help="valid POs to seed")
@click.option("--invoices", default=300, show_default=True, help="valid invoices to seed")
@click.option("--suppliers", default=30, show_default=True, help="suppliers besides the 12 the orders use")
@click.option("--unmapped", default=12, show_default=True, help="invoices charged to an account with no mapping")
@click.option("--canceled", default=6, show_default=True, help="invoices canceled in Fusion")
@click.option("--malformed", default=20, show_default=True, help="invalid POs and invoices seeded besides them")
@click.option("--inbound", default=40, show_default=True, help="JAGGAER receipts, acknowledgments, invoices each")
@click.option("--two-way-cycles", default=5, show_default=True, help="two-way cycles with edits in both systems")
@click.option("--netsuite-orders", default=300, show_default=True, help="NetSuite purchase orders to seed")
@click.option("--netsuite-bills", default=200, show_default=True, help="NetSuite vendor bills to seed")
@click.option("--netsuite-retired", default=8, show_default=True, help="NetSuite bills on a retired account")
@click.option("--hours", default=48, show_default=True)
def demo(
    orders: int,
    invoices: int,
    suppliers: int,
    unmapped: int,
    canceled: int,
    malformed: int,
    inbound: int,
    two_way_cycles: int,
    netsuite_orders: int,
    netsuite_bills: int,
    netsuite_retired: int,
    hours: int,
) -> None:
    """Run the main job on the embedded defaults: local simulators, SQLite, a local Dagster instance."""
    settings = ConnectorSettings()
    home = (settings.home / "demo").resolve()
    # A demo starts from nothing: fresh simulators would disagree with a ledger kept from an earlier demo.
    shutil.rmtree(home, ignore_errors=True)
    (home / "dagster").mkdir(parents=True)
    (home / "dagster" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    keys = local_master_keys(settings.home.resolve())
    os.environ["ML_CONNECTOR_DATABASE_URL"] = f"sqlite:///{home / 'connector.db'}"
    os.environ["DAGSTER_HOME"] = str(home / "dagster")

    start, end = settled_range(datetime.now(UTC), hours, settings.settle_lag)
    with running_simulators() as sims:
        store = Store.open(os.environ["ML_CONNECTOR_DATABASE_URL"], keys)
        try:
            sims.store_credentials(store)
            store.gl_mappings.set_rule(DEMO_RULE, "demo", "ml-connector demo")
            _seed(sims, orders, invoices, suppliers, unmapped, canceled, malformed, start, end)
            seeded_back = seed_inbound(sims, start, end, inbound)
            click.echo(seeded_back.line())
            netsuite = seed_netsuite(sims, store, netsuite_orders, netsuite_bills, netsuite_retired, start, end)
            click.echo(netsuite.line())
            instance = dg.DagsterInstance.get()
            first = _checked(run_flows(instance, start, end))
            again = _checked(run_flows(instance, start, end))
            mapping_file = _import_missing_mappings(store, home)
            netsuite_file = home / "missing-netsuite-mappings.csv"
            import_rows(store, missing_rows(store), netsuite_file)
            netsuite_edits = delete_and_void(sims, netsuite, end)
            after = _checked(run_flows(instance, start, end))
            followed = followed_in_jaggaer(sims, netsuite)
            still_pending = len(store.pending.list())
            fix_over_receipt(sims, seeded_back)
            replay = ReplayConfig(entity="receipts", run_id=first.run_id, kinds=["failed"])
            fixed = _checked(run_replay(instance, replay))
            two_way = two_way_rounds(sims, store, instance, two_way_cycles)
        finally:
            store.close()
        orders_stored = sims.jaggaer.purchase_order_stats()
        stats = {
            "purchase_orders": (orders_stored.stored, orders_stored.duplicates),
            **{
                name: (kept.stored, kept.duplicates)
                for name, kept in sims.jaggaer.collection_stats().items()
                if name not in READ_ONLY_COLLECTIONS
            },
        }
        written = {name: (kept.stored, kept.duplicates) for name, kept in sims.fusion.written_stats().items()}

    for label, result in (("first pass", first), ("re-run", again)):
        for entity, counts in result.by_entity.items():
            click.echo(f"{label:<12}{entity}: {counts.line()}")
    click.echo(
        f"mappings: imported {mapping_file.name} (Fusion) and {netsuite_file.name} (NetSuite) for the accounts the "
        "first pass left unmapped"
    )
    click.echo(netsuite_edits)
    for entity, counts in after.by_entity.items():
        click.echo(f"after mapping  {entity}: {counts.line()}")
    click.echo(f"fixed in Fusion: ordered quantity of {seeded_back.over_received.order_number} raised; replayed")
    click.echo(f"after fix      receipts: {fixed.by_entity['receipts'].line()}")
    for collection, (stored, duplicates) in stats.items():
        click.echo(f"jaggaer {collection} stored={stored} duplicates={duplicates}")
    for collection, (stored, duplicates) in written.items():
        click.echo(f"fusion {collection} stored={stored} duplicates={duplicates}")
    for entity, outcome in two_way.items():
        click.echo(outcome.line(entity))
        click.echo(outcome.detail())
    click.echo(
        f"audit trail: ML_CONNECTOR_DATABASE_URL={os.environ['ML_CONNECTOR_DATABASE_URL']} "
        f"ml-connector audit --run-id {after.run_id}"
    )
    problems = _problems(first, again, after, still_pending, {**stats, **written})
    if first.by_entity["receipts"].failed != 1 or fixed.by_entity["receipts"].posted != 1:
        problems.append("the over-received receipt did not fail once and post once after the fix")
    problems += [f"two-way {entity} did not converge" for entity, outcome in two_way.items() if not outcome.converged]
    bills = "netsuite_vendor_bills"
    problems += followed + netsuite_problems(first.by_entity[bills], after.by_entity[bills], netsuite)
    if problems:
        raise click.ClickException(f"the demo's own checks failed: {'; '.join(problems)}")


def _seed(
    sims: LocalSimulators,
    orders: int,
    invoices: int,
    suppliers: int,
    unmapped: int,
    canceled: int,
    malformed: int,
    start: datetime,
    end: datetime,
) -> None:
    fusion = sims.fusion
    seeded_suppliers = fusion.seed_suppliers(suppliers, start, end)
    seeded_orders = fusion.seed_purchase_orders(orders + malformed, start, end, malformed=malformed)
    seeded_invoices = fusion.seed_invoices(
        invoices + malformed, start, end, malformed=malformed, unmapped=unmapped, canceled=canceled
    )
    click.echo(
        f"seeded {seeded_suppliers.created + seeded_suppliers.restamped} suppliers "
        f"({seeded_suppliers.restamped} named by the orders and invoices), {seeded_orders.created} purchase orders "
        f"({seeded_orders.malformed} malformed), {seeded_invoices.created} invoices ({seeded_invoices.malformed} "
        f"malformed, {unmapped} on unmapped accounts, {canceled} canceled) with LastUpdateDate in "
        f"[{start.isoformat()}, {end.isoformat()}), and the GL rule: cost center = segment 2"
    )


def _import_missing_mappings(store: Store, home: Path) -> Path:
    """What a person does after the first pass: `ml-connector pending` shows the accounts records wait on, and
    they import explicit rows for them."""
    waiting = sorted(
        {
            token.removeprefix("account:")
            for entry in store.pending.list()
            if entry.ref.source_system == "fusion"
            for token in entry.waits_on
            if token.startswith("account:")
        }
    )
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["combination", "code_combination_id", "cost_center", "gl_account", "note"])
    for combination in waiting:
        writer.writerow([combination, "", DEMO_FALLBACK_COST_CENTER, combination, "cost center 95 closed: charge 10"])
    path = home / "missing-mappings.csv"
    path.write_text(text.getvalue(), encoding="utf-8")
    store.gl_mappings.import_csv(text.getvalue(), "demo", f"import of {path.name}")
    return path


def _problems(
    first: SyncRunResult,
    again: SyncRunResult,
    after: SyncRunResult,
    still_pending: int,
    stats: dict[str, tuple[int, int]],
) -> list[str]:
    problems = []
    if any(duplicates for _, duplicates in stats.values()):
        problems.append("JAGGAER or Fusion holds duplicates")
    if again.counts.posted:
        problems.append("the re-run posted again")
    if not first.by_entity["invoices"].pending:
        problems.append("no invoice waited for a mapping")
    if after.by_entity["invoices"].posted != first.by_entity["invoices"].pending or still_pending:
        problems.append("the pass after the mapping import did not post every waiting invoice")
    return problems


def _checked(result: SyncRunResult) -> SyncRunResult:
    if not result.success:
        raise click.ClickException(f"run {result.run_id} failed: {result.failure}")
    return result
