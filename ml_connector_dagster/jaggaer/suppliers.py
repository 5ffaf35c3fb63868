"""Company profiles (suppliers) in J1P: CREATEUPDATE upserts by extCode, the ERP supplier number."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.jaggaer.answers import Document, checked, identifier
from ml_connector_dagster.jaggaer.connection import JaggaerConnection
from ml_connector_dagster.jaggaer.listing import (
    as_listed,
    fiql_filter,
    first_listed,
    iter_listed,
    list_paths,
    lookup_chunks,
    oldest_first,
)
from ml_connector_dagster.jaggaer.template_kinds import SUPPLIER
from ml_connector_dagster.jaggaer.template_loader import load_template
from ml_connector_dagster.records import Supplier

DEFAULT_LIST_PATH = "returnCompanyData"
# Listed profiles carry their fields at the top or inside `companyInfo`, as writes send them.
_BRAVO_ID_PLACES = (("bravoId",), ("companyInfo", "bravoId"))
_EXT_CODE_PLACES = (("extCode",), ("companyInfo", "extCode"))


@dataclass(frozen=True)
class ListedSupplier:
    position: int
    bravo_id: str
    supplier_number: str
    document: Document


class SupplierApi:
    def __init__(self, http: ApiClient, connection: JaggaerConnection) -> None:
        self._http = http
        self.connection = connection
        self.template = load_template(SUPPLIER, connection.supplier_template, connection.template_settings)
        self._list_paths = list_paths(connection.supplier_list_path, DEFAULT_LIST_PATH)

    def document(self, supplier: Supplier) -> Document:
        """The companyInfo a supplier becomes."""
        return self.template.render(supplier)

    def upsert(self, company_info: Document) -> str:
        """Creates or updates the profile with the document's extCode; returns its bravoId. A native upsert:
        sending it again after a lost answer changes nothing more."""
        body: dict[str, Any] = {"company": {"operationCode": "CREATEUPDATE", "companyInfo": company_info}}
        answer = checked(self._http.send_json("POST", self.connection.supplier_path, body), "company CREATEUPDATE")
        return identifier(answer, _BRAVO_ID_PLACES, "bravoId", "company CREATEUPDATE answer")

    def find(self, numbers: Sequence[str]) -> dict[str, str]:
        """The bravoId of each supplier number with a profile, `lookup_batch_size` numbers per request
        (`extCode=in=(…)`); with duplicates the oldest wins, profiles not asked for are ignored."""
        found: dict[str, list[str]] = {}
        for chunk in lookup_chunks(numbers, self.connection.lookup_batch_size):
            for listed in self.iter(fiql_filter("extCode", chunk)):
                if listed.supplier_number in chunk:
                    found.setdefault(listed.supplier_number, []).append(listed.bravo_id)
        return {number: min(ids, key=oldest_first) for number, ids in found.items()}

    def first(self) -> tuple[int, ListedSupplier | None]:
        return first_listed(self._http, self.connection.supplier_path, self._list_paths, None, _listed)

    def iter(self, flt: str | None = None) -> Iterator[ListedSupplier]:
        c = self.connection
        return iter_listed(self._http, c.supplier_path, self._list_paths, c.page_size, flt, _listed, "suppliers")

    def iter_documents(self) -> Iterator[Document]:
        """Every profile as listed, including those without an extCode (companies the ERP did not create)."""
        c = self.connection
        return iter_listed(self._http, c.supplier_path, self._list_paths, c.page_size, None, as_listed, "suppliers")


def _listed(document: Document, position: int) -> ListedSupplier:
    what = f"company list item {position}"
    return ListedSupplier(
        position=position,
        bravo_id=identifier(document, _BRAVO_ID_PLACES, "bravoId", what),
        supplier_number=identifier(document, _EXT_CODE_PLACES, "extCode", what),
        document=document,
    )
