"""Fusion's half of two-way reference data (sync/ports.py ReferenceSide): suppliers with their addresses, the
values of the cost-center value set, and account combinations, as the shared views of records/shared.py.

Reads reuse the one-way mappings (documented names with the profile's overrides). Writes PATCH only what differs:
a PATCH sets values, so sending it again changes nothing, and it is retried like a read. Nothing is created
here: a supplier, address or value Fusion does not hold is refused, naming it. A record that fails its mapping
is left out of `read_all` and its reason kept in `skipped`, so one bad row never stops the others.
"""

import json
from datetime import date, datetime
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel

from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.links import link
from ml_connector_dagster.fusion.reference import CostCenterMapping, GLAccountMapping, Today, utc_today
from ml_connector_dagster.fusion.resources import WholeResource
from ml_connector_dagster.fusion.suppliers import SupplierMapping
from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.records import InvalidRecord, Supplier
from ml_connector_dagster.records.shared import AddressView, SupplierView, ValueView
from ml_connector_dagster.sync.ports import SideRecord

SYSTEM = "fusion"
ADDRESSES = "addresses"
VALUES = "values"
# [unverified] Value set values are taken to carry Fusion's who-column LastUpdateDate (the docs show their
# CreationDate): a pod that does not send it gives no change time (None), which the engine allows.
VALUE_CHANGED_AT = "LastUpdateDate"
_ADDRESS_FIELDS = ("address_line1", "city", "postal_code", "country")
View = TypeVar("View", bound=BaseModel)


def _patch(client: FusionClient, path: str, body: dict[str, Any], what: str) -> None:
    content = json.dumps(body).encode("utf-8")
    try:
        # Idempotent: sent with a read's retries (429, 5xx, a dropped connection), never judged unknown.
        client.http.send("PATCH", path, write=False, content=content, headers={"Content-Type": "application/json"})
    except RequestRejected as exc:
        reason = str(exc).removeprefix(f"{SYSTEM}: ")
        raise RequestRejected(SYSTEM, f"{what}: {reason}", exc.status, exc.code) from None


def _of_type(view: BaseModel | None, kind: type[View]) -> View | None:
    if view is not None and not isinstance(view, kind):
        raise TypeError(f"expected a {kind.__name__}, got a {type(view).__name__}")
    return view


class _HeldSupplier(NamedTuple):
    supplier_id: int
    address_ids: dict[str, int]  # by AddressName


def supplier_view(supplier: Supplier) -> SupplierView:
    """The shared view of a Fusion supplier; InvalidRecord when its status or address names do not fit one."""
    number = supplier.supplier_number
    if supplier.status not in ("ACTIVE", "INACTIVE"):
        raise InvalidRecord(number, f"supplier {number}: Status {supplier.status!r} is neither ACTIVE nor INACTIVE")
    names = [address.address_name for address in supplier.addresses]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InvalidRecord(number, f"supplier {number}: address names {repeated} are not unique")
    addresses = tuple(
        AddressView(
            address_name=address.address_name,
            address_line1=address.address_line1 or None,
            city=address.city or None,
            postal_code=address.postal_code or None,
            country=address.country or None,
        )
        for address in sorted(supplier.addresses, key=lambda each: each.address_name)
    )
    return SupplierView(supplier_number=number, name=supplier.name, status=supplier.status, addresses=addresses)


class FusionSupplierSide:
    """Suppliers by supplier number: name and status (`PATCH suppliers/{SupplierId}`), and each address by its
    AddressName (`PATCH suppliers/{SupplierId}/child/addresses/{SupplierAddressId}`)."""

    system = SYSTEM
    writable = True

    def __init__(self, client: FusionClient, mapping: SupplierMapping | None = None) -> None:
        self._client = client
        self.mapping = mapping or SupplierMapping(client.connection.attribute_names)
        resource = self.mapping.resource
        self._resource = WholeResource(resource.name, resource.key)
        self._addresses = next(child for child in resource.children if child.name == ADDRESSES)
        self._held: dict[str, _HeldSupplier] = {}
        self.skipped: list[str] = []

    def read_all(self) -> dict[str, SideRecord]:
        expand = ADDRESSES if self._client.connection.children == "expand" else None
        records: dict[str, SideRecord] = {}
        held: dict[str, _HeldSupplier] = {}
        skipped: list[str] = []
        for raw in self._client.iter_all(self._resource, expand):
            try:
                supplier, _ = self.mapping.convert(self._client.complete(raw, (self._addresses,)))
                view = supplier_view(supplier)
            except InvalidRecord as exc:
                skipped.append(exc.reason)
                continue
            records[view.key] = SideRecord(view, supplier.last_update_date)
            ids = {address.address_name: address.address_id for address in supplier.addresses}
            held[view.key] = _HeldSupplier(supplier.source_id, ids)
        self._held, self.skipped = held, skipped
        return records

    def write(self, view: BaseModel, current: BaseModel | None) -> None:
        wanted = _of_type(view, SupplierView)
        now = _of_type(current, SupplierView)
        assert wanted is not None
        number = wanted.supplier_number
        held = self._held.get(number)
        if now is None or held is None:
            raise RequestRejected(
                SYSTEM, f"supplier {number}: Fusion holds no such supplier, and suppliers are not created here"
            )
        addresses = {address.address_name: address for address in now.addresses}
        for address in wanted.addresses:
            if address.address_name not in held.address_ids:
                raise RequestRejected(
                    SYSTEM,
                    f"supplier {number} address {address.address_name}: Fusion holds no such address, and "
                    "addresses are not created here",
                )
        dropped = sorted(set(addresses) - {address.address_name for address in wanted.addresses})
        if dropped:
            raise RequestRejected(
                SYSTEM, f"supplier {number} addresses {dropped}: Fusion holds them, and they are not removed here"
            )
        name = self.mapping.attribute
        header: dict[str, Any] = {}
        if wanted.name != now.name:
            header[name(self.mapping.root.resource, "name")] = wanted.name
        if wanted.status != now.status:
            header[name(self.mapping.root.resource, "status")] = wanted.status
        path = f"{self._resource.name}/{held.supplier_id}"
        if header:
            _patch(self._client, path, header, f"supplier {number}")
        for address in wanted.addresses:
            before = addresses[address.address_name]
            body = {
                name(ADDRESSES, field): getattr(address, field)
                for field in _ADDRESS_FIELDS
                if getattr(address, field) != getattr(before, field)
            }
            if body:
                address_path = f"{path}/child/{ADDRESSES}/{held.address_ids[address.address_name]}"
                _patch(self._client, address_path, body, f"supplier {number} address {address.address_name}")


