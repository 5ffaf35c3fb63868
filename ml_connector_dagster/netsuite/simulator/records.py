"""The record service (`/services/rest/record/v1/<type>/<id>`) for vendors, purchase orders and vendor bills:
typed JSON (numbers, booleans, ISO dates), references as `{id, refName}`, sublists inline only with
`expandSubResources=true`."""

from datetime import date
from typing import Any

from ml_connector_dagster.netsuite.simulator.errors import NetSuiteError
from ml_connector_dagster.netsuite.simulator.formats import utc
from ml_connector_dagster.netsuite.simulator.store import AccountStore
from ml_connector_dagster.netsuite.simulator.tables import Row

RECORD_PATH = "/services/rest/record/v1"
# Record service types, matched whatever their case; a transaction's type is its SuiteQL recordtype.
RECORD_TYPES = frozenset({"vendor", "purchaseorder", "vendorbill"})
_STATUS_NAMES = {("purchaseorder", "B"): "Pending Receipt", ("vendorbill", "A"): "Open"}
_CURRENCIES = {1: "USD", 2: "GBP"}


def not_found() -> NetSuiteError:
    return NetSuiteError(
        404, "NONEXISTENT_ID", "The record instance does not exist. Provide a valid record instance ID."
    )


def record(store: AccountStore, record_type: str, record_id: str, base: str, expand: bool) -> dict[str, Any]:
    kind = record_type.lower()
    if kind not in RECORD_TYPES or not record_id.isdigit():
        raise not_found()
    href = f"{base}{RECORD_PATH}/{record_type}/{record_id}"
    with store.lock:
        if kind == "vendor":
            return _vendor(store, int(record_id), href)
        return _transaction(store, kind, int(record_id), href, expand)


def _columns(store: AccountStore, table: str, row: Row) -> dict[str, Any]:
    return dict(zip((name for name, _ in store.tables[table].schema.columns), row, strict=True))


def _reference(store: AccountStore, table: str, record_id: int | None, name_column: str) -> dict[str, Any] | None:
    if record_id is None:
        return None
    row = store.row(table, record_id)
    reference: dict[str, Any] = {"id": str(record_id)}
    if row is not None:
        reference["refName"] = _columns(store, table, row)[name_column]
    return reference


def _vendor(store: AccountStore, vendor_id: int, href: str) -> dict[str, Any]:
    row = store.row("vendor", vendor_id)
    if row is None:
        raise not_found()
    vendor = _columns(store, "vendor", row)
    return _present(
        {
            "links": [{"rel": "self", "href": href}],
            "id": str(vendor_id),
            "entityId": vendor["entityid"],
            "companyName": vendor["companyname"],
            "email": vendor["email"],
            "isInactive": vendor["isinactive"] == "T",
            "lastModifiedDate": _instant(vendor["lastmodifieddate"]),
            "subsidiary": _reference(store, "subsidiary", vendor["subsidiary"], "name"),
        }
    )


def _transaction(store: AccountStore, kind: str, transaction_id: int, href: str, expand: bool) -> dict[str, Any]:
    row = store.row("transaction", transaction_id)
    if row is None or _columns(store, "transaction", row)["recordtype"] != kind:
        raise not_found()
    header = _columns(store, "transaction", row)
    lines = [_columns(store, "transactionline", line) for line in store.children("transactionline", transaction_id)]
    body_lines = [line for line in lines if line["mainline"] == "F"]
    mainline = next((line for line in lines if line["mainline"] == "T"), None)
    document = {
        "links": [{"rel": "self", "href": href}],
        "id": str(transaction_id),
        "tranId": header["tranid"],
        "entity": _reference(store, "vendor", header["entity"], "companyname"),
        "tranDate": date.fromordinal(header["trandate"]).isoformat(),
        "status": {"id": header["status"], "refName": _STATUS_NAMES.get((kind, header["status"]), header["status"])},
        "currency": {"id": str(header["currency"]), "refName": _CURRENCIES.get(header["currency"], "")},
        "total": float(header["foreigntotal"]),
        "voided": header["voided"] == "T",
        "lastModifiedDate": _instant(header["lastmodifieddate"]),
        "subsidiary": _reference(store, "subsidiary", mainline["subsidiary"] if mainline else None, "name"),
    }
    if kind == "vendorbill":
        accounts = {
            line[1]: line[2] for line in store.children("transactionaccountingline", transaction_id) if line[1] != 0
        }
        document["expense"] = _sublist(
            f"{href}/expense", [_expense(store, line, accounts) for line in body_lines], expand
        )
    else:
        document["item"] = _sublist(f"{href}/item", [_item_line(store, line) for line in body_lines], expand)
    return _present(document)


def _sublist(href: str, lines: list[dict[str, Any]], expand: bool) -> dict[str, Any]:
    links = [{"rel": "self", "href": href}]
    if not expand:
        return {"links": links}
    count = len(lines)
    return {"links": links, "items": lines, "totalResults": count, "count": count, "hasMore": False, "offset": 0}


def _dimensions(store: AccountStore, line: dict[str, Any]) -> dict[str, Any]:
    return {
        "department": _reference(store, "department", line["department"], "name"),
        "class": _reference(store, "classification", line["class"], "name"),
        "location": _reference(store, "location", line["location"], "name"),
    }


def _item_line(store: AccountStore, line: dict[str, Any]) -> dict[str, Any]:
    return _present(
        {
            "links": [],
            "line": line["id"],
            "item": None if line["item"] is None else {"id": str(line["item"])},
            "quantity": None if line["quantity"] is None else float(line["quantity"]),
            "rate": None if line["rate"] is None else float(line["rate"]),
            "amount": float(line["netamount"]),
            **_dimensions(store, line),
        }
    )


def _expense(store: AccountStore, line: dict[str, Any], accounts: dict[int, int]) -> dict[str, Any]:
    return _present(
        {
            "links": [],
            "line": line["id"],
            "account": _reference(store, "account", accounts.get(line["id"]), "accountsearchdisplayname"),
            "amount": float(line["netamount"]),
            **_dimensions(store, line),
        }
    )


def _instant(instant: int | None) -> str | None:
    # [unverified] the record service writes datetimes in UTC, ISO 8601 with `Z`.
    return None if instant is None else utc(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


def _present(document: dict[str, Any]) -> dict[str, Any]:
    """The record service leaves empty fields out."""
    return {name: value for name, value in document.items() if value is not None}
