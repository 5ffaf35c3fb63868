"""`ml-connector reconcile ENTITY --start --end [--repair]`: the source, the ledger and the target compared over
a range of sync windows; `--repair` re-sends what is missing or stale as one run on the instance."""

import json
from datetime import UTC, datetime

import click
import pandas as pd

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.cli.datetimes import UtcDateTime
from ml_connector_dagster.cli.exit_codes import ExitCode
from ml_connector_dagster.cli.instance import open_instance
from ml_connector_dagster.cli.progress import console_progress
from ml_connector_dagster.cli.ranges import partition_range
from ml_connector_dagster.cli.runs import SyncRunResult, check_profiles, execute, systems_of
from ml_connector_dagster.definitions import defs
from ml_connector_dagster.defs.flows.engine import new_reconciliation
from ml_connector_dagster.defs.reconcile import REPAIR_JOB, RepairConfig, reconciled_flows
from ml_connector_dagster.defs.reconcile_metadata import day_row
from ml_connector_dagster.flows import FLOWS, Flow, flow_named
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.sync.reconcile_report import ReconcileReport
from ml_connector_dagster.sync.window import SyncWindow, WindowNotSettled

_ENTITIES = [flow.entity for flow in reconciled_flows(FLOWS)]
_SHOWN_FINDINGS = 50


@click.command("reconcile")
@click.argument("entity", type=click.Choice([*_ENTITIES, *(e.replace("_", "-") for e in _ENTITIES)]))
@click.option("--start", type=UtcDateTime(), required=True, help="first window start (UTC unless an offset is given)")
@click.option("--end", type=UtcDateTime(), required=True, help="last window end, exclusive")
@click.option("--repair", is_flag=True, help="re-send what is missing in the target or stale in the ledger")
@click.option("--json", "as_json", is_flag=True, help="print the reconciliation(s) as JSON")
@click.pass_context
def reconcile(ctx: click.Context, entity: str, start: datetime, end: datetime, repair: bool, as_json: bool) -> None:
    """Compare ENTITY's records changed in [START, END) at the source with the ledger and the target: counts and
    totals per day, records missing in the target, stale in the ledger, extra, and amount drift.

    With --repair, what is missing or stale is re-sent through the normal pull and post in one run (looked up by
    natural key first, never written twice), and the range is reconciled again.

    Exits 0 when clean (after the repair, with --repair), 3 when drift remains, 4 when the repair run failed,
    1 for a configuration problem."""
    flow = flow_named(entity.replace("-", "_"))
    partition_range(start, end)
    window = SyncWindow(start=start, end=end)
    try:
        window.ensure_settled(datetime.now(UTC), ConnectorSettings().settle_lag)
    except WindowNotSettled as exc:
        raise click.ClickException(str(exc)) from None
    before = reconciled(flow, window)
    if not repair or not before.repairable:
        _show(as_json, before)
        ctx.exit(ExitCode.OK if before.clean else ExitCode.RECORDS_FAILED)
    config = RepairConfig(entity=flow.entity, start=start.isoformat(), end=end.isoformat())
    run_config = {"ops": {"repair_range": {"config": config.model_dump()}}}
    result = execute(open_instance(), REPAIR_JOB, (flow,), {}, run_config)
    after = reconciled(flow, window) if result.success else None
    _show(as_json, before, result, after)
    if not result.success:
        click.echo(f"Error: repair run {result.run_id} failed: {result.failure}", err=True)
        ctx.exit(ExitCode.RUN_FAILED)
    ctx.exit(ExitCode.OK if after is not None and after.clean else ExitCode.RECORDS_FAILED)


def reconciled(flow: Flow, window: SyncWindow) -> ReconcileReport:
    """The flow's reconciliation of the window, its progress shown as it reads the source."""
    resources = defs.resources or {}
    with console_progress(), open_store() as store:
        check_profiles(store, systems_of((flow,)))
        with (
            resources[flow.source_resource].client(store) as source,
            resources[flow.target_resource].client(store) as target,
        ):
            reconciliation = new_reconciliation(flow, store, flow.feed(source), flow.sink(target))
            return reconciliation.run(window.start, window.end)


def _show(
    as_json: bool, before: ReconcileReport, repaired: SyncRunResult | None = None, after: ReconcileReport | None = None
) -> None:
    if as_json:
        shown = {
            "before": before.model_dump(mode="json"),
            "repair": repaired.model_dump(mode="json") if repaired is not None else None,
            "after": after.model_dump(mode="json") if after is not None else None,
        }
        click.echo(json.dumps(shown, indent=2))
        return
    _print_report("reconciliation", before)
    if repaired is not None:
        counts = repaired.by_entity.get(before.entity)
        click.echo(f"\nrepair run {repaired.run_id}: {counts.line() if counts else 'no counts'}")
    if after is not None:
        _print_report("after the repair", after)


def _print_report(title: str, report: ReconcileReport) -> None:
    click.echo(f"{title} of {report.label()}: {'clean' if report.clean else 'drift found'}")
    summary = pd.DataFrame([{"measure": name, "records": value} for name, value in report.counts().items()])
    click.echo(summary.to_string(index=False))
    if report.days:
        click.echo("\nper day (source change time, UTC):")
        click.echo(pd.DataFrame([day_row(day) for day in report.days]).to_string(index=False))
    if report.findings:
        rows = [
            {"kind": f.kind.value, "key": f.source_key, "natural_key": f.natural_key, "detail": f.detail}
            for f in report.findings[:_SHOWN_FINDINGS]
        ]
        more = len(report.findings) - len(rows)
        click.echo(f"\nfindings{f' (first {len(rows)}; {more} more with --json)' if more else ''}:")
        with pd.option_context("display.max_colwidth", 140, "display.width", 250):
            click.echo(pd.DataFrame(rows).to_string(index=False))
