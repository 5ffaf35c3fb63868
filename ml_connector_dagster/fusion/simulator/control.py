"""Control routes of the simulated pod (`/__sim__/…`): seed, touch, enable or disable reference data, run-time
settings, token expiry, stats."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ml_connector_dagster.fusion.simulator.settings import RuntimeSettings
from ml_connector_dagster.simulation.faults import CONTROL_PREFIX

if TYPE_CHECKING:
    from ml_connector_dagster.fusion.simulator.app import FusionSimulator

Handler = Callable[[Request], Awaitable[Response]]


class SeedRequest(BaseModel):
    count: int = Field(ge=1)
    start: AwareDatetime
    end: AwareDatetime
    malformed: int = Field(default=0, ge=0)
    seed: int = 7
    max_lines: int = Field(default=4, ge=1)


class SupplierSeedRequest(BaseModel):
    count: int = Field(ge=0)
    start: AwareDatetime
    end: AwareDatetime
    malformed: int = Field(default=0, ge=0)
    seed: int = 7


class InvoiceSeedRequest(SeedRequest):
    unmapped: int = Field(default=0, ge=0)
    canceled: int = Field(default=0, ge=0)


class TouchRequest(BaseModel):
    at: AwareDatetime | None = None


class EnabledRequest(BaseModel):
    enabled: bool


def _seeding(run: Callable[[bytes], BaseModel]) -> Handler:
    async def handler(request: Request) -> Response:
        try:
            summary = run(await request.body())
        except (ValidationError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse(summary.model_dump(mode="json"))

    return handler


def _touching(what: str, touch: Callable[[int, datetime | None], datetime]) -> Handler:
    async def handler(request: Request) -> Response:
        raw = await request.body()
        key = request.path_params["key"]
        try:
            body = TouchRequest.model_validate_json(raw) if raw.strip() else TouchRequest()
            stamp = touch(key, body.at)
        except ValidationError as error:
            return JSONResponse({"error": str(error)}, 400)
        except KeyError:
            return JSONResponse({"error": f"no {what} {key}"}, 404)
        return JSONResponse({"LastUpdateDate": stamp.isoformat(timespec="milliseconds")})

    return handler


def _enabling(what: str, enable: Callable[[Any, bool], None]) -> Handler:
    async def handler(request: Request) -> Response:
        key = request.path_params["key"]
        try:
            enabled = EnabledRequest.model_validate_json(await request.body()).enabled
            enable(key, enabled)
        except ValidationError as error:
            return JSONResponse({"error": str(error)}, 400)
        except KeyError:
            return JSONResponse({"error": f"no {what} {key}"}, 404)
        return JSONResponse({"enabled": enabled})

    return handler


def control_routes(simulator: "FusionSimulator") -> list[Route]:
    def seed_orders(raw: bytes) -> BaseModel:
        body = SeedRequest.model_validate_json(raw)
        return simulator.seed_purchase_orders(
            body.count, body.start, body.end, body.malformed, body.seed, body.max_lines
        )

    def seed_suppliers(raw: bytes) -> BaseModel:
        body = SupplierSeedRequest.model_validate_json(raw)
        return simulator.seed_suppliers(body.count, body.start, body.end, body.malformed, body.seed)

    def seed_invoices(raw: bytes) -> BaseModel:
        body = InvoiceSeedRequest.model_validate_json(raw)
        return simulator.seed_invoices(
            body.count, body.start, body.end, body.malformed, body.unmapped, body.canceled, body.seed, body.max_lines
        )

    async def get_settings(request: Request) -> Response:
        return JSONResponse(RuntimeSettings.of(simulator.settings).model_dump())

    async def put_settings(request: Request) -> Response:
        try:
            changes = RuntimeSettings.model_validate_json(await request.body())
            applied = simulator.update_settings(changes)
        except ValidationError as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse(applied.model_dump())

    async def expire_tokens(request: Request) -> Response:
        simulator.tokens.expire_all()
        return JSONResponse({"expired": True})

    async def stats(request: Request) -> Response:
        return JSONResponse(simulator.stats())

    prefix = CONTROL_PREFIX
    return [
        Route(f"{prefix}/seed", _seeding(seed_orders), methods=["POST"]),
        Route(f"{prefix}/suppliers/seed", _seeding(seed_suppliers), methods=["POST"]),
        Route(f"{prefix}/invoices/seed", _seeding(seed_invoices), methods=["POST"]),
        Route(
            f"{prefix}/purchase-orders/{{key:int}}/touch",
            _touching("purchase order", simulator.touch_purchase_order),
            methods=["POST"],
        ),
        Route(
            f"{prefix}/suppliers/{{key:int}}/touch", _touching("supplier", simulator.touch_supplier), methods=["POST"]
        ),
        Route(f"{prefix}/invoices/{{key:int}}/touch", _touching("invoice", simulator.touch_invoice), methods=["POST"]),
        Route(
            f"{prefix}/account-combinations/{{key:int}}/enabled",
            _enabling("code combination", simulator.set_account_enabled),
            methods=["PUT"],
        ),
        Route(
            f"{prefix}/cost-centers/{{key}}/enabled",
            _enabling("cost center value", simulator.set_cost_center_enabled),
            methods=["PUT"],
        ),
        Route(f"{prefix}/settings", get_settings, methods=["GET"]),
        Route(f"{prefix}/settings", put_settings, methods=["PUT"]),
        Route(f"{prefix}/tokens/expire", expire_tokens, methods=["POST"]),
        Route(f"{prefix}/stats", stats, methods=["GET"]),
    ]
