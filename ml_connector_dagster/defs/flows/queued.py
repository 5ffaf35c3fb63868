"""What the push sensors share: drain what a receiver queued in the inbound queue, and request, per delivery, a
run of the flow it belongs to for the window it arrived in, once that window has settled.

The run polls the source as the schedule would; what was pushed is never written itself. So a push and a poll of
the same change meet in the ledger and write once, and a push that was lost is still found by the next poll.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from ml_connector_dagster.defs.partitions import SYNC_WINDOWS
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.store import InboundRow, Store

INTERVAL_SECONDS = 30
_TAKE = 500
# A delivery whose window has not settled yet stays taken and is looked at again after this long.
_RETAKE_AFTER = timedelta(seconds=INTERVAL_SECONDS)


@dataclass(frozen=True)
class QueuedRoute:
    """How one receiver's deliveries reach their flows."""

    name: str  # the sensor's
    run_key_prefix: str
    description: str
    routes: Mapping[str, str]  # what a delivery names (its document or record type) → flow entity
    routes_setting: str  # the variable that sets `routes`, for errors
    take: Callable[[Store, int, timedelta], list[InboundRow]]
    route_of: Callable[[InboundRow], str]  # the `routes` key of a delivery
    unrouted: Callable[[InboundRow], str]  # the warning for a delivery no route takes


def queued_runs_sensor(route: QueuedRoute, jobs: Mapping[str, UnresolvedAssetJobDefinition]) -> dg.SensorDefinition:
    """`jobs`: each flow's job, by entity."""
    unknown = sorted(set(route.routes.values()) - set(jobs))
    if unknown:
        raise ValueError(f"{route.routes_setting} names no flow called {', '.join(unknown)}; flows: {', '.join(jobs)}")
    triggered = sorted(set(route.routes.values()))

    @dg.sensor(
        name=route.name,
        jobs=[jobs[entity] for entity in triggered],
        minimum_interval_seconds=INTERVAL_SECONDS,
        required_resource_keys={"store"},
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=route.description,
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        settle_lag = ConnectorSettings().settle_lag
        now = datetime.now(UTC)
        requests: dict[str, dg.RunRequest] = {}
        with context.resources.store.open() as store:
            taken = route.take(store, _TAKE, _RETAKE_AFTER)
            done: dict[str, list[int]] = {}
            for delivery in taken:
                entity = route.routes.get(route.route_of(delivery))
                if entity is None:
                    context.log.warning(route.unrouted(delivery))
                    continue
                key = SYNC_WINDOWS.get_partition_key_for_timestamp(delivery.received_at.timestamp())
                if SYNC_WINDOWS.time_window_for_partition_key(key).end + settle_lag > now:
                    continue  # taken again on a later tick, once its window has settled
                run_key = f"{route.run_key_prefix}:{entity}:{key}"
                requests.setdefault(
                    run_key, dg.RunRequest(run_key=run_key, job_name=jobs[entity].name, partition_key=key)
                )
                done.setdefault(run_key, []).append(delivery.id)
            for run_key, ids in done.items():
                store.inbound.mark_done(ids, run_key)
        if not requests:
            return dg.SkipReason(f"{len(taken)} delivery(ies) taken, none in a settled window")
        return dg.SensorResult(run_requests=list(requests.values()))

    return _sensor
