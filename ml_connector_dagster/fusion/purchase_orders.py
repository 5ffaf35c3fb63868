"""Fusion purchase order JSON ↔ the canonical PurchaseOrder, with errors that name record and field."""

from typing import Any

from pydantic import BaseModel, ValidationError

from ml_connector_dagster.records import InvalidRecord, PODistribution, POLine, POSchedule, PurchaseOrder

# Canonical field → Fusion attribute, per level. Error messages speak Fusion's names: that is what the
# person fixing the record sees in Oracle.
_HEADER = {
    "source_id": "POHeaderId",
    "order_number": "OrderNumber",
    "supplier": "Supplier",
    "supplier_id": "SupplierId",
    "supplier_site": "SupplierSite",
    "procurement_bu": "ProcurementBU",
    "bill_to_bu": "BillToBU",
    "buyer": "Buyer",
    "currency_code": "CurrencyCode",
    "status": "Status",
    "total": "Total",
    "creation_date": "CreationDate",
    "last_update_date": "LastUpdateDate",
}
_LINE = {
    "line_id": "POLineId",
    "line_number": "LineNumber",
    "description": "ItemDescription",
    "quantity": "Quantity",
    "unit_price": "UnitPrice",
    "uom": "UOM",
    "amount": "Amount",
}
_SCHEDULE = {
    "line_location_id": "LineLocationId",
    "schedule_number": "ScheduleNumber",
    "quantity": "Quantity",
    "amount": "Amount",
    "need_by_date": "RequestedDeliveryDate",
}
_DISTRIBUTION = {
    "distribution_id": "PODistributionId",
    "distribution_number": "DistributionNumber",
    "quantity": "Quantity",
    "amount": "Amount",
    "charge_account_id": "POChargeAccountId",
    "charge_account": "POChargeAccount",
}
_LEVELS: dict[type[BaseModel], tuple[dict[str, str], str | None]] = {
    PurchaseOrder: (_HEADER, "lines"),
    POLine: (_LINE, "schedules"),
    POSchedule: (_SCHEDULE, "distributions"),
    PODistribution: (_DISTRIBUTION, None),
}
_CHILD_MODEL: dict[str, type[BaseModel]] = {"lines": POLine, "schedules": POSchedule, "distributions": PODistribution}


def record_key(raw: dict[str, Any]) -> str:
    return str(raw.get("POHeaderId") or raw.get("OrderNumber") or "<no POHeaderId>")


def to_purchase_order(raw: dict[str, Any]) -> PurchaseOrder:
    """Raises InvalidRecord naming the order and every offending Fusion attribute."""
    try:
        return PurchaseOrder.model_validate(_canonical(raw, PurchaseOrder))
    except ValidationError as exc:
        problems = "; ".join(_describe(raw, error) for error in exc.errors(include_url=False))
        label = f"purchase order {raw.get('OrderNumber', '?')} (POHeaderId {raw.get('POHeaderId', '?')})"
        raise InvalidRecord(record_key(raw), f"{label}: {problems}") from None


def _canonical(raw: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    fields, child = _LEVELS[model]
    data = {name: raw[attr] for name, attr in fields.items() if attr in raw and raw[attr] is not None}
    if child is not None:
        data[child] = [_canonical(row, _CHILD_MODEL[child]) for row in raw.get(child, [])]
    return data


def _describe(raw: dict[str, Any], error: Any) -> str:
    """Turns pydantic's ('lines', 0, 'quantity') into Fusion's lines[LineNumber 1].Quantity."""
    path: list[str] = []
    node: Any = raw
    model: type[BaseModel] = PurchaseOrder
    location = list(error["loc"])
    while location:
        step = location.pop(0)
        fields, child = _LEVELS[model]
        if step == child and location and isinstance(location[0], int):
            index = location.pop(0)
            node = node.get(child, [])[index] if isinstance(node, dict) else {}
            number = _row_number(node, _CHILD_MODEL[child])
            path.append(f"{child}[{number}]")
            model = _CHILD_MODEL[child]
        else:
            path.append(fields.get(str(step), str(step)))
    attribute = ".".join(path)
    if error["type"] == "missing":
        return f"{attribute} is missing"
    return f"{attribute} {_lower_first(error['msg'])} (got {str(error.get('input'))[:60]!r})"


def _row_number(row: dict[str, Any], model: type[BaseModel]) -> str:
    numbered = {POLine: "LineNumber", POSchedule: "ScheduleNumber", PODistribution: "DistributionNumber"}
    attr = numbered.get(model)
    return f"{attr} {row.get(attr)}" if attr and isinstance(row, dict) else "?"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
