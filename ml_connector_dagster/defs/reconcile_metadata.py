"""What a person sees on a reconciliation: the summary table, the per-day counts table, a plot of daily counts
on both sides (a text bar chart in markdown, which the Dagster UI renders as is) and the first findings."""

import dagster as dg

from ml_connector_dagster.sync.reconcile_report import DayTotals, FindingKind, ReconcileReport
from ml_connector_dagster.sync.report import FlowReport

_SHOWN_FINDINGS = 50
_BAR_WIDTH = 40
_SUMMARY_SCHEMA = dg.TableSchema(
    columns=[dg.TableColumn("measure", "string"), dg.TableColumn("before", "int"), dg.TableColumn("after", "int")]
)
_DAY_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("day", "string"),
        dg.TableColumn("source_records", "int"),
        dg.TableColumn("target_records", "int"),
        dg.TableColumn("source_total", "string"),
        dg.TableColumn("written_total", "string"),
    ]
)
_FINDING_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn(name, "string")
        for name in ("kind", "source_key", "natural_key", "source_version", "written_version", "detail")
    ]
)


def reconcile_metadata(
    before: ReconcileReport, after: ReconcileReport | None, repaired: FlowReport | None
) -> dict[str, dg.MetadataValue]:
    """`after` and `repaired` when the run repaired: the tables then show both reconciliations."""
    final = after or before
    metadata: dict[str, dg.MetadataValue] = {
        # Plain numbers too, so the UI plots them across materializations.
        name: dg.MetadataValue.int(value)
        for name, value in final.counts().items()
    }
    metadata["clean"] = dg.MetadataValue.bool(final.clean)
    metadata["range"] = dg.MetadataValue.text(final.label())
    metadata["summary"] = dg.MetadataValue.table(records=summary_rows(before, after), schema=_SUMMARY_SCHEMA)
    metadata["daily_counts"] = dg.MetadataValue.table(
        records=[dg.TableRecord(day_row(day)) for day in final.days], schema=_DAY_SCHEMA
    )
    metadata["daily_plot"] = dg.MetadataValue.md(daily_plot(final))
    if before.findings:
        metadata["findings"] = dg.MetadataValue.table(
            records=[
                dg.TableRecord(
                    {
                        "kind": f.kind.value,
                        "source_key": f.source_key,
                        "natural_key": f.natural_key,
                        "source_version": f.source_version.isoformat() if f.source_version else "",
                        "written_version": f.written_version.isoformat() if f.written_version else "",
                        "detail": f.detail,
                    }
                )
                for f in before.findings[:_SHOWN_FINDINGS]
            ],
            schema=_FINDING_SCHEMA,
        )
    if repaired is not None:
        metadata["repair"] = dg.MetadataValue.text(repaired.counts.line())
    return metadata


def summary_rows(before: ReconcileReport, after: ReconcileReport | None) -> list[dg.TableRecord]:
    later = after.counts() if after is not None else {}
    return [
        dg.TableRecord({"measure": name, "before": value, "after": later.get(name, value)})
        for name, value in before.counts().items()
    ]


def day_row(day: DayTotals) -> dict[str, str | int]:
    return {
        "day": day.day.isoformat(),
        "source_records": day.source_records,
        "target_records": day.target_records,
        "source_total": str(day.source_total),
        "written_total": str(day.written_total),
    }


def daily_plot(report: ReconcileReport) -> str:
    """Two bars per day, source and target, scaled to the busiest day."""
    if not report.days:
        return f"No {report.entity} changed at {report.source_system} in {report.label()}."
    peak = max(max(day.source_records, day.target_records) for day in report.days) or 1
    lines = []
    for day in report.days:
        for side, count in (("source", day.source_records), ("target", day.target_records)):
            label = day.day.isoformat() if side == "source" else ""
            bar = "█" * round(_BAR_WIDTH * count / peak)
            lines.append(f"{label:<10} {side:<6} {bar} {count}")
    missing = len(report.of(FindingKind.MISSING))
    note = f"\n\n{missing} record(s) missing in {report.target_system}." if missing else ""
    return (
        f"Daily {report.entity}: {report.source_system} (source) vs {report.target_system} (target)\n\n"
        "```\n" + "\n".join(lines) + "\n```" + note
    )
