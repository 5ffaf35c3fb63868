"""Control routes of the simulated account (`/__sim__/…`): seeding, user edits, run-time settings, stats."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ml_connector_dagster.netsuite.simulator.seeding import TransactionKind
from ml_connector_dagster.netsuite.simulator.settings import RuntimeSettings
from ml_connector_dagster.simulation.faults import CONTROL_PREFIX

if TYPE_CHECKING:
    from ml_connector_dagster.netsuite.simulator.app import NetSuiteSimulator

Handler = Callable[[Request], Awaitable[Response]]


class AtRequest(BaseModel):
    at: AwareDatetime | None = None


class SeedRequest(BaseModel):
    count: int = Field(ge=1)
    start: AwareDatetime
    end: AwareDatetime
    seed: int = 7


class PurchaseOrderSeedRequest(SeedRequest):
    lines: int = Field(default=3, ge=1)


class VendorBillSeedRequest(SeedRequest):
    lines: int = Field(default=2, ge=1)
    accounts: list[int] | None = None


class ManySeedRequest(SeedRequest):
    kind: TransactionKind = "vendorbill"
    lines: int = Field(default=0, ge=0)


def _handler(run: Callable[[Request, bytes], Any]) -> Handler:
    """Runs `run` on the request and its body; a bad body is a 400, an unknown record a 404."""

    async def handler(request: Request) -> Response:
        raw = await request.body()
        try:
            answer = run(request, raw or b"{}")
        except (ValidationError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 400)
        except KeyError as error:
            return JSONResponse({"error": str(error.args[0]) if error.args else "not found"}, 404)
        return JSONResponse(answer.model_dump(mode="json") if isinstance(answer, BaseModel) else answer)

    return handler


def control_routes(simulator: "NetSuiteSimulator") -> list[Route]:
    def seed_reference(request: Request, raw: bytes) -> Any:
        return simulator.seed_reference(AtRequest.model_validate_json(raw).at)

    def seed_vendors(request: Request, raw: bytes) -> Any:
        body = SeedRequest.model_validate_json(raw)
        return simulator.seed_vendors(body.count, body.start, body.end, body.seed)

    def seed_orders(request: Request, raw: bytes) -> Any:
        body = PurchaseOrderSeedRequest.model_validate_json(raw)
        return simulator.seed_purchase_orders(body.count, body.start, body.end, body.lines, seed=body.seed)

    def seed_bills(request: Request, raw: bytes) -> Any:
        body = VendorBillSeedRequest.model_validate_json(raw)
        return simulator.seed_vendor_bills(body.count, body.start, body.end, body.lines, body.accounts, body.seed)

    def seed_many(request: Request, raw: bytes) -> Any:
        body = ManySeedRequest.model_validate_json(raw)
        return simulator.seed_many_transactions(body.count, body.start, body.end, body.kind, body.lines, body.seed)

    def edit(change: Callable[[int, datetime | None], None]) -> Callable[[Request, bytes], Any]:
        def run(request: Request, raw: bytes) -> Any:
            change(request.path_params["record_id"], AtRequest.model_validate_json(raw).at)
            return {"done": True}

        return run

    def touch(request: Request, raw: bytes) -> Any:
        table, record_id = request.path_params["table"], request.path_params["record_id"]
        simulator.touch(table, record_id, AtRequest.model_validate_json(raw).at)
        return {"done": True}

    def get_settings(request: Request, raw: bytes) -> Any:
        return RuntimeSettings.of(simulator.settings)

    def put_settings(request: Request, raw: bytes) -> Any:
        return simulator.update_settings(RuntimeSettings.model_validate_json(raw))

    def stats(request: Request, raw: bytes) -> Any:
        return simulator.stats()

    prefix = CONTROL_PREFIX
    return [
        Route(f"{prefix}/reference/seed", _handler(seed_reference), methods=["POST"]),
        Route(f"{prefix}/vendors/seed", _handler(seed_vendors), methods=["POST"]),
        Route(f"{prefix}/purchase-orders/seed", _handler(seed_orders), methods=["POST"]),
        Route(f"{prefix}/vendor-bills/seed", _handler(seed_bills), methods=["POST"]),
        Route(f"{prefix}/transactions/seed-many", _handler(seed_many), methods=["POST"]),
        Route(f"{prefix}/vendors/{{record_id:int}}/delete", _handler(edit(simulator.delete_vendor)), methods=["POST"]),
        Route(f"{prefix}/vendor-bills/{{record_id:int}}/void", _handler(edit(simulator.void_bill)), methods=["POST"]),
        Route(f"{prefix}/tables/{{table}}/{{record_id:int}}/touch", _handler(touch), methods=["POST"]),
        Route(f"{prefix}/settings", _handler(get_settings), methods=["GET"]),
        Route(f"{prefix}/settings", _handler(put_settings), methods=["PUT"]),
        Route(f"{prefix}/stats", _handler(stats), methods=["GET"]),
    ]
