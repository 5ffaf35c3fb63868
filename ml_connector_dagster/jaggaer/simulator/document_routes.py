"""The simulated tenant's company profile, invoice, custom-field value, receipt and acknowledgment routes, at the
configured paths."""

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ml_connector_dagster.jaggaer.simulator import companies, custom_fields, invoices
from ml_connector_dagster.jaggaer.simulator.collection import Collection
from ml_connector_dagster.jaggaer.simulator.companies import CompanyStore
from ml_connector_dagster.jaggaer.simulator.custom_fields import CustomFieldValueStore
from ml_connector_dagster.jaggaer.simulator.endpoints import envelope, json_body, list_answer, path_id
from ml_connector_dagster.jaggaer.simulator.fiql import FilterField
from ml_connector_dagster.jaggaer.simulator.invoices import InvoiceStore
from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings
from ml_connector_dagster.jaggaer.simulator.source_documents import SourceDocumentStore

Authorize = Callable[[Request, Collection], None]


class DocumentRoutes:
    def __init__(
        self,
        settings: JaggaerSimSettings,
        authorize: Authorize,
        company_store: CompanyStore,
        invoice_store: InvoiceStore,
        field_store: CustomFieldValueStore,
    ) -> None:
        self._settings = settings
        self._authorize = authorize
        self._companies = company_store
        self._invoices = invoice_store
        self._fields = field_store

    def routes(self) -> list[Route]:
        s = self._settings
        return [
            Route(s.company_profile_path, self._list_companies, methods=["GET"]),
            Route(s.company_profile_path, self._write_company, methods=["POST"]),
            Route(s.invoice_path, self._list_invoices, methods=["GET"]),
            Route(s.invoice_import_path, self._import_invoice, methods=["POST"]),
            Route(s.invoice_cancel_path, self._cancel_invoice, methods=["POST"]),
            Route(f"{s.invoice_path}/{{invoiceId}}", self._get_invoice, methods=["GET"]),
            Route(s.custom_field_value_path, self._list_field_values, methods=["GET"]),
            Route(s.custom_field_value_path, self._write_field_value, methods=["POST"]),
        ]

    async def _list_companies(self, request: Request) -> Response:
        self._authorize(request, self._companies.collection)
        store, wrapper = self._companies, self._settings.company_list_wrapper
        return list_answer(request, self._settings, companies.FILTER_FIELDS, store.page, wrapper)

    async def _write_company(self, request: Request) -> Response:
        self._authorize(request, self._companies.collection)
        return envelope(bravoId=self._companies.write(await json_body(request)))

    async def _list_invoices(self, request: Request) -> Response:
        self._authorize(request, self._invoices.collection)
        store, wrapper = self._invoices, self._settings.invoice_list_wrapper
        return list_answer(request, self._settings, invoices.FILTER_FIELDS, store.page, wrapper)

    async def _import_invoice(self, request: Request) -> Response:
        self._authorize(request, self._invoices.collection)
        return envelope(invoiceId=self._invoices.import_invoice(await json_body(request)))

    async def _get_invoice(self, request: Request) -> Response:
        self._authorize(request, self._invoices.collection)
        invoice_id = path_id(request, "invoiceId", self._invoices.not_found)
        return envelope(invoice=self._invoices.get(invoice_id))

    async def _cancel_invoice(self, request: Request) -> Response:
        self._authorize(request, self._invoices.collection)
        invoice_id = path_id(request, "invoiceId", self._invoices.not_found)
        return envelope(invoiceId=self._invoices.cancel(invoice_id))

    async def _list_field_values(self, request: Request) -> Response:
        self._authorize(request, self._fields.collection)
        store, wrapper = self._fields, self._settings.custom_field_value_list_wrapper
        return list_answer(request, self._settings, custom_fields.FILTER_FIELDS, store.page, wrapper)

    async def _write_field_value(self, request: Request) -> Response:
        self._authorize(request, self._fields.collection)
        return envelope(customFieldValueId=self._fields.write(await json_body(request)))


def read_routes(
    settings: JaggaerSimSettings,
    authorize: Authorize,
    store: SourceDocumentStore,
    path: str,
    wrapper: str,
    fields: dict[str, FilterField],
    member: str,
) -> list[Route]:
    """A read-only collection: `GET path` lists (with `flt`), `GET path/{id}` answers one under `member`."""

    async def listing(request: Request) -> Response:
        authorize(request, store.collection)
        return list_answer(request, settings, fields, store.page, wrapper)

    async def one(request: Request) -> Response:
        authorize(request, store.collection)
        return envelope(**{member: store.get(path_id(request, "documentId", store.not_found))})

    return [Route(path, listing, methods=["GET"]), Route(f"{path}/{{documentId}}", one, methods=["GET"])]


def inspection_routes(prefix: str, collections: dict[str, Collection]) -> list[Route]:
    """`GET {prefix}/<name>`: every stored document of a collection, for tests and the demo."""

    def handler(collection: Collection) -> Callable[[Request], JSONResponse]:
        def documents(request: Request) -> JSONResponse:
            return JSONResponse(collection.documents())

        return documents

    return [Route(f"{prefix}/{name}", handler(c), methods=["GET"]) for name, c in collections.items()]
