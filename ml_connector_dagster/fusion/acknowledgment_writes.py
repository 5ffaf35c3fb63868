"""PO acknowledgments → `PATCH purchaseOrderAcknowledgments/{POHeaderId}`, then one PATCH per schedule answered
(`…/child/schedules/{LineLocationId}`); the target id is the order's POHeaderId.

The acknowledgment Fusion holds is read first (`?expand=schedules`), and only the answers that differ are sent:
a run resumed after a kill, or an answer lost on the way back, re-sends nothing Fusion already holds. A PATCH
whose answer was lost is judged by reading the acknowledgment again, never by sending it twice."""

import json
from typing import Any

from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.order_lookup import OrderLookup
from ml_connector_dagster.http.errors import ConnectorHttpError, RequestRejected, WriteOutcomeUnknown
from ml_connector_dagster.records import POAcknowledgment
from ml_connector_dagster.records.errors import WaitsOnTarget

SYSTEM = "fusion"
# Sends of one PATCH whose outcome stays unknown (5xx, a dropped connection), each after reading it was not applied.
_SENDS = 3


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
        what = f"acknowledgment of purchase order {number}"
        wanted = {header: self._body(ack.response, ack.note)}
        for schedule in ack.schedules:
            location = order.schedule_id(schedule.po_line_number, schedule.po_schedule_number)
            wanted[f"{header}/child/schedules/{location}"] = self._body(schedule.response, schedule.note)
        for path in self._differing(header, wanted):
            self._patch(header, path, wanted, what)
        return str(order.po_header_id)

    def _body(self, response: str, note: str | None) -> dict[str, str | None]:
        # A later answer replaces the earlier one, note included: a note left out is sent as null, clearing it.
        return {"AcknowledgmentResponse": self._responses[response], "AcknowledgmentNote": note}

    def _differing(self, header: str, wanted: dict[str, dict[str, str | None]]) -> list[str]:
        """The paths whose answer Fusion does not hold yet, header first."""
        item = self._client.http.get_json(header, params={"expand": "schedules"})
        held: dict[str, dict[str, Any]] = {header: item}
        for schedule in _items(item.get("schedules")):
            held[f"{header}/child/schedules/{schedule.get('LineLocationId')}"] = schedule
        return [path for path, body in wanted.items() if any(held.get(path, {}).get(k) != v for k, v in body.items())]

    def _patch(self, header: str, path: str, wanted: dict[str, dict[str, str | None]], what: str) -> None:
        content = json.dumps(wanted[path]).encode("utf-8")
        for attempt in range(1, _SENDS + 1):
            try:
                answer = self._client.http.send(
                    "PATCH", path, write=True, content=content, headers={"Content-Type": "application/json"}
                )
            except WriteOutcomeUnknown as unknown:
                # Applied or not, Fusion's acknowledgment says; not applied, it is sent again. Still unknown after
                # that, the intent stays open and the next run reads the acknowledgment first.
                try:
                    applied = path not in self._differing(header, wanted)
                except ConnectorHttpError:
                    raise unknown from None
                if applied:
                    return
                if attempt == _SENDS:
                    raise
                continue
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
            return


def _items(value: Any) -> list[dict[str, Any]]:
    """A child collection as Fusion expands it: a list, or `{items: [...]}`."""
    if isinstance(value, dict):
        value = value.get("items")
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
