"""The sensors of the way back, as Dagster evaluates them: the JAGGAER receipts sensor probing the simulator over
loopback, and the sensor that turns queued Document Export deliveries into polls of their flow."""

from datetime import UTC, datetime, timedelta

import dagster as dg
from dagster._core.definitions.sensor_definition import SensorExecutionData
from sqlalchemy import update

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.definitions import defs
from ml_connector_dagster.defs.jaggaer.resources import JaggaerResource
from ml_connector_dagster.defs.partitions import PARTITION_FORMAT
from ml_connector_dagster.defs.store.resources import ConnectorStoreResource
from ml_connector_dagster.store import InboundDocument, InboundStatus, Store
from ml_connector_dagster.store.tables import inbound_documents

from .conftest import current_hour, hours_ago


def _tick(instance: dg.DagsterInstance, name: str) -> SensorExecutionData:
    sensor = defs.resolve_sensor_def(name)
    resources = {"store": ConnectorStoreResource(), "jaggaer": JaggaerResource()}
    with dg.build_sensor_context(
        instance=instance, resources=resources, repository_def=defs.get_repository_def()
    ) as context:
        return sensor.evaluate_tick(context)


def _key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(PARTITION_FORMAT)


def test_receipts_changed_in_jaggaer_request_their_closed_windows(
    plain_store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    line = {"po_number": "US1", "quantity": "1"}
    sims.jaggaer.add_receipt("RC-1", None, [line], at=hours_ago(5) + timedelta(minutes=10))
    sims.jaggaer.add_receipt("RC-2", None, [line], at=hours_ago(3) + timedelta(minutes=40))
    sims.jaggaer.add_receipt("RC-OPEN", None, [line])

    requested = _tick(instance, "receipts_changes")

    assert [(r.job_name, r.partition_key) for r in requested.run_requests] == [
        (None, _key(hours_ago(5))),
        (None, _key(hours_ago(3))),
    ]
    assert requested.run_requests[0].run_key is not None
    # Nothing new since: the next tick asks once and requests nothing.
    again = _tick(instance, "receipts_changes")
    assert again.run_requests == [] and again.skip_message


def _delivery(message_id: str, document_type: str = "BuyerInvoiceExportMessage") -> InboundDocument:
    return InboundDocument(
        message_id=message_id,
        document_type=document_type,
        document_number=f"INV-{message_id}",
        sent_at=None,
        payload=f"<{document_type}/>",
        payload_hash=message_id,
    )


def test_document_exports_become_polls_of_their_flow_once_their_window_settled(
    plain_store: Store, instance: dg.DagsterInstance
) -> None:
    for message_id in ("m1", "m2", "m3", "m-open"):
        assert plain_store.inbound.enqueue(_delivery(message_id))
    assert plain_store.inbound.enqueue(_delivery("m-other", "BuyerPurchaseOrderExportMessage"))
    # m1 and m2 arrived in the same settled window, m3 in an earlier one; m-open arrived just now.
    arrived = {"m1": hours_ago(2) + timedelta(minutes=5), "m2": hours_ago(2) + timedelta(minutes=50)}
    arrived["m3"] = hours_ago(4) + timedelta(minutes=30)
    with plain_store.engine.begin() as connection:
        for message_id, at in arrived.items():
            connection.execute(
                update(inbound_documents).where(inbound_documents.c.message_id == message_id).values(received_at=at)
            )

    requested = _tick(instance, "document_exports")

    assert sorted((r.job_name, r.partition_key) for r in requested.run_requests) == [
        ("payables_invoices_sync", _key(hours_ago(4))),
        ("payables_invoices_sync", _key(hours_ago(2))),
    ]
    by_id = {row.message_id: row for row in plain_store.inbound.list()}
    assert {m for m, row in by_id.items() if row.status == InboundStatus.DONE} == {"m1", "m2", "m3"}
    assert (
        by_id["m1"].done_run_id == by_id["m2"].done_run_id == f"document-export:payables_invoices:{_key(hours_ago(2))}"
    )
    # Still in its open window, and of a type no flow takes: both stay, taken, for a later tick.
    assert (by_id["m-open"].status, by_id["m-other"].status) == (InboundStatus.TAKEN, InboundStatus.TAKEN)
    assert _key(current_hour()) not in {r.partition_key for r in requested.run_requests}

    # Nothing new is queued: the next tick within the retake delay requests nothing.
    assert _tick(instance, "document_exports").run_requests == []
