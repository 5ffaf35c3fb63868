"""The simulated JAGGAER One tenant over HTTP: Keycloak tokens, the J1P purchase order, company profile,
invoice, custom-field value, receipt and PO acknowledgment APIs, control routes."""

import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ml_connector_dagster.jaggaer.simulator.collection import Collection, CollectionStats
from ml_connector_dagster.jaggaer.simulator.companies import CompanyStore
from ml_connector_dagster.jaggaer.simulator.custom_fields import CustomFieldValueStore
from ml_connector_dagster.jaggaer.simulator.document_routes import DocumentRoutes, inspection_routes, read_routes
from ml_connector_dagster.jaggaer.simulator.endpoints import envelope, json_body, list_answer, path_id
from ml_connector_dagster.jaggaer.simulator.errors import J1PError
from ml_connector_dagster.jaggaer.simulator.invoices import InvoiceStore
from ml_connector_dagster.jaggaer.simulator.purchase_orders import (
    PO_FILTER_FIELDS,
    PurchaseOrderStats,
    PurchaseOrderStore,
)
from ml_connector_dagster.jaggaer.simulator.references import ReferenceCheck
from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings
from ml_connector_dagster.jaggaer.simulator.shapes import write_answer
from ml_connector_dagster.jaggaer.simulator.source_documents import (
    ACKNOWLEDGMENT_FILTER_FIELDS,
    RECEIPT_FILTER_FIELDS,
    SourceDocumentStore,
    acknowledgment_document,
    receipt_document,
)
from ml_connector_dagster.simulation.faults import (
    CONTROL_PREFIX,
    FaultMiddleware,
    FaultPlan,
    fault_control_routes,
)
from ml_connector_dagster.simulation.tokens import TokenIssuer

_WRITTEN = ("suppliers", "invoices", "custom_field_values")


async def _j1p_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, J1PError)
    return envelope(error.return_code, error.message)


def _keycloak_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


