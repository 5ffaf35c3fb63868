"""The sensor that drains what the JAGGAER Document Export receiver queued: each delivery requests a poll of the
flow its document type belongs to (see queued.py)."""

from collections.abc import Mapping
from datetime import timedelta

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from ml_connector_dagster.defs.flows.queued import QueuedRoute, queued_runs_sensor
from ml_connector_dagster.jaggaer.export.settings import ReceiverSettings
from ml_connector_dagster.netsuite.push import DOCUMENT_TYPE_PREFIX as NETSUITE_PUSHES
from ml_connector_dagster.store import InboundRow, Store


def _take(store: Store, limit: int, retake_after: timedelta) -> list[InboundRow]:
    # NetSuite's notifications share the queue; the `netsuite_pushes` sensor takes those.
    return store.inbound.take(limit, retake_after=retake_after, excluding_prefix=NETSUITE_PUSHES)


def _unrouted(delivery: InboundRow) -> str:
    return (
        f"document export {delivery.message_id} ({delivery.document_type} {delivery.document_number}) belongs to no "
        "flow: add its type to ML_CONNECTOR_RECEIVER_DOCUMENT_FLOWS; it stays queued as taken"
    )


def document_exports_sensor(jobs: Mapping[str, UnresolvedAssetJobDefinition]) -> dg.SensorDefinition:
    """`jobs`: each flow's job, by entity."""
    route = QueuedRoute(
        name="document_exports",
        run_key_prefix="document-export",
        description="Requests a poll of the flow each JAGGAER Document Export delivery belongs to (`ml-connector "
        "receiver` queues them) for the window it arrived in, once that window has settled; the pushed document "
        "itself is never written.",
        routes=ReceiverSettings().document_flows,
        routes_setting="ML_CONNECTOR_RECEIVER_DOCUMENT_FLOWS",
        take=_take,
        route_of=lambda delivery: delivery.document_type,
        unrouted=_unrouted,
    )
    return queued_runs_sensor(route, jobs)
