"""What a tenant checks in a document before it stores it: the supplier and custom-field values it names.

Custom-field values must exist and be active before a document names them (the tenant answers "No custom
field found …"); a supplier named by its ERP number must have a company profile. Each check is a knob.
"""

from collections.abc import Iterator
from typing import Any

from ml_connector_dagster.jaggaer.simulator.companies import CompanyStore
from ml_connector_dagster.jaggaer.simulator.custom_fields import CustomFieldValueStore
from ml_connector_dagster.jaggaer.simulator.errors import J1PError
from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings

_SET = "customFieldValueSet"


def supplier_number_in(fields: dict[str, Any]) -> str | None:
    """The ERP supplier number a document's header names: `supplier.supplierNumber` or `supplierNumber`."""
    supplier = fields.get("supplier")
    number = supplier.get("supplierNumber") if isinstance(supplier, dict) else None
    number = fields.get("supplierNumber") if number is None else number
    return None if number is None else str(number)


def _named_values(document: Any) -> Iterator[tuple[Any, Any]]:
    """(field, value) of every customFieldValueSet anywhere in `document` that names a value; a set without
    one names nothing that could be unknown."""
    if isinstance(document, list):
        for item in document:
            yield from _named_values(item)
    elif isinstance(document, dict):
        for name, item in document.items():
            sets = item if isinstance(item, list) else [item]
            if name == _SET:
                yield from ((s.get("name"), s["value"]) for s in sets if isinstance(s, dict) and "value" in s)
            yield from _named_values(item)


class ReferenceCheck:
    def __init__(self, settings: JaggaerSimSettings, companies: CompanyStore, fields: CustomFieldValueStore) -> None:
        self._settings = settings
        self._companies = companies
        self._fields = fields

    def check(self, document: dict[str, Any], supplier_number: str | None) -> None:
        settings = self._settings
        if settings.validate_suppliers and supplier_number is not None and not self._companies.exists(supplier_number):
            raise J1PError(settings.unknown_supplier_code, f"No supplier found with supplierNumber {supplier_number}")
        if not settings.validate_custom_fields:
            return
        for field, value in _named_values(document):
            problem = self._fields.problem(field, value)
            if problem is not None:
                raise J1PError(settings.custom_field_error_code, problem)
