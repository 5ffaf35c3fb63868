"""NetSuite push notifications reaching a sync: the `netsuite_pushes` sensor, as Dagster evaluates it in the code
location, turns what the receiver queued into one poll of the record's flow once its window has settled, and that
poll brings the record to JAGGAER."""

from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import update

from ml_connector_dagster.cli.runs import run_flows
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.definitions import defs
from ml_connector_dagster.defs.flows.jobs import flow_job
from ml_connector_dagster.defs.flows.netsuite_push import netsuite_pushes_sensor
from ml_connector_dagster.defs.partitions import PARTITION_FORMAT
from ml_connector_dagster.defs.store.resources import ConnectorStoreResource
from ml_connector_dagster.flows import flow_named
from ml_connector_dagster.netsuite.push import (
    PushSettings,
)
from ml_connector_dagster.store import InboundDocument, InboundStatus, Store
from ml_connector_dagster.store.tables import inbound_documents

from .conftest import current_hour, hours_ago
from .netsuite_push_endpoint import Endpoint, notification


def _key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(PARTITION_FORMAT)


def _tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance) -> Any:
    resources = {"store": ConnectorStoreResource()}
    with dg.build_sensor_context(
        instance=instance, resources=resources, repository_def=defs.get_repository_def()
    ) as context:
        return sensor.evaluate_tick(context)


def _change(store: Store, message_id: str, **values: Any) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            update(inbound_documents).where(inbound_documents.c.message_id == message_id).values(**values)
        )


def test_pushed_notifications_become_one_poll_of_their_flow_once_their_window_settled(
    endpoint: Endpoint, instance: dg.DagsterInstance
) -> None:
    sensor = defs.resolve_sensor_def("netsuite_pushes")
    for notification_id in ("n-a", "n-b", "n-open"):
        assert endpoint.post(notification(notification_id, record_type="vendor")).status == 202
    assert endpoint.post(notification("n-customer", record_type="customer")).status == 202
    jaggaer = dict(document_type="BuyerInvoiceExportMessage", document_number="I-1", payload="", payload_hash="h")
    assert endpoint.store.inbound.enqueue(InboundDocument(message_id="MSG-1", **jaggaer))
    # n-a and n-b arrived in the same settled window; n-open (and the customer one) just now.
    _change(endpoint.store, "netsuite:n-a", received_at=hours_ago(2) + timedelta(minutes=5))
    _change(endpoint.store, "netsuite:n-b", received_at=hours_ago(2) + timedelta(minutes=55))

    requested = _tick(sensor, instance)

    run_key = f"netsuite-push:netsuite_vendors:{_key(hours_ago(2))}"
    assert [(r.job_name, r.partition_key, r.run_key) for r in requested.run_requests] == [
        ("netsuite_vendors_sync", _key(hours_ago(2)), run_key)
    ]
    rows = {row.message_id: row for row in endpoint.queued()}
    assert {m for m, row in rows.items() if row.status == InboundStatus.DONE} == {"netsuite:n-a", "netsuite:n-b"}
    assert rows["netsuite:n-a"].done_run_id == run_key
    # In its open window, or of a type no flow takes: taken, looked at again on a later tick.
    assert (rows["netsuite:n-open"].status, rows["netsuite:n-customer"].status) == (InboundStatus.TAKEN,) * 2
    assert _key(current_hour()) not in {r.partition_key for r in requested.run_requests}
    # JAGGAER's document is left to the document_exports sensor, which in turn leaves NetSuite's alone.
    assert rows["MSG-1"].status == InboundStatus.QUEUED
    assert _tick(sensor, instance).run_requests == []

    _change(endpoint.store, "netsuite:n-open", status=InboundStatus.QUEUED.value)
    _tick(defs.resolve_sensor_def("document_exports"), instance)
    rows = {row.message_id: row for row in endpoint.queued()}
    assert (rows["MSG-1"].status, rows["netsuite:n-open"].status) == (InboundStatus.TAKEN, InboundStatus.QUEUED)


def test_a_pushed_vendor_change_is_synced_to_jaggaer_by_the_run_its_notification_requests(
    endpoint: Endpoint, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.store_credentials(endpoint.store)
    window = hours_ago(3)
    vendor = sims.netsuite.seed_vendors(1, window + timedelta(minutes=10), window + timedelta(minutes=11))
    body = notification("n-vendor", record_type="vendor", record_id=str(vendor.first_id), eventType="create")
    assert endpoint.post(body).status == 202
    _change(endpoint.store, "netsuite:n-vendor", received_at=window + timedelta(minutes=12))

    [request] = _tick(defs.resolve_sensor_def("netsuite_pushes"), instance).run_requests
    assert (request.job_name, request.partition_key) == ("netsuite_vendors_sync", _key(window))
    # The run the daemon launches for it: that flow's job over that window.
    synced = run_flows(instance, window, window + timedelta(hours=1), (flow_named("netsuite_vendors"),))

    assert synced.success, synced.failure
    assert synced.by_entity["netsuite_vendors"].posted == 1
    companies = {company["extCode"] for company in sims.jaggaer.companies.collection.documents()}
    assert f"V{vendor.first_id:05d}" in companies


def test_the_sensor_refuses_record_flows_naming_no_flow() -> None:
    with pytest.raises(ValueError, match="ML_CONNECTOR_NETSUITE_PUSH_RECORD_FLOWS names no flow called netsuite_x"):
        netsuite_pushes_sensor(
            {"suppliers": flow_job(flow_named("suppliers"))}, PushSettings(record_flows={"v": "netsuite_x"})
        )
