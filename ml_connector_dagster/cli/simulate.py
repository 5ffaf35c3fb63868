"""`ml-connector simulate`: the Fusion, NetSuite and JAGGAER simulators on loopback until interrupted."""

import time
from datetime import UTC, datetime, timedelta

import click

from ml_connector_dagster.cli.simulators import running_simulators


@click.command()
@click.option("--fusion-port", default=8710, show_default=True)
@click.option("--jaggaer-port", default=8720, show_default=True)
@click.option("--netsuite-port", default=8740, show_default=True)
@click.option("--purchase-orders", default=0, show_default=True, help="seed this many POs in Fusion")
@click.option("--malformed", default=0, show_default=True, help="of which this many deliberately invalid")
@click.option("--netsuite-bills", default=0, show_default=True, help="seed this many vendor bills in NetSuite")
@click.option("--hours", default=48, show_default=True, help="spread their change times over the last N hours")
@click.option("--seed", default=7, show_default=True)
def simulate(
    fusion_port: int,
    jaggaer_port: int,
    netsuite_port: int,
    purchase_orders: int,
    malformed: int,
    netsuite_bills: int,
    hours: int,
    seed: int,
) -> None:
    """Serve the simulators on 127.0.0.1 (real HTTP) until Ctrl-C. Faults: PUT /__sim__/faults."""
    with running_simulators(fusion_port, jaggaer_port, netsuite_port=netsuite_port) as sims:
        now = datetime.now(UTC)
        if purchase_orders:
            summary = sims.fusion.seed_purchase_orders(
                purchase_orders, now - timedelta(hours=hours), now, malformed=malformed, seed=seed
            )
            click.echo(f"seeded {summary.created} purchase orders ({summary.malformed} malformed)")
        if netsuite_bills:
            start = now - timedelta(hours=hours)
            sims.netsuite.seed_vendors(max(netsuite_bills // 10, 1), start, now, seed=seed)
            bills = sims.netsuite.seed_vendor_bills(netsuite_bills, start, now, seed=seed)
            click.echo(f"seeded {bills.count} NetSuite vendor bills ({bills.lines} lines)")
        netsuite_auth = sims.netsuite.auth.settings
        account, client = netsuite_auth.account_id, netsuite_auth.client_id
        click.echo(f"fusion   {sims.fusion_url}  (client {sims.fusion.settings.client_id})")
        click.echo(f"netsuite {sims.netsuite_url}  (account {account}, M2M client {client})")
        click.echo(f"jaggaer  {sims.jaggaer_url}  (client {sims.jaggaer.settings.client_id})")
        click.echo("Ctrl-C stops them.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("stopped")
