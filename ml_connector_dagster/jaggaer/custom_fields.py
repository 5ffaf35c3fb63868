"""Custom-field values in J1P: the value lists GL accounts and cost centers live in, per field.

Documents may only name values that exist and are active (the tenant answers "No custom field found …"), so
the connector writes these before the documents that name them. The path is provisioned per tenant.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.jaggaer.answers import Document, checked, identifier
from ml_connector_dagster.jaggaer.connection import JaggaerConnection
from ml_connector_dagster.jaggaer.listing import (
    fiql_filter,
    fiql_value,
    first_listed,
    iter_listed,
    list_paths,
    lookup_chunks,
)

DEFAULT_LIST_PATH = "customFieldValueList.customFieldValue"
_ID_PLACES = (("customFieldValueId",),)


@dataclass(frozen=True)
class ListedFieldValue:
    position: int
    value_id: str
    field: str
    value: str
    active: bool
    document: Document


class CustomFieldApi:
    def __init__(self, http: ApiClient, connection: JaggaerConnection) -> None:
        self._http = http
        self.connection = connection
        self._list_paths = list_paths(connection.custom_field_value_list_path, DEFAULT_LIST_PATH)

    def upsert(self, field: str, value: str, description: str | None, active: bool) -> str:
        """Creates or updates one value of `field` (CREATEUPDATE by field and value code); returns its id."""
        write: dict[str, Any] = {"operationCode": "CREATEUPDATE", "fieldName": field, "value": value, "active": active}
        if description is not None:
            write["description"] = description
        what = f"custom field {field!r} value {value!r} CREATEUPDATE"
        answer = checked(
            self._http.send_json("POST", self.connection.custom_field_value_path, {"customFieldValue": write}), what
        )
        return identifier(answer, _ID_PLACES, "customFieldValueId", f"{what} answer")

    def find(self, field: str, values: Sequence[str]) -> dict[str, str]:
        """The id of each value of `field` that exists, `lookup_batch_size` values per request."""
        found: dict[str, str] = {}
        for chunk in lookup_chunks(values, self.connection.lookup_batch_size):
            for listed in self.iter(field, fiql_filter("value", chunk)):
                if listed.field == field and listed.value in chunk:
                    found.setdefault(listed.value, listed.value_id)
        return found

    def first(self, field: str) -> tuple[int, ListedFieldValue | None]:
        """How many values `field` holds, and the first of them."""
        c = self.connection
        return first_listed(self._http, c.custom_field_value_path, self._list_paths, _by_field(field), _listed)

    def iter(self, field: str, flt: str | None = None) -> Iterator[ListedFieldValue]:
        """The values of `field`, narrowed by `flt` when given."""
        c = self.connection
        full = _by_field(field) if flt is None else f"{_by_field(field)};{flt}"
        return iter_listed(
            self._http, c.custom_field_value_path, self._list_paths, c.page_size, full, _listed, "custom field values"
        )


def _by_field(field: str) -> str:
    return f"fieldName=={fiql_value(field)}"


def _listed(document: Document, position: int) -> ListedFieldValue:
    what = f"custom field value list item {position}"
    return ListedFieldValue(
        position=position,
        value_id=identifier(document, _ID_PLACES, "customFieldValueId", what),
        field=identifier(document, (("fieldName",),), "fieldName", what),
        value=identifier(document, (("value",),), "value", what),
        active=document.get("active", True) is not False,
        document=document,
    )
