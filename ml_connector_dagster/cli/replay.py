"""`ml-connector replay`: send again what failed, was quarantined or waits, after a fix."""

from datetime import datetime

import click

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.cli.datetimes import UtcDateTime
from ml_connector_dagster.cli.exit_codes import ExitCode
from ml_connector_dagster.cli.instance import open_instance
from ml_connector_dagster.cli.runs import check_profiles, configured_flows, run_replay, systems_of
from ml_connector_dagster.defs.flows.replay import ReplayConfig
from ml_connector_dagster.flows import FLOWS, flow_named


@click.command()
@click.option(
    "--entity", type=click.Choice(["all", *(flow.entity for flow in FLOWS)]), default="all", show_default=True
)
@click.option("--run-id", help="only records that failed, were quarantined or held in this run")
@click.option("--key", "keys", multiple=True, help="only these source keys (repeatable)")
@click.option("--since", type=UtcDateTime(), help="failures recorded at or after")
@click.option("--until", type=UtcDateTime(), help="failures recorded before")
@click.option(
    "--only",
    "kinds",
    multiple=True,
    type=click.Choice(["failed", "quarantined", "pending"]),
    help="default: all three (repeatable)",
)
@click.pass_context
def replay(
    ctx: click.Context,
    entity: str,
    run_id: str | None,
    keys: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    kinds: tuple[str, ...],
) -> None:
    """Re-send records after a fix, as one run of the `replay` job; its audit rows name the run it repairs.
    Records already written are skipped, so a replay can be repeated safely."""
    with open_store() as store:
        check_profiles(store, systems_of(configured_flows(store) if entity == "all" else (flow_named(entity),)))
    config = ReplayConfig(
        entity=entity,
        run_id=run_id,
        keys=list(keys),
        start=since.isoformat() if since else None,
        end=until.isoformat() if until else None,
        kinds=list(kinds) or ["failed", "quarantined", "pending"],
    )
    result = run_replay(open_instance(), config)
    click.echo(f"run {result.run_id}")
    for name, counts in result.by_entity.items():
        click.echo(f"{name}: {counts.line()}")
    if not result.success:
        click.echo(f"Error: run {result.run_id} failed: {result.failure}", err=True)
        ctx.exit(ExitCode.RUN_FAILED)
    if result.counts.failed:
        ctx.exit(ExitCode.RECORDS_FAILED)
