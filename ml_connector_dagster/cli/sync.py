"""`ml-connector sync`: run a flow for a range of windows now, as one run on the Dagster instance."""

from datetime import datetime

import click

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.cli.datetimes import UtcDateTime
from ml_connector_dagster.cli.exit_codes import ExitCode
from ml_connector_dagster.cli.instance import open_instance
from ml_connector_dagster.cli.ranges import partition_range
from ml_connector_dagster.cli.runs import check_profiles, run_purchase_orders


@click.group()
def sync() -> None:
    """Run a flow for a range of sync windows (one Dagster run, recorded on the instance)."""


@sync.command("purchase-orders")
@click.option("--start", type=UtcDateTime(), required=True, help="first window start (UTC unless an offset is given)")
@click.option("--end", type=UtcDateTime(), required=True, help="last window end, exclusive")
@click.pass_context
def purchase_orders(ctx: click.Context, start: datetime, end: datetime) -> None:
    """Oracle Fusion purchase orders → JAGGAER for the windows in [START, END).

    Exits 0 when nothing failed, 3 when the run completed but some records failed, 4 when the run failed,
    130 when interrupted (SIGINT, SIGTERM), 1 for a configuration problem (no run is started).
    """
    partition_range(start, end)
    # The store, the profiles and the instance are checked before a run exists, so a problem there is one
    # sentence, not a failed run.
    with open_store() as store:
        check_profiles(store)
    instance = open_instance()
    result = run_purchase_orders(instance, start, end)
    for recovered in result.recovered:
        click.echo(recovered.message(), err=True)
    click.echo(f"run {result.run_id}")
    click.echo(f"purchase_orders: {result.counts.line()}")
    if result.interrupted:
        click.echo(f"Error: run {result.run_id} was interrupted: {result.failure}", err=True)
        ctx.exit(ExitCode.INTERRUPTED)
    if not result.success:
        click.echo(f"Error: run {result.run_id} failed: {result.failure}", err=True)
        ctx.exit(ExitCode.RUN_FAILED)
    if result.counts.failed:
        click.echo(
            f"Error: {result.counts.failed} record(s) failed: "
            f"`ml-connector audit --run-id {result.run_id} --status failed` lists them with the reason",
            err=True,
        )
        ctx.exit(ExitCode.RECORDS_FAILED)
