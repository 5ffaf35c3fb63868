"""What a person sees on each materialization: counts, the window, example records, first problems."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from ml_connector_dagster.sync.report import FlowReport, PreviewRow
from ml_connector_dagster.sync.window import SyncWindow

_PREVIEW_SCHEMA = dg.TableSchema(columns=[dg.TableColumn(name, "string") for name in PreviewRow.model_fields])


def report_metadata(report: FlowReport, window: SyncWindow, read_from: str) -> dict[str, dg.MetadataValue]:
    counts = report.counts
    metadata: dict[str, dg.MetadataValue] = {
        name: dg.MetadataValue.int(value) for name, value in counts.model_dump().items()
    }
    metadata["window_start"] = dg.MetadataValue.text(window.start.isoformat())
    metadata["window_end"] = dg.MetadataValue.text(window.end.isoformat())
    metadata["read_from"] = dg.MetadataValue.text(read_from)
    metadata["summary"] = dg.MetadataValue.text(counts.line())
    metadata["preview"] = dg.MetadataValue.table(
        records=[dg.TableRecord(row.model_dump()) for row in report.preview], schema=_PREVIEW_SCHEMA
    )
    if report.problems:
        metadata["problems"] = dg.MetadataValue.md("\n".join(f"- {p}" for p in report.problems))
    if report.missing:
        metadata["missing"] = dg.MetadataValue.text(report.missing_line())
    return metadata


def counts_metadata(report: FlowReport) -> dict[str, dg.MetadataValue]:
    """The counts alone, for an observation of a step that stopped part-way: true up to where it stopped."""
    return {name: dg.MetadataValue.int(value) for name, value in report.counts.model_dump().items()} | {
        "interrupted": dg.MetadataValue.bool(True)
    }


@contextmanager
def counts_if_stopped(context: dg.AssetExecutionContext, report: FlowReport) -> Iterator[None]:
    """A step that fails or is interrupted part-way still tells what it did, as an observation of its asset."""
    try:
        yield
    except BaseException:
        context.log_event(dg.AssetObservation(asset_key=context.asset_key, metadata=counts_metadata(report)))
        raise
