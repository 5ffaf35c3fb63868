"""A shell range `[--start, --end)` as the sync windows' partition keys, or one sentence saying what to change."""

from datetime import UTC, datetime

import dagster as dg

from ml_connector_dagster.defs.partitions import SYNC_WINDOWS
from ml_connector_dagster.settings import ConnectorSettings


class RangeRefused(ValueError):
    pass


def partition_range(start: datetime, end: datetime) -> tuple[str, str]:
    """The first and last partition keys of the windows that exactly cover [start, end).

    A window that has not settled yet is not refused here: the pull refuses it, saying when it can be read.
    """
    settings = ConnectorSettings()
    if end <= start:
        raise RangeRefused(f"--end {_shown(end)} must be after --start {_shown(start)}")
    first = SYNC_WINDOWS.get_first_partition_window()
    if first is None:
        raise RangeRefused(
            f"no sync window has closed yet: ML_CONNECTOR_PARTITION_START={settings.partition_start} "
            "is in the future; set it (format YYYY-MM-DD-HH:MM) to the oldest window you want"
        )
    if start < first.start:
        raise RangeRefused(
            f"--start {_shown(start)} is before the first sync window "
            f"(ML_CONNECTOR_PARTITION_START={settings.partition_start}): start at {_shown(first.start)} or later, "
            "or set ML_CONNECTOR_PARTITION_START (format YYYY-MM-DD-HH:MM) to an earlier window"
        )
    _ensure_boundary("--start", start, settings)
    _ensure_boundary("--end", end, settings)
    keys = SYNC_WINDOWS.get_partition_keys_in_time_window(dg.TimeWindow(start, end))
    return keys[0], keys[-1]


def _ensure_boundary(option: str, moment: datetime, settings: ConnectorSettings) -> None:
    key = SYNC_WINDOWS.get_partition_key_for_timestamp(moment.timestamp())
    window = SYNC_WINDOWS.time_window_for_partition_key(key)
    if window.start != moment:
        raise RangeRefused(
            f"{option} {_shown(moment)} is not a sync window boundary (windows follow "
            f"ML_CONNECTOR_PARTITION_CRON='{settings.partition_cron}'): use {_shown(window.start)} "
            f"or {_shown(window.end)}"
        )


def _shown(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
