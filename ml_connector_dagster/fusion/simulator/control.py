"""Control routes of the simulated pod (`/__sim__/…`): seed, touch, run-time settings, token expiry, stats."""

from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ml_connector_dagster.fusion.simulator.settings import RuntimeSettings
from ml_connector_dagster.simulation.faults import CONTROL_PREFIX

if TYPE_CHECKING:
    from ml_connector_dagster.fusion.simulator.app import FusionSimulator


class SeedRequest(BaseModel):
    count: int = Field(ge=1)
    start: AwareDatetime
    end: AwareDatetime
    malformed: int = Field(default=0, ge=0)
    seed: int = 7
    max_lines: int = Field(default=4, ge=1)


class TouchRequest(BaseModel):
    at: AwareDatetime | None = None


def control_routes(simulator: "FusionSimulator") -> list[Route]:
    async def seed(request: Request) -> Response:
        try:
            body = SeedRequest.model_validate_json(await request.body())
            summary = simulator.seed_purchase_orders(
                body.count, body.start, body.end, body.malformed, body.seed, body.max_lines
            )
        except (ValidationError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse(summary.model_dump(mode="json"))

    async def touch(request: Request) -> Response:
        raw = await request.body()
        po_id = request.path_params["po_id"]
        try:
            body = TouchRequest.model_validate_json(raw) if raw.strip() else TouchRequest()
            stamp = simulator.touch_purchase_order(po_id, body.at)
        except ValidationError as error:
            return JSONResponse({"error": str(error)}, 400)
        except KeyError:
            return JSONResponse({"error": f"no purchase order {po_id}"}, 404)
        return JSONResponse({"LastUpdateDate": stamp.isoformat(timespec="milliseconds")})

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

    return [
        Route(f"{CONTROL_PREFIX}/seed", seed, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/purchase-orders/{{po_id:int}}/touch", touch, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/settings", get_settings, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/settings", put_settings, methods=["PUT"]),
        Route(f"{CONTROL_PREFIX}/tokens/expire", expire_tokens, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/stats", stats, methods=["GET"]),
    ]
