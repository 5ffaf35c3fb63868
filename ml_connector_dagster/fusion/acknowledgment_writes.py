"""PO acknowledgments → `PATCH purchaseOrderAcknowledgments/{POHeaderId}`, then one PATCH per schedule answered
(`…/child/schedules/{LineLocationId}`). A PATCH sets values, so sending it again changes nothing: it is
retried like a read, and the target id is the order's POHeaderId."""

import json

from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.order_lookup import OrderLookup
from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.records import POAcknowledgment
from ml_connector_dagster.records.errors import WaitsOnTarget

SYSTEM = "fusion"


class AcknowledgmentWriter:
    def __init__(self, client: FusionClient, orders: OrderLookup) -> None:
        self._client = client
        self._orders = orders
        connection = client.connection
        self._resource = connection.acknowledgments_resource
        self._responses = connection.acknowledgment_responses
        self._success = frozenset(connection.acknowledgment_success_statuses)

    def find(self, po_numbers: list[str]) -> dict[str, str]:
        """The POHeaderId of each order Fusion holds: what an acknowledgment of it is written to."""
        return {number: str(facts.po_header_id) for number, facts in self._orders.orders(po_numbers).items()}

    def write(self, ack: POAcknowledgment) -> str:
        number = ack.po_number
        order = self._orders.orders([number]).get(number)
        if order is None:
            reason = f"acknowledgment of purchase order {number}: the order is not in Fusion"
            raise WaitsOnTarget(reason, (f"po:{number}",))
        gaps = [gap for s in ack.schedules if (gap := order.lacks(s.po_line_number, s.po_schedule_number))]
        if gaps:
            raise WaitsOnTarget(f"acknowledgment of purchase order {number}: {'; '.join(gaps)}", (f"po:{number}",))
        header = f"{self._resource}/{order.po_header_id}"
        self._patch(header, ack.response, ack.note, f"acknowledgment of purchase order {number}")
        for schedule in ack.schedules:
            location = order.schedule_id(schedule.po_line_number, schedule.po_schedule_number)
            what = (
                f"acknowledgment of purchase order {number} line {schedule.po_line_number} "
                f"schedule {schedule.po_schedule_number}"
            )
            self._patch(f"{header}/child/schedules/{location}", schedule.response, schedule.note, what)
        return str(order.po_header_id)

    def _patch(self, path: str, response: str, note: str | None, what: str) -> None:
        # A later answer replaces the earlier one, note included: a note left out is sent as null, clearing it.
        body = {"AcknowledgmentResponse": self._responses[response], "AcknowledgmentNote": note}
        content = json.dumps(body).encode("utf-8")
        try:
            # Idempotent: sent with a read's retries (429, 5xx, a dropped connection), never judged unknown.
            answer = self._client.http.send(
                "PATCH", path, write=False, content=content, headers={"Content-Type": "application/json"}
            )
        except RequestRejected as exc:
            reason = str(exc).removeprefix(f"{SYSTEM}: ")
            raise RequestRejected(SYSTEM, f"{what}: {reason}", exc.status, exc.code) from None
        if answer.status_code not in self._success:
            raise RequestRejected(
                SYSTEM,
                f"{what}: Fusion answered {answer.status_code}, which acknowledgment_success_statuses "
                f"({sorted(self._success)}) does not count as success",
                answer.status_code,
            )
