"""`ml-connector sync`: run one flow, or every flow, for a range of windows now, as one run on the instance."""

from datetime import datetime

import click

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.cli.datetimes import UtcDateTime
from ml_connector_dagster.cli.exit_codes import ExitCode
from ml_connector_dagster.cli.instance import open_instance
from ml_connector_dagster.cli.ranges import partition_range
from ml_connector_dagster.cli.runs import check_profiles, configured_flows, run_flows, systems_of
from ml_connector_dagster.flows import DIRECTIONS, FLOWS, Flow

_EXITS = """Exits 0 when nothing failed, 3 when the run completed but some records failed, 4 when the run failed,
    130 when interrupted (SIGINT, SIGTERM), 1 for a configuration problem (no run is started)."""


@click.group()
def sync() -> None:
    """Run a flow, or all of them, for a range of sync windows (one Dagster run, recorded on the instance)."""


def _sync(ctx: click.Context, flows: tuple[Flow, ...] | None, start: datetime, end: datetime) -> None:
    """`flows` None: every flow whose systems are configured."""
    partition_range(start, end)
    # The store, the profiles and the instance are checked before a run exists, so a problem there is one
    # sentence, not a failed run.
    with open_store() as store:
        if flows is None:
            flows = configured_flows(store)
        check_profiles(store, systems_of(flows))
    instance = open_instance()
    result = run_flows(instance, start, end, flows)
    for recovered in result.recovered:
        click.echo(recovered.message(), err=True)
    click.echo(f"run {result.run_id}")
    for entity, counts in result.by_entity.items():
        click.echo(f"{entity}: {counts.line()}")
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
    if result.counts.pending:
        click.echo(
            f"{result.counts.pending} record(s) wait on what the target lacks (a supplier, a GL mapping, a "
            "purchase order): `ml-connector pending` lists them",
            err=True,
        )


def _command(name: str, flows: tuple[Flow, ...] | None, summary: str) -> click.Command:
    @click.command(name, help=f"{summary} for the windows in [START, END).\n\n    {_EXITS}")
    @click.option(
        "--start", type=UtcDateTime(), required=True, help="first window start (UTC unless an offset is given)"
    )
    @click.option("--end", type=UtcDateTime(), required=True, help="last window end, exclusive")
    @click.pass_context
    def command(ctx: click.Context, start: datetime, end: datetime) -> None:
        _sync(ctx, flows, start, end)

    return command


for _flow in FLOWS:
    sync.add_command(_command(_flow.entity.replace("_", "-"), (_flow,), f"{_flow.direction}: {_flow.title.lower()}"))
for _direction in DIRECTIONS:
    sync.add_command(
        _command(_direction.name.replace("_", "-"), _direction.flows, f"Every {_direction.title} flow, in one run")
    )
sync.add_command(
    _command(
        "all",
        None,
        "Every flow of every direction whose systems have stored credentials, reference data and suppliers first, "
        "in one run",
    )
)
