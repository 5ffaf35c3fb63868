"""`ml-connector two-way`: one cycle of every two-way reference entity now, as one run on the instance."""

import click

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.cli.errors import ConfigurationError
from ml_connector_dagster.cli.exit_codes import ExitCode
from ml_connector_dagster.cli.instance import open_instance
from ml_connector_dagster.cli.runs import check_profiles
from ml_connector_dagster.cli.two_way_runs import run_two_way
from ml_connector_dagster.flows import CONNECTIONS


@click.command("two-way")
@click.pass_context
def two_way(ctx: click.Context) -> None:
    """Align suppliers, cost centers and GL values between Fusion and JAGGAER: each change made in one system is
    written to the other; conflicts follow ML_CONNECTOR_TWO_WAY_POLICIES (default: Fusion wins).

    Exits 0 when nothing failed, 3 when some records could not be written, 4 when the run failed."""
    with open_store() as store:
        if CONNECTIONS is not None:
            raise ConfigurationError(
                "two-way cycles run for the one unnamed Fusion connection; with ML_CONNECTOR_CONNECTIONS_FILE set "
                "there is none: unset it to run them"
            )
        check_profiles(store, ("fusion", "jaggaer"))
    result = run_two_way(open_instance())
    click.echo(f"run {result.run_id}")
    for entity, counts in result.by_entity.items():
        click.echo(f"two-way {entity}: {counts.line()}")
    if not result.success:
        click.echo(f"Error: run {result.run_id} failed: {result.failure}", err=True)
        ctx.exit(ExitCode.RUN_FAILED)
    failed = sum(counts.failed for counts in result.by_entity.values())
    if failed:
        click.echo(
            f"Error: {failed} record(s) could not be written: `ml-connector audit --run-id {result.run_id} "
            "--status failed` lists them with the reason",
            err=True,
        )
        ctx.exit(ExitCode.RECORDS_FAILED)
