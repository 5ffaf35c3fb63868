"""Per windowed flow, a sensor that asks the source one cheap question per window: did anything change?

Each probe reads one row (`limit=1`, key fields only) changed at or after the watermark; the window holding it
gets a run once it has closed and settled, and the next probe starts at that window's end. A window without
changes is never asked about twice, and a quiet source costs one request per tick. The watermark lives in the
connector's store, so resetting the sensor (or its cursor) loses nothing.
"""

from datetime import UTC, datetime, timedelta

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from ml_connector_dagster.defs.flows.engine import source_feed
from ml_connector_dagster.defs.partitions import SYNC_WINDOWS
from ml_connector_dagster.flows import Flow
from ml_connector_dagster.settings import ConnectorSettings

# Windows one tick may request; the next tick carries on from the watermark.
_MAX_WINDOWS_PER_TICK = 24
SENSOR_INTERVAL_SECONDS = 120


def watermark_name(flow: Flow) -> str:
    return f"sensor:{flow.source}:{flow.entity}"


def flow_sensor(flow: Flow, job: UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"{flow.entity}_changes",
        job=job,
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        required_resource_keys={"store", flow.source_resource},
        description=f"Requests a {job.name} run for each closed window in which {flow.source} {flow.entity} "
        "changed: one `limit=1` probe per window with changes, one per tick when nothing changed.",
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        settings = ConnectorSettings()
        now = datetime.now(UTC)
        requests: list[dg.RunRequest] = []
        with context.resources.store.open() as store, source_feed(context, flow, store) as feed:  # type: ignore[arg-type]
            name = watermark_name(flow)
            watermark = store.watermarks.get(name) or _first_watermark(now, settings)
            while len(requests) < _MAX_WINDOWS_PER_TICK:
                changed_at = feed.first_change_at_or_after(watermark)
                if changed_at is None:
                    break
                key = SYNC_WINDOWS.get_partition_key_for_timestamp(changed_at.timestamp())
                window = SYNC_WINDOWS.time_window_for_partition_key(key)
                if window.end + settings.settle_lag > now:
                    break  # the window is still open or settling: asked again on a later tick
                requests.append(
                    dg.RunRequest(run_key=f"{flow.entity}:{key}:{changed_at.isoformat()}", partition_key=key)
                )
                watermark = window.end
            stored = store.watermarks.advance(name, watermark)
        if not requests:
            return dg.SkipReason(f"no closed window with changes since {stored.isoformat()}")
        return dg.SensorResult(run_requests=requests, cursor=stored.isoformat())

    return _sensor


def _first_watermark(now: datetime, settings: ConnectorSettings) -> datetime:
    """Without a watermark the sensor starts one day back; older history is a backfill's job."""
    return now - timedelta(days=1) - settings.settle_lag
