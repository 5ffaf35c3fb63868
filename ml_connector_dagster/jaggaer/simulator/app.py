"""The simulated JAGGAER One tenant over HTTP: Keycloak tokens, the J1P purchase order API, control routes."""

import json
import threading
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ml_connector_dagster.jaggaer.simulator.errors import RC_INVALID_QUERY, RC_INVALID_REQUEST, J1PError
from ml_connector_dagster.jaggaer.simulator.purchase_orders import PurchaseOrderStats, PurchaseOrderStore, parse_filter
from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings
from ml_connector_dagster.jaggaer.simulator.shapes import write_answer
from ml_connector_dagster.simulation.faults import (
    CONTROL_PREFIX,
    FaultMiddleware,
    FaultPlan,
    fault_control_routes,
)
from ml_connector_dagster.simulation.tokens import TokenIssuer


def _envelope(return_code: int = 0, message: str = "OK", **fields: Any) -> JSONResponse:
    # J1P reports application errors in the body, so even failures travel as HTTP 200.
    return JSONResponse({"returnCode": return_code, "returnMessage": message, **fields})


async def _j1p_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, J1PError)
    return _envelope(error.return_code, error.message)


def _keycloak_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


class JaggaerSimulator:
    """One tenant: `app` is the ASGI app to serve (faults applied), the rest is for tests to steer and inspect."""

    def __init__(self, settings: JaggaerSimSettings | None = None) -> None:
        self.settings = settings or JaggaerSimSettings()
        self.tokens = TokenIssuer(expires_in=self.settings.token_expires_in)
        self.faults = FaultPlan()
        self._store = PurchaseOrderStore(self.settings)
        self._lock = threading.Lock()
        self._token_requests = 0
        self._api_requests = 0
        starlette = Starlette(routes=self._routes(), exception_handlers={J1PError: _j1p_error})
        self.app: ASGIApp = FaultMiddleware(starlette, self.faults)

    def purchase_order_stats(self) -> PurchaseOrderStats:
        return self._store.stats()

    def purchase_orders(self, po_number: str | None = None) -> list[dict[str, Any]]:
        return self._store.documents(po_number)

    def _routes(self) -> list[Route]:
        po_path = self.settings.purchase_order_path
        return [
            Route("/auth/realms/{realm}/protocol/openid-connect/token", self._token, methods=["POST"]),
            Route(po_path, self._list_purchase_orders, methods=["GET"]),
            Route(po_path, self._write_purchase_order, methods=["POST"]),
            Route(f"{po_path}/{{po_id}}", self._get_purchase_order, methods=["GET"]),
            Route(f"{CONTROL_PREFIX}/stats", self._stats, methods=["GET"]),
            Route(f"{CONTROL_PREFIX}/purchase-orders", self._all_purchase_orders, methods=["GET"]),
            Route(f"{CONTROL_PREFIX}/tokens/expire", self._expire_tokens, methods=["POST"]),
            Route(f"{CONTROL_PREFIX}/reset", self._reset, methods=["POST"]),
            *fault_control_routes(self.faults),
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

    async def _write_purchase_order(self, request: Request) -> Response:
        self._authorize(request)
        try:
            body = json.loads(await request.body())
        except ValueError as error:
            raise J1PError(RC_INVALID_REQUEST, "Request body is not valid JSON") from error
        return _envelope(**write_answer(self.settings.document_shape, self._store.write(body)))

    async def _get_purchase_order(self, request: Request) -> Response:
        self._authorize(request)
        raw_id = request.path_params["po_id"]
        if not (raw_id.isascii() and raw_id.isdigit()):
            raise self._store.not_found(raw_id)
        return _envelope(purchaseOrder=self._store.get(int(raw_id)))

    async def _list_purchase_orders(self, request: Request) -> Response:
        self._authorize(request)
        start = self._positive_int(request, "start", 1)
        # Larger requests are cut to the maximum, as paged APIs do: clients must advance by returnedRecords.
        limit = min(self._positive_int(request, "limit", self.settings.default_page_size), self.settings.max_page_size)
        flt = request.query_params.get("flt", "").strip()
        terms = parse_filter(flt) if flt else []
        if not self.settings.fiql_in_supported and any(term.op == "=in=" for term in terms):
            raise J1PError(RC_INVALID_QUERY, f"Invalid filter term in {flt!r}: operator =in= is not supported")
        total, documents = self._store.page(terms, start, limit)
        listed: Any = documents
        for member in reversed(self.settings.list_wrapper.split(".")):
            listed = {member: listed}
        return _envelope(totRecords=total, returnedRecords=len(documents), startAt=start, **listed)

    @staticmethod
    def _positive_int(request: Request, name: str, default: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise J1PError(RC_INVALID_QUERY, f"Invalid value {raw!r} for parameter {name}")
        return int(raw)

    async def _stats(self, request: Request) -> Response:
        with self._lock:
            token_requests, api_requests = self._token_requests, self._api_requests
        stats = self._store.stats().model_dump()
        return JSONResponse({"purchase_orders": stats, "token_requests": token_requests, "requests": api_requests})

    async def _all_purchase_orders(self, request: Request) -> Response:
        return JSONResponse(self._store.documents())

    async def _expire_tokens(self, request: Request) -> Response:
        self.tokens.expire_all()
        return Response(status_code=204)

    async def _reset(self, request: Request) -> Response:
        self._store.reset()
        return Response(status_code=204)
