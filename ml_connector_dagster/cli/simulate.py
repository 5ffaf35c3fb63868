"""`ml-connector simulate`: the Fusion and JAGGAER simulators on loopback until interrupted."""

import time
from datetime import UTC, datetime, timedelta

import click

from ml_connector_dagster.cli.simulators import running_simulators


@click.command()
@click.option("--fusion-port", default=8710, show_default=True)
@click.option("--jaggaer-port", default=8720, show_default=True)
@click.option("--purchase-orders", default=0, show_default=True, help="seed this many POs")
@click.option("--malformed", default=0, show_default=True, help="of which this many deliberately invalid")
@click.option("--hours", default=48, show_default=True, help="spread their LastUpdateDate over the last N hours")
@click.option("--seed", default=7, show_default=True)
def simulate(fusion_port: int, jaggaer_port: int, purchase_orders: int, malformed: int, hours: int, seed: int) -> None:
    """Serve both simulators on 127.0.0.1 (real HTTP) until Ctrl-C. Faults: PUT /__sim__/faults."""
    with running_simulators(fusion_port, jaggaer_port) as sims:
        if purchase_orders:
            now = datetime.now(UTC)
            summary = sims.fusion.seed_purchase_orders(
                purchase_orders, now - timedelta(hours=hours), now, malformed=malformed, seed=seed
            )
            click.echo(f"seeded {summary.created} purchase orders ({summary.malformed} malformed)")
        click.echo(f"fusion   {sims.fusion_url}  (client {sims.fusion.settings.client_id})")
        click.echo(f"jaggaer  {sims.jaggaer_url}  (client {sims.jaggaer.settings.client_id})")
        click.echo("Ctrl-C stops them.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("stopped")
