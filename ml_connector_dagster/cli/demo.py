"""`ml-connector demo`: simulators, 1,000+ purchase orders over 48 hours, two full syncs, the counts."""

import os
import shutil
from datetime import UTC, datetime, timedelta

import click
import dagster as dg

from ml_connector_dagster.cli.keys import local_master_keys
from ml_connector_dagster.cli.runs import SyncRunResult, run_purchase_orders
from ml_connector_dagster.cli.simulators import running_simulators
from ml_connector_dagster.defs.partitions import SYNC_WINDOWS
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.store import Store


def settled_range(now: datetime, hours: int, settle_lag: timedelta) -> tuple[datetime, datetime]:
    """The complete windows of the last `hours` whose settle lag has passed."""
    candidates = SYNC_WINDOWS.get_partition_keys_in_time_window(dg.TimeWindow(now - timedelta(hours=hours), now))
    windows = [SYNC_WINDOWS.time_window_for_partition_key(key) for key in candidates]
    settled = [w for w in windows if w.end + settle_lag <= now]
    if not settled:
        raise click.ClickException(f"no sync window of the last {hours} hours has settled yet")
    return settled[0].start, settled[-1].end


@click.command()
@click.option("--purchase-orders", "count", default=1000, show_default=True, help="valid POs to seed")
@click.option("--malformed", default=20, show_default=True, help="invalid POs seeded besides them")
@click.option("--hours", default=48, show_default=True)
def demo(count: int, malformed: int, hours: int) -> None:
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
        sims.store_credentials(store)
        store.close()
        seeded = sims.fusion.seed_purchase_orders(count + malformed, start, end, malformed=malformed)
        click.echo(
            f"seeded {seeded.created} purchase orders ({seeded.malformed} malformed) "
            f"with LastUpdateDate in [{start.isoformat()}, {end.isoformat()})"
        )
        instance = dg.DagsterInstance.get()
        first = _checked(run_purchase_orders(instance, start, end))
        again = _checked(run_purchase_orders(instance, start, end))
        stats = sims.jaggaer.purchase_order_stats()

    click.echo(f"{'first pass':<12}purchase_orders: {first.counts.line()}")
    click.echo(f"{'re-run':<12}purchase_orders: {again.counts.line()}")
    click.echo(f"jaggaer purchase_orders stored={stats.stored} duplicates={stats.duplicates}")
    click.echo(
        f"audit trail: ML_CONNECTOR_DATABASE_URL={os.environ['ML_CONNECTOR_DATABASE_URL']} "
        f"ml-connector audit --run-id {again.run_id}"
    )
    if stats.duplicates or again.counts.posted or stats.stored != first.counts.posted:
        raise click.ClickException("the demo's own checks failed: see the counts above")


def _checked(result: SyncRunResult) -> SyncRunResult:
    if not result.success:
        raise click.ClickException(f"run {result.run_id} failed: {result.failure}")
    return result
