"""`ml-connector mappings`: the GL mapping table of each ERP (import, export, the rule, history) and what it
misses."""

import getpass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.cli.errors import ConfigurationError
from ml_connector_dagster.cli.exit_codes import ExitCode
from ml_connector_dagster.flows import FLOWS
from ml_connector_dagster.records import ChargeAccount
from ml_connector_dagster.store import MappingImportError, MappingRule
from ml_connector_dagster.store.gl_mappings import ERPS
from ml_connector_dagster.sync.checks import check_mappings
from ml_connector_dagster.sync.dependencies import DependencyCheck, account_token

_WHO = click.option(
    "--changed-by", default=lambda: getpass.getuser(), show_default="the OS user", help="who, in the history"
)
_ERP = click.option(
    "--erp",
    type=click.Choice(ERPS),
    default="fusion",
    show_default=True,
    help="whose charge accounts: each ERP has its own rows, rule and history",
)


@click.group()
def mappings() -> None:
    """GL mapping: ERP charge accounts → JAGGAER cost center and GL values (rule plus explicit rows), per ERP
    (`--erp fusion|netsuite`)."""


@mappings.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="the ERP's rows absent from the file are removed (default: kept)")
@_ERP
@_WHO
def import_rows(csv_file: Path, replace: bool, erp: str, changed_by: str) -> None:
    """Import rows from a CSV (columns combination, code_combination_id, cost_center, gl_account, note) into the
    ERP's mapping; a NetSuite combination is subsidiary.department.class.location.account.

    The whole file is checked first: any bad line and nothing is imported."""
    text = csv_file.read_text(encoding="utf-8-sig")
    with open_store(need_keys=False) as store:
        try:
            summary = store.gl_mappings.import_csv(
                text, changed_by, f"import of {csv_file.name}", replace=replace, erp=erp
            )
        except MappingImportError as error:
            for line in error.errors:
                click.echo(f"{csv_file.name}: {line}", err=True)
            raise ConfigurationError(f"{csv_file.name}: {len(error.errors)} problem(s), nothing imported") from None
        # Records wait on the account as their distribution names it: by combination, or by id when that is all
        # the distribution carries.
        released = store.pending.make_due(
            [
                account_token(ChargeAccount(row.code_combination_id, row.combination))
                for row in store.gl_mappings.rows(erp=erp)
            ]
        )
    click.echo(
        f"imported {csv_file.name} ({erp}): added={summary.added} changed={summary.changed} "
        f"removed={summary.removed} unchanged={summary.unchanged}"
    )
    if released:
        click.echo(
            f"{released} pending record(s) are due again: the next run (or `ml-connector pending retry`) posts them"
        )


@mappings.command("export")
@click.argument("csv_file", type=click.Path(dir_okay=False, path_type=Path), required=False)
@_ERP
def export_rows(csv_file: Path | None, erp: str) -> None:
    """Write the ERP's explicit rows as CSV (to stdout without a file); re-importing it changes nothing."""
    with open_store(need_keys=False) as store:
        text = store.gl_mappings.export_csv(erp=erp)
    if csv_file is None:
        click.echo(text, nl=False)
    else:
        csv_file.write_text(text, encoding="utf-8")
        click.echo(f"wrote {csv_file}")


@mappings.command("rule")
@click.option("--cost-center-segment", type=click.IntRange(min=1), help="segment number holding the cost center")
@click.option("--gl-account", default="combination", show_default=True, help="`combination` or `segment:N`")
@click.option("--delimiter", default=".", show_default=True, help="what joins the segments")
@click.option("--clear", is_flag=True, help="remove the rule: only explicit rows map")
@_ERP
@_WHO
def rule(
    cost_center_segment: int | None, gl_account: str, delimiter: str, clear: bool, erp: str, changed_by: str
) -> None:
    """Set the ERP's rule for the common case, e.g. `--cost-center-segment 2 --gl-account combination` for
    Fusion, `--erp netsuite --cost-center-segment 2 --gl-account segment:5` for NetSuite."""
    with open_store(need_keys=False) as store:
        if clear:
            store.gl_mappings.set_rule(None, changed_by, "mappings rule --clear", erp=erp)
            click.echo(f"rule cleared ({erp})")
            return
        if cost_center_segment is None:
            raise click.UsageError("give --cost-center-segment, or --clear")
        if gl_account != "combination" and not (
            gl_account.startswith("segment:") and gl_account.removeprefix("segment:").isdigit()
        ):
            raise click.UsageError("--gl-account must be `combination` or `segment:N`")
        chosen = MappingRule(delimiter=delimiter, cost_center_segment=cost_center_segment, gl_account=gl_account)
        store.gl_mappings.set_rule(chosen, changed_by, "mappings rule", erp=erp)
    click.echo(
        f"rule: cost center = segment {cost_center_segment}, GL value = {gl_account}, delimiter {delimiter!r} ({erp})"
    )


@mappings.command("history")
@click.option("--limit", default=50, show_default=True)
@_ERP
def history(limit: int, erp: str) -> None:
    """Who changed which of the ERP's mappings, when, from what to what."""
    with open_store(need_keys=False) as store:
        changes = store.gl_mappings.history(limit, erp=erp)
    if not changes:
        click.echo(f"no {erp} mapping changes recorded")
        return
    for change in changes:
        click.echo(
            f"{change.changed_at.isoformat(timespec='seconds')}  {change.changed_by}  {change.action:<12}  "
            f"{change.subject}  {change.before or '-'} → {change.after or '-'}  ({change.source})"
        )


@mappings.command("check")
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=1))
@_ERP
@click.pass_context
def check(ctx: click.Context, days: int, erp: str) -> None:
    """The ERP's charge accounts seen in the last N days (its staged purchase orders and invoices) with no
    usable mapping.

    Exits 3 when there is any, so a scheduler can alert on it."""
    end = datetime.now(UTC)
    start = end - timedelta(days=days)
    problems = 0
    checked = [(flow, flow.needs) for flow in FLOWS if flow.source == erp and flow.needs and flow.needs.accounts]
    with open_store(need_keys=False) as store:
        for flow, needs in checked:
            checker = DependencyCheck(needs, flow.record_type, store, flow.source, flow.target)
            found = check_mappings(checker, store, flow.entity, start, end)
            click.echo(
                f"{flow.entity}: {found.records} record(s), {found.distributions} distribution(s), "
                f"{len(found.unmapped)} unmapped account(s), {len(found.broken)} broken mapping(s)"
            )
            for label, count in sorted(found.unmapped.items(), key=lambda item: (-item[1], item[0])):
                click.echo(f"  unmapped  {label}  ({count} distribution(s))")
            for label, count in sorted(found.broken.items(), key=lambda item: (-item[1], item[0])):
                click.echo(f"  broken    {label}  ({count} distribution(s))")
            problems += len(found.unmapped) + len(found.broken)
    if problems:
        ctx.exit(ExitCode.RECORDS_FAILED)
