"""The sensor that drains the NetSuite change notifications `ml-connector receiver --netsuite` queued: each
requests a poll of the flow its record type belongs to (see queued.py). The notification carries no data to
write, and NetSuite sends each once and none for some changes: the schedule's polls stay the source of truth."""

from collections.abc import Mapping
from datetime import timedelta

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from ml_connector_dagster.defs.flows.queued import QueuedRoute, queued_runs_sensor
from ml_connector_dagster.netsuite.push import DOCUMENT_TYPE_PREFIX, PushSettings
from ml_connector_dagster.store import InboundRow, Store


def _take(store: Store, limit: int, retake_after: timedelta) -> list[InboundRow]:
    return store.inbound.take(limit, retake_after=retake_after, prefix=DOCUMENT_TYPE_PREFIX)


def _record_type(notification: InboundRow) -> str:
    return notification.document_type.removeprefix(DOCUMENT_TYPE_PREFIX)


def _unrouted(notification: InboundRow) -> str:
    record_type = _record_type(notification)
    return (
        f"NetSuite notification {notification.message_id} ({record_type} {notification.document_number}) belongs to "
        f"no flow: add {record_type!r} to ML_CONNECTOR_NETSUITE_PUSH_RECORD_FLOWS; it stays queued as taken"
    )


def netsuite_pushes_sensor(
    jobs: Mapping[str, UnresolvedAssetJobDefinition], settings: PushSettings | None = None
) -> dg.SensorDefinition:
    """`jobs`: each flow's job, by entity; `settings`: ML_CONNECTOR_NETSUITE_PUSH_* when not given."""
    route = QueuedRoute(
        name="netsuite_pushes",
        run_key_prefix="netsuite-push",
        description="Requests a poll of the flow each NetSuite change notification belongs to (`ml-connector "
        "receiver --netsuite` queues them) for the window it arrived in, once that window has settled. An "
        "accelerator: the schedule's polls stay the source of truth.",
        routes=(settings or PushSettings()).record_flows,
        routes_setting="ML_CONNECTOR_NETSUITE_PUSH_RECORD_FLOWS",
        take=_take,
        route_of=_record_type,
        unrouted=_unrouted,
    )
    return queued_runs_sensor(route, jobs)
