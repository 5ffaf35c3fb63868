"""The simulated Fusion pod over HTTP: OCI IAM tokens, the fscmRestApi purchaseOrders tree, control routes."""

import base64
import binascii
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ml_connector_dagster.fusion.simulator.data import PurchaseOrderStore, SeedSummary
from ml_connector_dagster.fusion.simulator.errors import SimError, render_error
from ml_connector_dagster.fusion.simulator.query import QueryError
from ml_connector_dagster.fusion.simulator.resources import (
    API_VERSION,
    RESOURCES_PATH,
    ResourceTree,
    link,
    not_found,
)
from ml_connector_dagster.fusion.simulator.settings import FusionSimSettings
from ml_connector_dagster.simulation.faults import CONTROL_PREFIX, FaultMiddleware, FaultPlan, fault_control_routes
from ml_connector_dagster.simulation.tokens import TokenIssuer

# `latest` is an alias Oracle resolves to the current version; both serve the same resources.
_VERSION_SEGMENTS = {API_VERSION, "latest"}
Serve = Callable[[str, int], tuple[Any, str]]


class SeedRequest(BaseModel):
    count: int = Field(ge=1)
    start: AwareDatetime
    end: AwareDatetime
    malformed: int = Field(default=0, ge=0)
    seed: int = 7


class TouchRequest(BaseModel):
    at: AwareDatetime | None = None


class OracleJSONResponse(Response):
    """JSON whose amounts keep their two decimals (`1234.50`), as Fusion sends them."""

    def render(self, content: Any) -> bytes:
        return _dumps(content).encode("utf-8")


