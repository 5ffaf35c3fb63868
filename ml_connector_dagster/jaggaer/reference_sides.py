"""JAGGAER's half of two-way reference data (sync/ports.py ReferenceSide): company profiles as SupplierViews,
custom-field values as ValueViews.

What a side writes must read back as an equal view, or the engine would see its own writes as changes: reading
and writing go through the same member names here, and a text member that is empty reads as None.

A profile's CREATEUPDATE replaces its whole addressList, so a supplier write first reads the stored profile
again and sends each address back with the members this side does not manage (address2, state, …) as stored.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.jaggaer.answers import Document, optional_identifier
from ml_connector_dagster.jaggaer.client import JaggaerClient
from ml_connector_dagster.jaggaer.connection import SYSTEM
from ml_connector_dagster.jaggaer.listing import document_time, fiql_filter
from ml_connector_dagster.records.shared import AddressView, SupplierView, ValueView
from ml_connector_dagster.sync.ports import SideRecord

View = TypeVar("View", bound=BaseModel)
_CHANGED_AT = ("lastModTime",)
_EXT_CODE_PLACES = (("extCode",), ("companyInfo", "extCode"))
# AddressView member ← the companyInfo address member it is read from and written to.
_ADDRESS_MEMBERS = {
    "address_line1": "address",
    "city": "city",
    "postal_code": "zip",
    "country": "isoCountry",
}


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _info(document: Document) -> Document:
    """The companyInfo of a listed profile: its members sit at the top or inside `companyInfo`."""
    inner = document.get("companyInfo")
    return inner if isinstance(inner, dict) else document


def _addresses(info: Document, what: str) -> list[Document]:
    holder = info.get("addressList")
    found = holder.get("address") if isinstance(holder, dict) else None
    if found is None:
        return []
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise RequestRejected(SYSTEM, f"{what}: addressList.address is not a list of objects")
    return found


def _view(model: type[View], fields: Mapping[str, Any], what: str) -> View:
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise RequestRejected(SYSTEM, f"{what} cannot be read: {problems}") from None


def _status(info: Document, what: str) -> str:
    raw = _text(info.get("status"))
    status = "ACTIVE" if raw is None else raw.upper()
    if status not in ("ACTIVE", "INACTIVE"):
        raise RequestRejected(SYSTEM, f"{what} has status {raw!r}, neither ACTIVE nor INACTIVE")
    return status


def _supplier_view(document: Document, supplier_number: str) -> SupplierView:
    """The view of a listed company profile; addresses without an addressCode are not the ERP's and are left out."""
    info = _info(document)
    what = f"company {supplier_number}"
    addresses = [
        _view(
            AddressView,
            {"address_name": code, **{name: _text(address.get(member)) for name, member in _ADDRESS_MEMBERS.items()}},
            f"{what} address {code}",
        )
        for address in _addresses(info, what)
        if (code := _text(address.get("addressCode"))) is not None
    ]
    fields = {
        "supplier_number": supplier_number,
        "name": _text(info.get("companyName")),
        "status": _status(info, what),
        "addresses": tuple(sorted(addresses, key=lambda address: address.address_name)),
    }
    return _view(SupplierView, fields, what)


def _merged_addresses(view: SupplierView, stored: list[Document]) -> list[Document]:
    """The view's addresses over the stored ones: members this side does not manage (address2, state, …) are
    kept per addressCode, addresses without a code are kept as they are, other codes are dropped."""
    by_code: dict[str, Document] = {}
    for address in stored:
        code = _text(address.get("addressCode"))
        if code is not None:
            by_code.setdefault(code, address)
    written = []
    for address in view.addresses:
        kept = {
            member: value
            for member, value in by_code.get(address.address_name, {}).items()
            if member not in _ADDRESS_MEMBERS.values()
        }
        managed = {member: getattr(address, name) for name, member in _ADDRESS_MEMBERS.items()}
        written.append(
            {**kept, "addressCode": address.address_name, **{m: v for m, v in managed.items() if v is not None}}
        )
    return written + [address for address in stored if _text(address.get("addressCode")) is None]


class JaggaerSupplierSide:
    """Company profiles keyed by extCode (the ERP supplier number); profiles without one are not the ERP's.
    With duplicate extCodes (made in JAGGAER) the first listed, the oldest, is the one CREATEUPDATE updates."""

    system = SYSTEM
    writable = True

    def __init__(self, client: JaggaerClient) -> None:
        self.client = client

    def read_all(self) -> dict[str, SideRecord]:
        found: dict[str, SideRecord] = {}
        for document in self.client.suppliers.iter_documents():
            number = optional_identifier(document, _EXT_CODE_PLACES)
            if number is not None and number not in found:
                found[number] = SideRecord(_supplier_view(document, number), document_time(document, _CHANGED_AT))
        return found

    def write(self, view: SupplierView, current: SupplierView | None) -> None:
        """CREATEUPDATE of the profile's name, status and addresses, when they differ from `current`. A stored
        profile is read again first, so the address members this side does not manage are sent back as they
        are now, not as they were when read_all ran."""
        if view == current:
            return
        number = view.supplier_number
        stored: list[Document] = []
        if current is not None:
            profiles = self.client.suppliers.iter(fiql_filter("extCode", [number]))
            profile = next((listed for listed in profiles if listed.supplier_number == number), None)
            stored = [] if profile is None else _addresses(_info(profile.document), f"company {number}")
        info = {
            "extCode": number,
            "companyName": view.name,
            "status": view.status,
            "addressList": {"address": _merged_addresses(view, stored)},
        }
        try:
            self.client.suppliers.upsert(info)
        except RequestRejected as error:
            # SupplierApi names the operation, not the record: the engine reports the record from this message.
            message = str(error).removeprefix(f"{SYSTEM}: ")
            raise RequestRejected(SYSTEM, f"company {number}: {message}", error.status, error.code) from None


class JaggaerValueSide:
    """The values of one custom field (cost centers or GL values) keyed by value code: description and active."""

    system = SYSTEM
    writable = True

    def __init__(self, client: JaggaerClient, field_name: str) -> None:
        self.client = client
        self.field_name = field_name

    def read_all(self) -> dict[str, SideRecord]:
        found: dict[str, SideRecord] = {}
        for listed in self.client.custom_fields.iter(self.field_name):
            if listed.field != self.field_name or listed.value in found:
                continue
            fields = {
                "value": listed.value,
                "description": _text(listed.document.get("description")),
                "enabled": listed.active,
            }
            view = _view(ValueView, fields, f"custom field {self.field_name!r} value {listed.value!r}")
            found[listed.value] = SideRecord(view, document_time(listed.document, _CHANGED_AT))
        return found

    def write(self, view: ValueView, current: ValueView | None) -> None:
        """CREATEUPDATE of the value when it differs from `current`."""
        if view == current:
            return
        # Omitted, a description may be kept by a tenant that merges writes; sent empty, it is cleared either way.
        clearing = view.description is None and current is not None and current.description is not None
        description = "" if clearing else view.description
        self.client.upsert_custom_field_value(self.field_name, view.value, description, view.enabled)


def cost_centers(client: JaggaerClient) -> JaggaerValueSide:
    return JaggaerValueSide(client, client.connection.cost_center_field)


def gl_values(client: JaggaerClient) -> JaggaerValueSide:
    return JaggaerValueSide(client, client.connection.gl_account_field)
