"""PO acknowledgments written back to Oracle Fusion through the connector's sink, over real loopback HTTP against
the simulated pod: the order and its schedules patched, nothing Fusion already holds sent again (after a lost
answer, a 5xx or a killed run), Fusion's answers judged by `acknowledgment_success_statuses`."""

import pytest

from ml_connector_dagster.fusion.simulator import FusionSimSettings
from ml_connector_dagster.fusion.sinks import FusionAcknowledgmentSink
from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.records import POAcknowledgment, ScheduleAcknowledgment
from ml_connector_dagster.records.errors import WaitsOnTarget

from .fusion_write_pod import NOW, Pod, by_quantity, fault, running_pod, targets


@pytest.mark.parametrize("patch_status", [200, 204])
def test_an_acknowledgment_is_patched_on_the_order_and_its_schedules(patch_status: int) -> None:
    settings = FusionSimSettings(line_kind_attributes=True, acknowledgment_patch_status=patch_status)
    with running_pod(settings) as pod:
        target = by_quantity(pod.url)
        sink = FusionAcknowledgmentSink(pod.client)
        schedule = ScheduleAcknowledgment(
            po_line_number=target.line["LineNumber"],
            po_schedule_number=target.schedule["ScheduleNumber"],
            response="reject",
            note="cannot ship before July",
        )
        ack = POAcknowledgment(
            source_id="ack-1",
            po_number=target.number,
            response="accept",
            note="OK",
            schedules=(schedule,),
            last_update=NOW,
        )
        found = sink.find_ids([target.number, "NO-SUCH-PO"])
        written = sink.write(ack, found[target.number], looked_up=True)
        # Sent again (a run resumed after a kill): Fusion holds every answer already, so nothing is patched.
        again = sink.write(ack, written)
        stored = pod.simulator.acknowledgment(target.order["POHeaderId"])
        assert pod.simulator.written_stats()["purchaseOrderAcknowledgments"].duplicates == 0
    assert found == {target.number: str(target.order["POHeaderId"])} and written == again == found[target.number]
    assert stored is not None and (stored["AcknowledgmentResponse"], stored["AcknowledgmentNote"]) == ("Accept", "OK")
    [rejected] = [s for s in stored["schedules"] if s["AcknowledgmentResponse"] is not None]
    assert rejected["LineLocationId"] == target.schedule["LineLocationId"]
    assert (rejected["AcknowledgmentResponse"], rejected["AcknowledgmentNote"]) == ("Reject", "cannot ship before July")


def test_an_acknowledgment_whose_answer_was_lost_is_read_back_not_patched_again(pod: Pod) -> None:
    target = by_quantity(pod.url)
    sink = FusionAcknowledgmentSink(pod.client)
    fault(pod, mode="lost_answer", method="PATCH", path_contains="/purchaseOrderAcknowledgments")
    ack = POAcknowledgment(source_id="a", po_number=target.number, response="accept", note="ok", last_update=NOW)
    assert sink.write(ack, None) == str(target.order["POHeaderId"])
    stored = pod.simulator.acknowledgment(target.order["POHeaderId"])
    assert stored is not None and (stored["AcknowledgmentResponse"], stored["AcknowledgmentNote"]) == ("Accept", "ok")
    assert pod.simulator.written_stats()["purchaseOrderAcknowledgments"].duplicates == 0


def test_an_acknowledgment_patch_refused_with_a_5xx_is_read_back_and_sent_again(pod: Pod) -> None:
    target = by_quantity(pod.url)
    sink = FusionAcknowledgmentSink(pod.client)
    fault(pod, status=503, times=1, method="PATCH", path_contains="/purchaseOrderAcknowledgments")
    ack = POAcknowledgment(source_id="a", po_number=target.number, response="reject", last_update=NOW)
    assert sink.write(ack, None) == str(target.order["POHeaderId"])
    stored = pod.simulator.acknowledgment(target.order["POHeaderId"])
    assert stored is not None and stored["AcknowledgmentResponse"] == "Reject"
    assert pod.simulator.written_stats()["purchaseOrderAcknowledgments"].duplicates == 0


def test_acknowledgment_success_statuses_and_unknown_orders() -> None:
    settings = FusionSimSettings(acknowledgment_patch_status=204)
    with running_pod(settings, acknowledgment_success_statuses="200") as pod:
        target = targets(pod.url)[0]
        sink = FusionAcknowledgmentSink(pod.client)
        ack = POAcknowledgment(source_id="a", po_number=target.number, response="reject", last_update=NOW)
        with pytest.raises(RequestRejected, match=f"purchase order {target.number}: Fusion answered 204"):
            sink.write(ack, None)
        with pytest.raises(WaitsOnTarget) as waits:
            sink.write(ack.model_copy(update={"po_number": "NO-SUCH-PO"}), None)
    assert waits.value.waits_on == ("po:NO-SUCH-PO",)
