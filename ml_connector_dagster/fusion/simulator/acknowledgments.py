"""`purchaseOrderAcknowledgments`: a supplier's answer to each purchase order and each of its schedules. The
pod keeps one per order, made from the order when first asked for (so seeding large pods costs nothing), and
changes it on `PATCH …/{POHeaderId}` and `PATCH …/{POHeaderId}/child/schedules/{LineLocationId}`."""

from pydantic import BaseModel, ConfigDict

from ml_connector_dagster.fusion.simulator.errors import SimError, not_found
from ml_connector_dagster.fusion.simulator.rows import Row, Value
from ml_connector_dagster.fusion.simulator.schema import ACKNOWLEDGMENT_SCHEDULES, ACKNOWLEDGMENTS, PURCHASE_ORDERS
from ml_connector_dagster.fusion.simulator.store import PodStore
from ml_connector_dagster.fusion.simulator.writes import stamp_now, validated

RECORD = "Purchase order acknowledgment"


class AcknowledgmentIn(BaseModel):
    # Everything else of an acknowledgment is the order's: a PATCH naming it is refused, as read-only.
    model_config = ConfigDict(extra="forbid")

    AcknowledgmentResponse: str | None = None
    AcknowledgmentNote: str | None = None


def sync_acknowledgments(store: PodStore) -> None:
    """Gives every purchase order its acknowledgment (the caller holds the store's lock)."""
    orders, acknowledgments = store.tables[PURCHASE_ORDERS.name], store.tables[ACKNOWLEDGMENTS.name]
    if len(acknowledgments) < len(orders):
        acknowledgments.add([_of(order) for order in orders.rows() if acknowledgments.get(order.key) is None])


def acknowledge(store: PodStore, segments: list[str], body: dict[str, object], responses: list[str]) -> None:
    """Applies a PATCH to `segments` (`[key]` or `[key, "child", "schedules", LineLocationId]`); `responses`
    are the AcknowledgmentResponse values the pod takes, matched whatever their case."""
    change = validated(AcknowledgmentIn, body, RECORD)
    sync_acknowledgments(store)
    header = store.tables[ACKNOWLEDGMENTS.name].find(segments[0])
    if header is None:
        raise not_found(segments[0])
    target = header
    if len(segments) > 1:
        if len(segments) != 4 or segments[1:3] != ["child", ACKNOWLEDGMENT_SCHEDULES.name]:
            raise not_found("/".join(segments[1:]))
        target = next((row for row in header.children[0] if str(row.key) == segments[3]), None)
        if target is None:
            raise not_found(segments[3])
    attrs: dict[str, Value] = {}
    if change.AcknowledgmentResponse is not None:
        attrs["AcknowledgmentResponse"] = _response(change.AcknowledgmentResponse, responses)
    if "AcknowledgmentNote" in change.model_fields_set:
        attrs["AcknowledgmentNote"] = change.AcknowledgmentNote
    if all(target.attrs.get(name) == value for name, value in attrs.items()):
        store.unchanged_acknowledgments += 1
        return
    target.attrs.update(attrs)
    header.attrs["LastUpdateDate"] = stamp_now()


def _response(given: str, responses: list[str]) -> str:
    known = {response.lower(): response for response in responses}
    if given.lower() not in known:
        raise SimError(
            400,
            f"{RECORD} attribute AcknowledgmentResponse: {given!r} is not one of {responses}.",
            "AcknowledgmentResponse",
            "SIM-ATTRIBUTE",
        )
    return known[given.lower()]


def _of(order: Row) -> Row:
    attrs = order.attrs
    schedules = [
        Row(
            ACKNOWLEDGMENT_SCHEDULES.id,
            schedule.key,
            {
                "LineLocationId": schedule.key,
                "LineNumber": line.attrs.get("LineNumber"),
                "ScheduleNumber": schedule.attrs.get("ScheduleNumber"),
                "Quantity": schedule.attrs.get("Quantity"),
                "Amount": schedule.attrs.get("Amount"),
                "AcknowledgmentResponse": None,
                "AcknowledgmentNote": None,
            },
        )
        for line in order.children[0]
        for schedule in line.children[0]
    ]
    header: dict[str, Value] = {
        "POHeaderId": order.key,
        **{name: attrs.get(name) for name in ("OrderNumber", "Supplier", "SupplierId", "ProcurementBU")},
        "AcknowledgmentResponse": None,
        "AcknowledgmentNote": None,
        "LastUpdateDate": attrs.get("LastUpdateDate"),
    }
    return Row(ACKNOWLEDGMENTS.id, order.key, header, (tuple(sorted(schedules, key=lambda row: row.key)),))
