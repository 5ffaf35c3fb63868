"""`ml-connector dev`: the Dagster UI wired to local simulators and the local store."""

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from ml_connector_dagster.cli.demo import DEMO_RULE
from ml_connector_dagster.cli.demo_netsuite import seed_netsuite
from ml_connector_dagster.cli.keys import local_master_keys
from ml_connector_dagster.cli.simulators import running_simulators
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.store import Store

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@click.command()
@click.option("--port", default=3000, show_default=True, help="Dagster UI port")
@click.option("--fusion-port", default=8710, show_default=True)
@click.option("--jaggaer-port", default=8720, show_default=True)
@click.option("--netsuite-port", default=8740, show_default=True)
@click.option("--purchase-orders", "count", default=200, show_default=True, help="POs seeded over the last day")
@click.option("--invoices", default=100, show_default=True, help="invoices seeded over the last day (5 unmapped)")
@click.option("--netsuite-bills", default=100, show_default=True, help="NetSuite bills over the last day (5 waiting)")
def dev(
    port: int, fusion_port: int, jaggaer_port: int, netsuite_port: int, count: int, invoices: int, netsuite_bills: int
) -> None:
    """Start the simulators, a store and Dagster instance of their own, and open `dagster dev`."""
    settings = ConnectorSettings()
    keys = local_master_keys(settings.home.resolve())
    # The simulators start empty every time; a ledger kept from an earlier session would disagree with them.
    home = (settings.home / "dev").resolve()
    shutil.rmtree(home, ignore_errors=True)
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True)
    # Its storage lives under $DAGSTER_HOME, which `dagster dev` gets below.
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", dagster_home / "dagster.yaml")
    store_url = f"sqlite:///{home / 'connector.db'}"
    with running_simulators(fusion_port, jaggaer_port, netsuite_port=netsuite_port) as sims:
        now = datetime.now(UTC)
        start = now - timedelta(days=1)
        store = Store.open(store_url, keys)
        sims.store_credentials(store)
        store.gl_mappings.set_rule(DEMO_RULE, "dev", "ml-connector dev")
        seed_netsuite(sims, store, count, netsuite_bills, min(5, netsuite_bills), start, now)
        store.close()
        sims.fusion.seed_suppliers(10, start, now)
        sims.fusion.seed_purchase_orders(count, start, now, malformed=max(count // 50, 1))
        sims.fusion.seed_invoices(invoices, start, now, unmapped=min(5, invoices), canceled=min(2, invoices // 10))
        click.echo(
            f"simulators: fusion {sims.fusion_url}, netsuite {sims.netsuite_url}, jaggaer {sims.jaggaer_url}; "
            f"store {store_url}"
        )
        env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "ML_CONNECTOR_DATABASE_URL": store_url}
        dagster = str(Path(sys.executable).parent / "dagster")
        command = [dagster, "dev", "-w", str(PROJECT_ROOT / "workspace.yaml"), "-p", str(port)]
        try:
            subprocess.run(command, env=env, cwd=PROJECT_ROOT, check=False)
        except KeyboardInterrupt:
            click.echo("stopped")
