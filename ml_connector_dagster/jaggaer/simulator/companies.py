"""The simulated tenant's company profiles (suppliers), keyed by `extCode`, the ERP supplier number.

A write is `{"company": {"operationCode": …, "companyInfo": {…}}}`. CREATE refuses a taken extCode, UPDATE
merges into the profile with that extCode, UPDATE_RESET replaces it, CREATEUPDATE is the native upsert.
Listed profiles are the companyInfo as stored plus `bravoId` and `lastModTime`. A write that changes nothing
stored keeps the profile's lastModTime.
"""

from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import Any

from ml_connector_dagster.jaggaer.simulator.collection import Collection
from ml_connector_dagster.jaggaer.simulator.errors import (
    RC_DUPLICATE,
    RC_INVALID_REQUEST,
    RC_UNSUPPORTED_OPERATION,
    J1PError,
)
from ml_connector_dagster.jaggaer.simulator.fiql import FilterField, Term, parse_time
from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings

_FIRST_BRAVO_ID = 5_000_000_001
_OPERATIONS = ("CREATE", "UPDATE", "CREATEUPDATE", "UPDATE_RESET")
_SERVER_MEMBERS = ("bravoId", "lastModTime")
FILTER_FIELDS = {
    "extCode": FilterField(("extCode",)),
    "extUniqueCode": FilterField(("extUniqueCode",)),
    "bravoId": FilterField(("bravoId",), int),
    "lastModTime": FilterField(("lastModTime",), parse_time),
}


def _key(document: dict[str, Any]) -> Hashable:
    # A profile registered in JAGGAER may have no extCode: it is then a key of its own, never a duplicate.
    ext_code = document.get("extCode")
    return ("bravoId", document["bravoId"]) if ext_code is None else str(ext_code)


class CompanyStore:
    def __init__(self, settings: JaggaerSimSettings) -> None:
        self._settings = settings
        self.collection = Collection(_FIRST_BRAVO_ID, "bravoId", _key, "lastModTime")

    def write(self, body: Any) -> int:
        """Applies one company write; returns the bravoId written."""
        company = body.get("company") if isinstance(body, dict) else None
        if not isinstance(company, dict):
            raise J1PError(RC_INVALID_REQUEST, "Invalid company: company: required")
        operation = company.get("operationCode")
        if operation not in _OPERATIONS:
            raise J1PError(RC_UNSUPPORTED_OPERATION, f"Unsupported operationCode {operation}")
        info = company.get("companyInfo")
        if not isinstance(info, dict):
            raise J1PError(RC_INVALID_REQUEST, "Invalid company: company.companyInfo: required")
        ext_code = info.get("extCode")
        if not isinstance(ext_code, str) or not ext_code.strip():
            raise J1PError(RC_INVALID_REQUEST, "Invalid company: company.companyInfo.extCode: required")
        info = {name: value for name, value in info.items() if name not in _SERVER_MEMBERS}
        with self.collection.lock:
            existing = self.collection.ids_with(ext_code)
            if not existing:
                if operation in ("UPDATE", "UPDATE_RESET"):
                    raise J1PError(self._settings.not_found_code, f"Company with extCode {ext_code} not found")
                return self.collection.create(info)
            if operation == "CREATE":
                raise J1PError(RC_DUPLICATE, f"Company with extCode {ext_code} already exists")
            bravo_id = existing[0]
            if operation != "UPDATE_RESET":
                stored = self.collection.get(bravo_id) or {}
                info = {**{k: v for k, v in stored.items() if k not in _SERVER_MEMBERS}, **info}
            self.collection.update(bravo_id, info)
            return bravo_id

    def add(self, company_info: Mapping[str, Any], at: datetime | None = None) -> int:
        """A profile registered in JAGGAER (by the supplier itself: no extCode needed), stamped now or at `at`."""
        return self.collection.create(dict(company_info), at)

    def edit(self, ext_code: str, changes: Mapping[str, Any], at: datetime | None = None) -> None:
        """A user editing the profile in JAGGAER's UI: top-level companyInfo members replaced (None removes one),
        stamped now or at `at`. KeyError when no profile has the extCode."""
        with self.collection.lock:
            existing = self.collection.ids_with(ext_code)
            if not existing:
                raise KeyError(f"no company with extCode {ext_code}")
            stored = self.collection.get(existing[0]) or {}
            edited = {name: member for name, member in {**stored, **changes}.items() if member is not None}
            self.collection.replace(existing[0], edited, at)

    def page(self, terms: list[Term], start: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        return self.collection.page(terms, start, limit, self._index)

    @staticmethod
    def _index(terms: list[Term]) -> list[Any] | None:
        return next((list(t.values) for t in terms if t.equal_values(("extCode",))), None)

    def exists(self, supplier_number: str) -> bool:
        return bool(self.collection.ids_with(supplier_number))
