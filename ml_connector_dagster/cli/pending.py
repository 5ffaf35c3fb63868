"""`ml-connector pending`: what waits on a supplier or a GL mapping, and retrying it now."""

import click
import pandas as pd

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.cli.exit_codes import ExitCode
from ml_connector_dagster.cli.instance import open_instance
from ml_connector_dagster.cli.runs import check_profiles, configured_flows, run_replay, systems_of
from ml_connector_dagster.defs.flows.replay import ReplayConfig
from ml_connector_dagster.flows import FLOWS, flow_named


@click.group(invoke_without_command=True)
@click.option("--entity", type=click.Choice([flow.entity for flow in FLOWS]))
@click.pass_context
def pending(ctx: click.Context, entity: str | None) -> None:
    """List the records waiting in the pending queue: why, since when, how often tried, next try."""
    if ctx.invoked_subcommand is not None:
        return
    with open_store(need_keys=False) as store:
        entries = store.pending.list(entity=entity)
    if not entries:
        click.echo("nothing is pending")
        return
    frame = pd.DataFrame(
        [
            {
                "entity": e.ref.entity,
                "key": e.ref.source_key,
                "natural_key": e.natural_key,
                "since": e.since.isoformat(timespec="seconds"),
                "attempts": e.attempts,
                "next_try": e.next_try_at.isoformat(timespec="seconds"),
                "first_run": e.first_run_id,
                "reason": e.reason,
            }
            for e in entries
        ]
    )
    with pd.option_context("display.max_colwidth", 100, "display.width", 250):
        click.echo(frame.to_string(index=False))


@pending.command("retry")
@click.option("--entity", type=click.Choice([flow.entity for flow in FLOWS]), help="default: every flow")
@click.option("--key", "keys", multiple=True, help="only these source keys (repeatable)")
@click.pass_context
def retry(ctx: click.Context, entity: str | None, keys: tuple[str, ...]) -> None:
    """Try pending records now, whatever their backoff says: those whose supplier and mapping exist post."""
    with open_store() as store:
        check_profiles(store, systems_of(configured_flows(store) if entity is None else (flow_named(entity),)))
    config = ReplayConfig(entity=entity or "all", keys=list(keys), kinds=["pending"])
    result = run_replay(open_instance(), config)
    click.echo(f"run {result.run_id}")
    for name, counts in result.by_entity.items():
        if counts.posted or counts.pending or counts.failed:
            click.echo(f"{name}: posted={counts.posted} still pending={counts.pending} failed={counts.failed}")
    if not result.success:
        click.echo(f"Error: run {result.run_id} failed: {result.failure}", err=True)
        ctx.exit(ExitCode.RUN_FAILED)