class JaggaerSimulator:
    """One tenant: `app` is the ASGI app to serve (faults applied), the rest is for tests to steer and inspect."""

    def __init__(self, settings: JaggaerSimSettings | None = None) -> None:
        self.settings = settings or JaggaerSimSettings()
        self.tokens = TokenIssuer(expires_in=self.settings.token_expires_in)
        self.faults = FaultPlan()
        self.companies = CompanyStore(self.settings)
        self.custom_field_values = CustomFieldValueStore(self.settings)
        references = ReferenceCheck(self.settings, self.companies, self.custom_field_values)
        self.invoices = InvoiceStore(self.settings, references)
        self._store = PurchaseOrderStore(self.settings, references)
        self.receipts = SourceDocumentStore(self.settings, "Receipt", 7_000_000_001, "receiptId", "receiptNumber")
        self.acknowledgments = SourceDocumentStore(
            self.settings, "Acknowledgment", 6_000_000_001, "acknowledgmentId", "poNumber"
        )
        self._collections: dict[str, Collection] = {
            "suppliers": self.companies.collection,
            "invoices": self.invoices.collection,
            "custom_field_values": self.custom_field_values.collection,
            "receipts": self.receipts.collection,
            "acknowledgments": self.acknowledgments.collection,
        }
        self._lock = threading.Lock()
        self._token_requests = 0
        self._api_requests = 0
        starlette = Starlette(routes=self._routes(), exception_handlers={J1PError: _j1p_error})
        self.app: ASGIApp = FaultMiddleware(starlette, self.faults)

    def purchase_order_stats(self) -> PurchaseOrderStats:
        return self._store.stats()

    def purchase_orders(self, po_number: str | None = None) -> list[dict[str, Any]]:
        return self._store.documents(po_number)

    def delete_purchase_order(self, po_number: str) -> int:
        """A purchase order deleted in JAGGAER by hand, behind the connector's back; returns the documents removed."""
        return self._store.delete(po_number)

    def collection_stats(self) -> dict[str, CollectionStats]:
        """Stats of the company profile, invoice, custom-field value, receipt and acknowledgment collections."""
        return {name: collection.stats() for name, collection in self._collections.items()}

    def add_receipt(
        self,
        receipt_number: str,
        supplier_number: str | None,
        lines: Iterable[Mapping[str, Any]],
        at: datetime | None = None,
        **members: Any,
    ) -> int:
        """A receipt entered in JAGGAER (now, or at `at`); `lines` as {po_number, po_line_number,
        po_schedule_number, quantity or amount, uom}. Returns its receiptId."""
        return self.receipts.add(receipt_document(receipt_number, supplier_number, lines, **members), at)

    def edit_receipt(self, receipt_id: int, at: datetime | None = None, **changes: Any) -> None:
        """Replaces top-level members (J1P names: `status`, `lineList`, …) and moves lastUpdate (to `at`)."""
        self.receipts.edit(receipt_id, changes, at)

    def add_acknowledgment(
        self,
        po_number: str,
        status: str,
        comment: str | None = None,
        lines: Iterable[Mapping[str, Any]] = (),
        at: datetime | None = None,
    ) -> int:
        """A supplier's answer to an order; `lines` as {po_line_number, po_schedule_number, status, comment}."""
        return self.acknowledgments.add(acknowledgment_document(po_number, status, comment, lines), at)

    def edit_acknowledgment(self, acknowledgment_id: int, at: datetime | None = None, **changes: Any) -> None:
        self.acknowledgments.edit(acknowledgment_id, changes, at)

    def add_invoice(self, document: dict[str, Any], at: datetime | None = None) -> int:
        """An invoice as JAGGAER holds it once the supplier submitted it (read shape); returns its invoiceId."""
        return self.invoices.add(document, at)

    def edit_invoice(self, invoice_id: int, at: datetime | None = None, **changes: Any) -> None:
        self.invoices.edit(invoice_id, changes, at)

    def add_company(self, at: datetime | None = None, **company_info: Any) -> int:
        """A company profile registered in JAGGAER, with or without an extCode; returns its bravoId."""
        return self.companies.add(company_info, at)

    def edit_company(self, ext_code: str, at: datetime | None = None, **company_info_changes: Any) -> None:
        """A user editing a company profile in JAGGAER's UI: companyInfo members (`companyName`, `status`,
        `addressList`, …) replaced, None removing one; lastModTime moves to now (or `at`)."""
        self.companies.edit(ext_code, company_info_changes, at)

    def edit_custom_field_value(self, field_name: str, value: str, at: datetime | None = None, **changes: Any) -> None:
        """A user editing a custom-field value in JAGGAER's UI (`description`, `active`; None removes one);
        lastModTime moves to now (or `at`)."""
        self.custom_field_values.edit(field_name, value, changes, at)

    def _routes(self) -> list[Route]:
        po_path = self.settings.purchase_order_path
        documents = DocumentRoutes(
            self.settings, self._authorize_for, self.companies, self.invoices, self.custom_field_values
        )
        return [
            Route("/auth/realms/{realm}/protocol/openid-connect/token", self._token, methods=["POST"]),
            Route(po_path, self._list_purchase_orders, methods=["GET"]),
            Route(po_path, self._write_purchase_order, methods=["POST"]),
            Route(f"{po_path}/{{po_id}}", self._get_purchase_order, methods=["GET"]),
            Route(f"{CONTROL_PREFIX}/stats", self._stats, methods=["GET"]),
            *documents.routes(),
            *self._source_routes(),
            Route(f"{CONTROL_PREFIX}/purchase-orders", self._all_purchase_orders, methods=["GET"]),
            *inspection_routes(CONTROL_PREFIX, self._collections),
            Route(f"{CONTROL_PREFIX}/tokens/expire", self._expire_tokens, methods=["POST"]),
            Route(f"{CONTROL_PREFIX}/reset", self._reset, methods=["POST"]),
            *fault_control_routes(self.faults),
        ]

    def _source_routes(self) -> list[Route]:
        s, authorize = self.settings, self._authorize_for
        return [
            *read_routes(
                s, authorize, self.receipts, s.receipt_path, s.receipt_list_wrapper, RECEIPT_FILTER_FIELDS, "receipt"
            ),
            *read_routes(
                s,
                authorize,
                self.acknowledgments,
                s.acknowledgment_path,
                s.acknowledgment_list_wrapper,
                ACKNOWLEDGMENT_FILTER_FIELDS,
                "acknowledgment",
            ),
        ]

    async def _token(self, request: Request) -> Response:
        """Keycloak's client-credentials grant, checked in Keycloak's order: realm, grant present, client, grant."""
        with self._lock:
            self._token_requests += 1
        if request.path_params["realm"] != self.settings.realm:
            return JSONResponse({"error": "Realm does not exist"}, status_code=404)
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return _keycloak_error(400, "invalid_request", "Missing form parameter: grant_type")
        form = {key: values[0] for key, values in parse_qs((await request.body()).decode(errors="replace")).items()}
        grant_type = form.get("grant_type")
        if not grant_type:
            return _keycloak_error(400, "invalid_request", "Missing form parameter: grant_type")
        if form.get("client_id") != self.settings.client_id or (
            form.get("client_secret") != self.settings.client_secret
        ):
            return _keycloak_error(401, "unauthorized_client", "Invalid client or Invalid client credentials")
        if grant_type != "client_credentials":
            return _keycloak_error(400, "unsupported_grant_type", "Unsupported grant_type")
        token, expires_in = self.tokens.issue()
        return JSONResponse(
            {
                "access_token": token,
                "expires_in": expires_in,
                "refresh_expires_in": 0,
                "token_type": "Bearer",
                "not-before-policy": 0,
                "scope": "profile email",
            }
        )

    def _authorize(self, request: Request) -> None:
        with self._lock:
            self._api_requests += 1
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.tokens.is_valid(token.strip()):
            return
        challenge = f'Bearer realm="{self.settings.realm}"'
        if token:
            challenge += ', error="invalid_token"'
        raise HTTPException(401, headers={"WWW-Authenticate": challenge})

    def _authorize_for(self, request: Request, collection: Collection) -> None:
        collection.count_request()
        self._authorize(request)

    async def _write_purchase_order(self, request: Request) -> Response:
        self._store.count_request()
        self._authorize(request)
        body = await json_body(request)
        return envelope(**write_answer(self.settings.document_shape, self._store.write(body)))

    async def _get_purchase_order(self, request: Request) -> Response:
        self._store.count_request()
        self._authorize(request)
        return envelope(purchaseOrder=self._store.get(path_id(request, "po_id", self._store.not_found)))

    async def _list_purchase_orders(self, request: Request) -> Response:
        self._store.count_request()
        self._authorize(request)
        settings = self.settings
        return list_answer(request, settings, PO_FILTER_FIELDS, self._store.page, settings.list_wrapper)

    async def _stats(self, request: Request) -> Response:
        with self._lock:
            token_requests, api_requests = self._token_requests, self._api_requests
        stats = {"purchase_orders": self._store.stats().model_dump()}
        # The collections the connector writes: what a run's duplicates are counted in. Receipts and
        # acknowledgments are only read, so they are in collection_stats() and not here.
        written = {name: stats for name, stats in self.collection_stats().items() if name in _WRITTEN}
        # The answer's shape is pinned (tests, the demo): counts added since stay in collection_stats().
        stats |= {name: collection.model_dump(exclude={"unchanged_writes"}) for name, collection in written.items()}
        return JSONResponse({**stats, "token_requests": token_requests, "requests": api_requests})

    async def _all_purchase_orders(self, request: Request) -> Response:
        return JSONResponse(self._store.documents())

    async def _expire_tokens(self, request: Request) -> Response:
        self.tokens.expire_all()
        return Response(status_code=204)

    async def _reset(self, request: Request) -> Response:
        self._store.reset()
        for collection in self._collections.values():
            collection.reset()
        return Response(status_code=204)
