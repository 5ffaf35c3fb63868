"""Fusion purchase order JSON → the canonical PurchaseOrder, with errors that name record and attribute.

The attribute names are Oracle's documented ones; a pod that differs is described per profile
(`attribute_names`), never patched here. An attribute the pod did not send is never a silent null: a required
one quarantines the record naming it, an optional one is counted and reported.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ml_connector_dagster.fusion.resources import UNREADABLE_CHILDREN, ChildCollection, WindowedResource
from ml_connector_dagster.records import InvalidRecord, PODistribution, POLine, POSchedule, PurchaseOrder


@dataclass(frozen=True)
class _Level:
    """One level of the purchase order tree: its Fusion resource and canonical model."""

    resource: str
    model: type[BaseModel]
    attributes: dict[str, str]  # canonical field → documented Fusion attribute
    key: str  # canonical field holding the level's primary key
    number: str | None  # canonical field that names a row in messages (LineNumber 2)
    child: str | None  # canonical field, and Fusion child resource, holding the level below


# Error messages speak Fusion's names: that is what the person fixing the record sees in Oracle.
_LEVELS: tuple[_Level, ...] = (
    _Level(
        "purchaseOrders",
        PurchaseOrder,
        {
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
        },
        "source_id",
        None,
        "lines",
    ),
    _Level(
        "lines",
        POLine,
        {
            "line_id": "POLineId",
            "line_number": "LineNumber",
            "description": "Description",
            "quantity": "Quantity",
            "unit_price": "Price",
            "uom": "UOM",
            "amount": "Amount",
        },
        "line_id",
        "line_number",
        "schedules",
    ),
    _Level(
        "schedules",
        POSchedule,
        {
            "line_location_id": "LineLocationId",
            "schedule_number": "ScheduleNumber",
            "quantity": "Quantity",
            "amount": "Amount",
            "need_by_date": "RequestedDeliveryDate",
        },
        "line_location_id",
        "schedule_number",
        "distributions",
    ),
    _Level(
        "distributions",
        PODistribution,
        {
            "distribution_id": "PODistributionId",
            "distribution_number": "DistributionNumber",
            "quantity": "Quantity",
            "amount": "Amount",
            "charge_account_id": "POChargeAccountId",
            "charge_account": "POChargeAccount",
        },
        "distribution_id",
        "distribution_number",
        None,
    ),
)
_BY_RESOURCE = {level.resource: level for level in _LEVELS}
_BY_CHILD = {level.child: _BY_RESOURCE[level.child] for level in _LEVELS if level.child}


def documented_attributes() -> list[str]:
    """Every `<resource>.<attribute>` the mapping reads: the keys `attribute_names` may override."""
    return [f"{level.resource}.{attribute}" for level in _LEVELS for attribute in level.attributes.values()]


def check_attribute_overrides(overrides: Mapping[str, str]) -> None:
    known = set(documented_attributes())
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(
            f"unknown attribute {', '.join(unknown)}: use <resource>.<documented attribute>, one of "
            + ", ".join(sorted(known))
        )


@dataclass(frozen=True)
class AttributeNeed:
    resource: str
    attribute: str  # as this pod names it
    required: bool


class PurchaseOrderMapping:
    """Reads one pod's purchase orders: documented names, with the profile's overrides applied."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        overrides = dict(overrides or {})
        check_attribute_overrides(overrides)
        self._names: dict[str, dict[str, str]] = {
            level.resource: {
                field: overrides.get(f"{level.resource}.{attribute}", attribute)
                for field, attribute in level.attributes.items()
            }
            for level in _LEVELS
        }

    def attribute(self, resource: str, field: str) -> str:
        return self._names[resource][field]

    @property
    def resource(self) -> WindowedResource:
        header = _LEVELS[0]
        return WindowedResource(
            name=header.resource,
            key=self.attribute(header.resource, header.key),
            changed_at=self.attribute(header.resource, "last_update_date"),
            children=self._children(header),
        )

    def needs(self) -> list[AttributeNeed]:
        """Every attribute read, and whether a record without it is quarantined (required) or counted."""
        return [
            AttributeNeed(
                level.resource, self._names[level.resource][field], level.model.model_fields[field].is_required()
            )
            for level in _LEVELS
            for field in level.attributes
        ]

    def record_key(self, raw: Mapping[str, Any]) -> str:
        header = _LEVELS[0]
        value = raw.get(self.attribute(header.resource, "source_id")) or raw.get(
            self.attribute(header.resource, "order_number")
        )
        return str(value or "<no POHeaderId>")

    def convert(self, raw: Mapping[str, Any]) -> tuple[PurchaseOrder, list[str]]:
        """The canonical order and the optional attributes it lacked (`lines.Price` once per line lacking it).

        Raises InvalidRecord naming the order and every offending Fusion attribute.
        """
        if UNREADABLE_CHILDREN in raw:
            reason = f"its lines, schedules or distributions could not be read: {raw[UNREADABLE_CHILDREN]}"
            raise InvalidRecord(self.record_key(raw), f"{self._label(raw)}: {reason}")
        missing: list[str] = []
        data = self._canonical(raw, _LEVELS[0], missing)
        try:
            return PurchaseOrder.model_validate(data), missing
        except ValidationError as exc:
            problems = "; ".join(self._describe(raw, error) for error in exc.errors(include_url=False))
            raise InvalidRecord(self.record_key(raw), f"{self._label(raw)}: {problems}") from None

    def _label(self, raw: Mapping[str, Any]) -> str:
        header = _LEVELS[0].resource
        return (
            f"purchase order {raw.get(self.attribute(header, 'order_number'), '?')} "
            f"(POHeaderId {raw.get(self.attribute(header, 'source_id'), '?')})"
        )

    def _children(self, level: _Level) -> tuple[ChildCollection, ...]:
        if level.child is None:
            return ()
        below = _BY_CHILD[level.child]
        return (ChildCollection(below.resource, self.attribute(below.resource, below.key), self._children(below)),)

    def _canonical(self, raw: Mapping[str, Any], level: _Level, missing: list[str]) -> dict[str, Any]:
        names = self._names[level.resource]
        data: dict[str, Any] = {}
        for field, attribute in names.items():
            if attribute not in raw:
                if not level.model.model_fields[field].is_required():
                    missing.append(f"{level.resource}.{attribute}")
                continue
            if raw[attribute] is not None:
                data[field] = raw[attribute]
        if level.child is not None:
            rows = raw.get(level.child) or []
            data[level.child] = [
                self._canonical(row, _BY_CHILD[level.child], missing) if isinstance(row, Mapping) else row
                for row in rows
            ]
        return data

    def _describe(self, raw: Mapping[str, Any], error: Any) -> str:
        """Turns pydantic's ('lines', 0, 'quantity') into Fusion's lines[LineNumber 1].Quantity."""
        path: list[str] = []
        node: Any = raw
        level = _LEVELS[0]
        location = list(error["loc"])
        attribute = ""
        while location:
            step = location.pop(0)
            if step == level.child and location and isinstance(location[0], int):
                index = location.pop(0)
                node = node.get(level.child, [])[index] if isinstance(node, Mapping) else {}
                level = _BY_CHILD[level.child]
                path.append(f"{level.resource}[{self._row_label(node, level)}]")
            else:
                attribute = self._names[level.resource].get(str(step), str(step))
                path.append(attribute)
        where = ".".join(path)
        if error["type"] == "missing":
            sent_null = isinstance(node, Mapping) and attribute in node
            return f"{where} is {'empty' if sent_null else 'missing (the pod did not send it)'}"
        return f"{where} {_lower_first(error['msg'])} (got {str(error.get('input'))[:60]!r})"

    def _row_label(self, row: Any, level: _Level) -> str:
        if level.number is None or not isinstance(row, Mapping):
            return "?"
        attribute = self._names[level.resource][level.number]
        return f"{attribute} {row.get(attribute)}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