class _HeldValue(NamedTuple):
    href: str | None  # the item's self link: value set paths may be keyed by hashes clients must not build
    flag: bool  # EnabledFlag as held, apart from the active dates
    yes_no: bool  # whether the pod sends flags as "Y"/"N" (sent back the same way)
    start: date | None
    end: date | None


def _changed_at(raw: dict[str, Any]) -> datetime | None:
    text = raw.get(VALUE_CHANGED_AT)
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


class FusionCostCenterSide:
    """The values of the cost-center value set (connection.cost_center_value_set) by value: description, and
    enabled as the cost-center flow counts it (EnabledFlag, and today within the active dates)."""

    system = SYSTEM
    writable = True

    def __init__(
        self, client: FusionClient, mapping: CostCenterMapping | None = None, today: Today = utc_today
    ) -> None:
        self._client = client
        connection = client.connection
        self.mapping = mapping or CostCenterMapping(connection.cost_center_value_set, connection.attribute_names)
        self._today = today
        self._held: dict[str, _HeldValue] = {}
        self.skipped: list[str] = []

    def read_all(self) -> dict[str, SideRecord]:
        today = self._today()
        flag_attribute = self.mapping.rows.attribute(VALUES, "enabled")
        records: dict[str, SideRecord] = {}
        held: dict[str, _HeldValue] = {}
        skipped: list[str] = []
        for raw in self._client.iter_value_set(self.mapping.value_set_code, self.mapping.key):
            try:
                row, _ = self.mapping.rows.convert(raw)
            except InvalidRecord as exc:
                skipped.append(exc.reason)
                continue
            view = ValueView(value=row.value, description=row.description or None, enabled=row.active(today))
            records[view.key] = SideRecord(view, _changed_at(raw))
            yes_no = isinstance(raw.get(flag_attribute), str)
            held[view.key] = _HeldValue(
                link(raw, "self"), row.enabled, yes_no, row.start_date_active, row.end_date_active
            )
        self._held, self.skipped = held, skipped
        return records

    def write(self, view: BaseModel, current: BaseModel | None) -> None:
        wanted = _of_type(view, ValueView)
        now = _of_type(current, ValueView)
        assert wanted is not None
        what = f"cost center {wanted.value} of value set {self.mapping.value_set_code}"
        held = self._held.get(wanted.value)
        if now is None or held is None:
            raise RequestRejected(SYSTEM, f"{what}: Fusion holds no such value, and values are not created here")
        name = self.mapping.rows.attribute
        body: dict[str, Any] = {}
        if wanted.description != now.description:
            body[name(VALUES, "description")] = wanted.description
        if wanted.enabled != now.enabled:
            if held.flag != wanted.enabled:
                body[name(VALUES, "enabled")] = ("Y" if wanted.enabled else "N") if held.yes_no else wanted.enabled
            if wanted.enabled:
                # Enabled means usable today: open whichever active date keeps the value out of use.
                today = self._today()
                if held.start is not None and held.start > today:
                    body[name(VALUES, "start_date_active")] = None
                if held.end is not None and held.end < today:
                    body[name(VALUES, "end_date_active")] = None
        if not body:
            return
        if held.href is None:
            raise RequestRejected(
                SYSTEM, f"{what}: the value came without a self link (links must not be switched off)"
            )
        _patch(self._client, held.href, body, what)


class FusionGLValueSide:
    """Account combinations (accountCombinationsLOV) by combination, as the GL flow builds it. Read only: Fusion
    offers no REST write of account combinations."""

    system = SYSTEM
    writable = False

    def __init__(self, client: FusionClient, mapping: GLAccountMapping | None = None) -> None:
        self._client = client
        connection = client.connection
        self.mapping = mapping or GLAccountMapping(
            connection.attribute_names, connection.gl_segment_attributes, connection.segment_delimiter
        )
        self.skipped: list[str] = []

    def read_all(self) -> dict[str, SideRecord]:
        records: dict[str, SideRecord] = {}
        skipped: list[str] = []
        for raw in self._client.iter_all(self.mapping.resource):
            try:
                account, _ = self.mapping.convert(raw)
            except InvalidRecord as exc:
                skipped.append(exc.reason)
                continue
            view = ValueView(value=account.combination, description=None, enabled=account.enabled)
            records[view.key] = SideRecord(view, None)
        self.skipped = skipped
        return records

    def write(self, view: BaseModel, current: BaseModel | None) -> None:
        key = view.key if isinstance(view, ValueView) else type(view).__name__
        raise RequestRejected(
            SYSTEM, f"GL value {key}: Fusion's account combinations are read-only through REST; change them in Fusion"
        )
