"""`ml-connector audit`: the audit trail, filtered, newest first."""

from datetime import datetime

import click
import pandas as pd

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.cli.datetimes import UtcDateTime
from ml_connector_dagster.store import AuditStatus


@click.command()
@click.option("--run-id", help="only this Dagster run")
@click.option("--system", type=click.Choice(["fusion", "jaggaer"]))
@click.option("--entity", help="e.g. purchase_orders")
@click.option("--status", type=click.Choice([s.value for s in AuditStatus]))
@click.option("--key", "record_key", help="one record's source key (e.g. a POHeaderId)")
@click.option("--since", type=UtcDateTime(), help="recorded at or after (UTC unless an offset is given)")
@click.option("--limit", default=50, show_default=True)
@click.option("--summary", is_flag=True, help="counts per run, system and status instead of rows")
def audit(
    run_id: str | None,
    system: str | None,
    entity: str | None,
    status: str | None,
    record_key: str | None,
    since: datetime | None,
    limit: int,
    summary: bool,
) -> None:
    """List the audit trail: one row per record per run, with the reason for every outcome."""
    with open_store(need_keys=False) as store:
        rows = store.audit.query(
            run_id=run_id,
            system=system,
            entity=entity,
            status=AuditStatus(status) if status else None,
            record_key=record_key,
            since=since,
            limit=100_000 if summary else limit,
        )
    if not rows:
        click.echo("no audit rows match")
        return
    frame = pd.DataFrame([row.model_dump(mode="json") for row in rows])
    if summary:
        counts = frame.groupby(["run_id", "system", "entity", "status"]).size().unstack(fill_value=0)
        # Every row keeps its run id, so a run's lines can be found with grep.
        click.echo(counts.reset_index().to_string(index=False))
        return
    columns = ["recorded_at", "run_id", "system", "entity", "record_key", "source_version", "status", "reason"]
    with pd.option_context("display.max_colwidth", 80, "display.width", 250):
        click.echo(frame[columns].to_string(index=False))
