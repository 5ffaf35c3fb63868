"""A sensor that drains what the Document Export receiver queued: each delivery requests a run of the flow its
document type belongs to, for the window it arrived in, once that window has settled.

The run polls JAGGAER as the schedule would; the pushed document itself is never written to Fusion. So a push
and a poll of the same change meet in the ledger and write once, and a push that was lost is still found by the
next scheduled poll.
"""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from ml_connector_dagster.defs.partitions import SYNC_WINDOWS
from ml_connector_dagster.jaggaer.export.settings import ReceiverSettings
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.store import InboundRow

EXPORTS_INTERVAL_SECONDS = 30
_TAKE = 500
# A delivery whose window has not settled yet stays taken and is looked at again after this long.
_RETAKE_AFTER = timedelta(seconds=EXPORTS_INTERVAL_SECONDS)


def document_exports_sensor(jobs: Mapping[str, UnresolvedAssetJobDefinition]) -> dg.SensorDefinition:
    """`jobs`: each flow's job, by entity."""
    flows_of = ReceiverSettings().document_flows
    unknown = sorted(set(flows_of.values()) - set(jobs))
    if unknown:
        raise ValueError(
            f"ML_CONNECTOR_RECEIVER_DOCUMENT_FLOWS names no flow called {', '.join(unknown)}; flows: {', '.join(jobs)}"
        )
    triggered = sorted(set(flows_of.values()))

    @dg.sensor(
        name="document_exports",
        jobs=[jobs[entity] for entity in triggered],
        minimum_interval_seconds=EXPORTS_INTERVAL_SECONDS,
        required_resource_keys={"store"},
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Requests a poll of the flow each JAGGAER Document Export delivery belongs to (`ml-connector "
        "receiver` queues them) for the window it arrived in, once that window has settled; the pushed document "
        "itself is never written.",
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        settle_lag = ConnectorSettings().settle_lag
        now = datetime.now(UTC)
        requests: dict[str, dg.RunRequest] = {}
        with context.resources.store.open() as store:
            taken = store.inbound.take(_TAKE, retake_after=_RETAKE_AFTER)
            done: dict[str, list[int]] = {}
            for delivery in taken:
                entity = flows_of.get(delivery.document_type)
                if entity is None:
                    context.log.warning(_unrouted(delivery))
                    continue
                key = SYNC_WINDOWS.get_partition_key_for_timestamp(delivery.received_at.timestamp())
                if SYNC_WINDOWS.time_window_for_partition_key(key).end + settle_lag > now:
                    continue  # taken again on a later tick, once its window has settled
                run_key = f"document-export:{entity}:{key}"
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


def _unrouted(delivery: InboundRow) -> str:
    return (
        f"document export {delivery.message_id} ({delivery.document_type} {delivery.document_number}) belongs to no "
        "flow: add its type to ML_CONNECTOR_RECEIVER_DOCUMENT_FLOWS; it stays queued as taken"
    )
