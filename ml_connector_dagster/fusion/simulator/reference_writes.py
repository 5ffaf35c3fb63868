"""PATCHes of reference data, as two-way sync sends them: a supplier's name and status
(`suppliers/{SupplierId}`), one of its addresses (`…/child/addresses/{SupplierAddressId}`), and a value of a
value set (`valueSets/{ValueSetId or ValueSetCode}/child/values/{ValueId}`).

[doc] Fusion documents PATCH on suppliers, their addresses and value set values, and the attributes written
here (`Supplier`, `Status`; `AddressLine1`, `City`, `PostalCode`, `Country`; `Description`, `EnabledFlag`,
`StartDateActive`, `EndDateActive`). [unverified] which other attributes a pod takes in a PATCH: this one refuses
every other attribute of the resource as read-only, and any name it does not serve as unknown, both as a 400
naming the attribute. A PATCH that changes something moves the supplier's LastUpdateDate (an address's too:
addresses have none of their own) or the value's; one that changes nothing moves nothing and is counted.
"""

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, NamedTuple

from ml_connector_dagster.fusion.simulator.errors import SimError, not_found
from ml_connector_dagster.fusion.simulator.rows import Row, Value
from ml_connector_dagster.fusion.simulator.schema import (
    ADDRESSES,
    SUPPLIERS,
    VALUE_SETS,
    VALUES,
    PodAttribute,
    ResourceSchema,
)
from ml_connector_dagster.fusion.simulator.store import PodStore

Served = Callable[[ResourceSchema], dict[str, PodAttribute]]
RECORDS = {SUPPLIERS.id: "Supplier", ADDRESSES.id: "Supplier address", VALUES.id: "Value set value"}
STATUSES = ("ACTIVE", "INACTIVE")


def _text(value: Any) -> Value:
    if value is not None and not isinstance(value, str):
        raise ValueError("must be text or null")
    return value or None  # Fusion keeps an emptied text attribute as null


def _name(value: Any) -> Value:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty name")
    return value


def _status(value: Any) -> Value:
    if value not in STATUSES:
        raise ValueError(f"must be one of {list(STATUSES)}")
    return str(value)


def _country(value: Any) -> Value:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 2 or not value.isalpha() or not value.isupper():
        raise ValueError("must be an ISO 3166 alpha-2 country code")
    return value


def _flag(value: Any) -> Value:
    # Taken in either form a pod serves flags in; stored as a boolean (rendering applies flag_format).
    if isinstance(value, bool):
        return value
    if value in ("Y", "N"):
        return value == "Y"
    raise ValueError('must be true, false, "Y" or "N"')


def _date(value: Any) -> Value:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise ValueError("must be a date (YYYY-MM-DD) or null") from None


# Per resource, the attributes a PATCH takes (by documented name) and how each value is checked and stored.
WRITABLE: dict[str, dict[str, Callable[[Any], Value]]] = {
    SUPPLIERS.id: {"Supplier": _name, "Status": _status},
    ADDRESSES.id: {"AddressLine1": _text, "City": _text, "PostalCode": _text, "Country": _country},
    VALUES.id: {"Description": _text, "EnabledFlag": _flag, "StartDateActive": _date, "EndDateActive": _date},
}


class Target(NamedTuple):
    """The row a PATCH changes, its schema, and the supplier whose LastUpdateDate moves with it (None for a
    value, which carries its own)."""

    schema: ResourceSchema
    row: Row
    supplier: Row | None


def find_target(store: PodStore, segments: list[str]) -> Target:
    """The supplier, address or value `segments` (below the version root) names; a 404 otherwise."""
    top = store.tables[segments[0]]
    parent = top.find(segments[1]) if len(segments) > 1 else None
    if parent is None:
        raise not_found("/".join(segments[:2]))
    if len(segments) == 2 and top.schema is SUPPLIERS:
        return Target(SUPPLIERS, parent, parent)
    child = top.schema.child(segments[3]) if len(segments) == 5 and segments[2] == "child" else None
    if child is None:
        raise not_found("/".join(segments[2:]))
    if child not in (ADDRESSES, VALUES):
        raise SimError(405, f"PATCH is not supported on {'/'.join(segments)}.", code="SIM-METHOD")
    rows = parent.children[top.schema.position(child)]
    row = next((each for each in rows if str(each.key) == segments[4]), None)
    if row is None:
        raise not_found(segments[4])
    return Target(child, row, parent if child is ADDRESSES else None)


def changes_of(target: Target, body: Mapping[str, Any], served: Served) -> dict[str, Value]:
    """The body's attributes by documented name, checked; a 400 naming the first refused attribute."""
    record = RECORDS[target.schema.id]
    attributes = served(target.schema)
    writable = WRITABLE[target.schema.id]
    changes: dict[str, Value] = {}
    for name, value in body.items():
        attribute = attributes.get(name)
        if attribute is None:
            raise SimError(400, f"{record} attribute {name} is not recognized.", name, "SIM-ATTRIBUTE")
        check = writable.get(attribute.documented)
        if check is None:
            raise SimError(400, f"{record} attribute {name} is read-only.", name, "SIM-READ-ONLY")
        try:
            changes[attribute.documented] = check(value)
        except ValueError as error:
            raise SimError(400, f"{record} attribute {name} {error}.", name, "SIM-ATTRIBUTE") from None
    return changes


def apply(store: PodStore, target: Target, changes: Mapping[str, Value], stamp: str) -> bool:
    """Sets the changed attributes and moves the change time to `stamp`; False (nothing stamped) when every
    attribute already held its value."""
    if target.schema is SUPPLIERS and "Supplier" in changes:
        taken = next(
            (
                row
                for row in store.tables[SUPPLIERS.name].rows()
                if row.attrs.get("Supplier") == changes["Supplier"] and row.key != target.row.key
            ),
            None,
        )
        if taken is not None:
            raise SimError(
                400,
                f"Supplier attribute Supplier: {changes['Supplier']!r} is the name of supplier "
                f"{taken.attrs.get('SupplierNumber')}; supplier names are unique.",
                "Supplier",
                "SIM-ATTRIBUTE",
            )
    if all(target.row.attrs.get(name) == value for name, value in changes.items()):
        return False
    target.row.attrs.update(changes)
    if target.supplier is None:
        target.row.attrs["LastUpdateDate"] = stamp
    else:
        store.tables[SUPPLIERS.name].restamp(target.supplier, stamp)
    return True


def documented(schema: ResourceSchema) -> dict[str, PodAttribute]:
    """Every attribute of the schema under its documented name: how a user of the pod's own pages names them."""
    return {name: PodAttribute(name, kind) for name, kind in schema.attributes.items()}


def supplier_by_number(store: PodStore, number: str) -> Row | None:
    return next((row for row in store.tables[SUPPLIERS.name].rows() if row.attrs.get("SupplierNumber") == number), None)


def value_row(store: PodStore, value_set_code: str, value: str) -> Row | None:
    value_set = store.tables[VALUE_SETS.name].find(value_set_code)
    rows = () if value_set is None else value_set.children[0]
    return next((row for row in rows if row.attrs.get("Value") == value), None)
