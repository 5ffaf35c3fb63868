"""The simulated tenant's custom-field values (the lists GL accounts and cost centers live in).

A write is `{"customFieldValue": {"operationCode": "CREATEUPDATE", "fieldName", "value", "description",
"active"}}`, keyed by field name and value code; the tenant's fields themselves are a setting. A write that
changes nothing stored keeps the value's lastModTime.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ml_connector_dagster.jaggaer.simulator.collection import Collection
from ml_connector_dagster.jaggaer.simulator.errors import RC_INVALID_REQUEST, RC_UNSUPPORTED_OPERATION, J1PError
from ml_connector_dagster.jaggaer.simulator.fiql import FilterField, Term, parse_time
from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings

_FIRST_ID = 9_000_000_001
FILTER_FIELDS = {
    "fieldName": FilterField(("fieldName",)),
    "value": FilterField(("value",)),
    "customFieldValueId": FilterField(("customFieldValueId",), int),
    "lastModTime": FilterField(("lastModTime",), parse_time),
}


class _Write(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operationCode: Literal["CREATEUPDATE"]
    fieldName: str = Field(min_length=1)
    value: str = Field(min_length=1)
    description: str | None = None
    active: bool = True


def _key(document: dict[str, Any]) -> tuple[str, str]:
    return (document["fieldName"], document["value"])


class CustomFieldValueStore:
    def __init__(self, settings: JaggaerSimSettings) -> None:
        self._settings = settings
        self.collection = Collection(_FIRST_ID, "customFieldValueId", _key, "lastModTime")

    def write(self, body: Any) -> int:
        raw = body.get("customFieldValue") if isinstance(body, dict) else None
        if not isinstance(raw, dict):
            raise J1PError(RC_INVALID_REQUEST, "Invalid custom field value: customFieldValue: required")
        if raw.get("operationCode") != "CREATEUPDATE":
            raise J1PError(RC_UNSUPPORTED_OPERATION, f"Unsupported operationCode {raw.get('operationCode')}")
        try:
            write = _Write.model_validate(raw)
        except ValidationError as error:
            problems = "; ".join(
                f"customFieldValue.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
            )
            raise J1PError(RC_INVALID_REQUEST, f"Invalid custom field value: {problems}") from None
        if write.fieldName not in self._settings.custom_fields:
            raise J1PError(self._settings.custom_field_error_code, f"No custom field found named '{write.fieldName}'")
        document = write.model_dump(exclude={"operationCode"}, exclude_none=True)
        with self.collection.lock:
            existing = self.collection.ids_with(_key(document))
            if existing:
                self.collection.update(existing[0], document)
                return existing[0]
            return self.collection.create(document)

    def edit(self, field: str, value: str, changes: Mapping[str, Any], at: datetime | None = None) -> None:
        """A user editing a value in JAGGAER's UI (`description`, `active`; None removes a member), stamped now
        or at `at`. KeyError when the field holds no such value."""
        with self.collection.lock:
            existing = self.collection.ids_with((field, value))
            if not existing:
                raise KeyError(f"no value {value!r} of custom field {field!r}")
            stored = self.collection.get(existing[0]) or {}
            edited = {name: member for name, member in {**stored, **changes}.items() if member is not None}
            self.collection.replace(existing[0], edited, at)

    def page(self, terms: list[Term], start: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        return self.collection.page(terms, start, limit, self._index)

    @staticmethod
    def _index(terms: list[Term]) -> list[Any] | None:
        fields = next((t.values for t in terms if t.equal_values(("fieldName",))), None)
        values = next((t.values for t in terms if t.equal_values(("value",))), None)
        if fields is None or values is None:
            return None
        return [(field, value) for field in fields for value in values]

    def problem(self, field: Any, value: Any) -> str | None:
        """Why a document may not name `value` of custom field `field`, or None when it may."""
        if field not in self._settings.custom_fields:
            return f"No custom field found: field '{field}' does not exist (value '{value}')"
        ids = self.collection.ids_with((field, str(value)))
        stored = [self.collection.get(found) for found in ids]
        if not any(document and document.get("active", True) for document in stored):
            state = "is inactive" if stored else "does not exist"
            return f"No custom field found: field '{field}' value '{value}' {state}"
        return None