def _dumps(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(key)}:{_dumps(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dumps(item) for item in value) + "]"
    return json.dumps(value)


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, colon, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if colon else None


class FusionSimulator:
    """One pod: `app` is the ASGI app to serve (faults applied), the rest is for tests to steer and inspect."""

    def __init__(self, settings: FusionSimSettings | None = None) -> None:
        self.settings = settings or FusionSimSettings()
        self.tokens = TokenIssuer(expires_in=self.settings.token_expires_in)
        self.faults = FaultPlan()
        self._store = PurchaseOrderStore()
        self._tree = ResourceTree(self.settings, self._store)
        self._stats_lock = threading.Lock()
        self._stats = {"token_requests": 0, "requests": 0}
        self.app: ASGIApp = FaultMiddleware(Starlette(routes=self._routes()), self.faults)

    def seed_purchase_orders(
        self, count: int, start: datetime, end: datetime, malformed: int = 0, seed: int = 7
    ) -> SeedSummary:
        return self._store.seed(count, start, end, malformed, seed)

    def touch_purchase_order(self, po_header_id: int, at: datetime | None = None) -> datetime:
        return self._store.touch(po_header_id, at or datetime.now(UTC))

    def purchase_order_count(self) -> int:
        return self._store.count()

    def _routes(self) -> list[Route]:
        return [
            Route("/oauth2/v1/token", self._token, methods=["POST"]),
            Route(RESOURCES_PATH, self._catalog, methods=["GET"]),
            Route(f"{RESOURCES_PATH}/", self._catalog, methods=["GET"]),
            Route(f"{RESOURCES_PATH}/{{version}}/{{path:path}}", self._resource, methods=["GET"]),
            Route(f"{CONTROL_PREFIX}/seed", self._seed, methods=["POST"]),
            Route(f"{CONTROL_PREFIX}/purchase-orders/{{po_id:int}}/touch", self._touch, methods=["POST"]),
            Route(f"{CONTROL_PREFIX}/tokens/expire", self._expire_tokens, methods=["POST"]),
            Route(f"{CONTROL_PREFIX}/stats", self._stats_route, methods=["GET"]),
            *fault_control_routes(self.faults),
        ]

    def _count(self, name: str) -> None:
        with self._stats_lock:
            self._stats[name] += 1

    async def _token(self, request: Request) -> Response:
        self._count("token_requests")
        client = _basic_credentials(request.headers.get("authorization", ""))
        if client != (self.settings.client_id, self.settings.client_secret):
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client authentication failed."},
                401,
                {"WWW-Authenticate": 'Basic realm="identity"'},
            )
        form = {key: values[0] for key, values in parse_qs((await request.body()).decode("utf-8")).items()}
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        if self.settings.scope not in form.get("scope", "").split():
            return JSONResponse({"error": "invalid_scope", "error_description": "The scope is invalid."}, 400)
        token, expires_in = self.tokens.issue()
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": expires_in})

    async def _catalog(self, request: Request) -> Response:
        def catalog(base: str, version: int) -> tuple[Any, str]:
            href = f"{base}{RESOURCES_PATH}/{API_VERSION}"
            item = {"version": API_VERSION, "isLatest": True, "links": [link("self", href, API_VERSION, "item")]}
            body = {"items": [item], "allowedFrameworkVersions": self.settings.allowed_framework_versions}
            return body, "application/json"

        return self._guarded(request, catalog)

    async def _resource(self, request: Request) -> Response:
        def resource(base: str, version: int) -> tuple[Any, str]:
            if request.path_params["version"] not in _VERSION_SEGMENTS:
                raise not_found(request.url.path)
            segments = request.path_params["path"].strip("/").split("/")
            return self._tree.serve(segments, base, request.query_params, version)

        return self._guarded(request, resource)

    def _guarded(self, request: Request, serve: Serve) -> Response:
        """Counts, authenticates and checks the framework version, then renders `serve`'s body or error."""
        self._count("requests")
        accept = request.headers.get("accept", "")
        raw_version = request.headers.get("rest-framework-version", "1")
        if not raw_version.strip().isdigit() or int(raw_version) not in self.settings.allowed_framework_versions:
            detail = f"REST-Framework-Version {raw_version!r} is not one of {self.settings.allowed_framework_versions}."
            return render_error(SimError(400, detail, "REST-Framework-Version"), 1, accept)
        version = int(raw_version)
        try:
            self._authenticate(request)
            with self._store.lock:
                body, media_type = serve(f"{request.url.scheme}://{request.url.netloc}", version)
        except QueryError as error:
            return render_error(SimError(400, error.detail, error.path, "SIM-QUERY"), version, accept)
        except SimError as error:
            return render_error(error, version, accept)
        return OracleJSONResponse(body, media_type=media_type, headers={"REST-Framework-Version": str(version)})

    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and self.tokens.is_valid(token.strip()):
            return
        credentials = _basic_credentials(header)
        if credentials is not None and self.settings.basic_users.get(credentials[0]) == credentials[1]:
            return
        raise SimError(
            401, "Missing, invalid or expired credentials.", code="SIM-AUTH", headers={"WWW-Authenticate": "Bearer"}
        )

    async def _seed(self, request: Request) -> Response:
        try:
            body = SeedRequest.model_validate_json(await request.body())
            summary = self.seed_purchase_orders(body.count, body.start, body.end, body.malformed, body.seed)
        except (ValidationError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse(summary.model_dump(mode="json"))

    async def _touch(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = TouchRequest.model_validate_json(raw) if raw.strip() else TouchRequest()
            stamp = self.touch_purchase_order(request.path_params["po_id"], body.at)
        except ValidationError as error:
            return JSONResponse({"error": str(error)}, 400)
        except KeyError:
            return JSONResponse({"error": f"no purchase order {request.path_params['po_id']}"}, 404)
        return JSONResponse({"LastUpdateDate": stamp.isoformat(timespec="milliseconds")})

    async def _expire_tokens(self, request: Request) -> Response:
        self.tokens.expire_all()
        return JSONResponse({"expired": True})

    async def _stats_route(self, request: Request) -> Response:
        with self._stats_lock:
            stats = dict(self._stats)
        return JSONResponse({"purchase_orders": self.purchase_order_count(), **stats})
