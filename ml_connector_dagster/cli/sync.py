"""`ml-connector sync`: run a flow for a range of windows now, as one run on the Dagster instance."""

from datetime import UTC, datetime

import click
import dagster as dg

from ml_connector_dagster.cli.runs import run_purchase_orders


@click.group()
def sync() -> None:
    """Run a flow for a range of sync windows (one Dagster run, recorded on the instance)."""


@sync.command("purchase-orders")
@click.option("--start", type=click.DateTime(), required=True, help="first window start (UTC)")
@click.option("--end", type=click.DateTime(), required=True, help="last window end (UTC), exclusive")
def purchase_orders(start: datetime, end: datetime) -> None:
    """Oracle Fusion purchase orders → JAGGAER for the windows in [START, END)."""
    instance = dg.DagsterInstance.get()
    result = run_purchase_orders(instance, start.replace(tzinfo=UTC), end.replace(tzinfo=UTC))
    click.echo(f"run {result.run_id}")
    click.echo(f"purchase_orders: {result.counts.line()}")
    if not result.success:
        raise click.ClickException(result.failure or "the run failed")
