"""Per-run fault injection for the simulators: latency, throttling, server errors, lost answers, dropped connections.

A plan is a list of rules; each matching request consumes one use of the first rule that matches it.
Tests and the demo set a plan through the simulator's control endpoint (`PUT /__sim__/faults`).
"""

import asyncio
import threading
from collections import Counter
from typing import Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTROL_PREFIX = "/__sim__"


class FaultRule(BaseModel):
    """`respond` answers with `status` instead of serving the request. `lost_answer` serves the request
    (so a write is committed) and then answers 502 with no body, as a gateway that lost the answer would.
    `slow_answer` serves the request, then holds the answer for `hold_seconds`. `drop` does not serve the
    request and breaks the connection off part-way through the answer's headers and body."""

    mode: Literal["respond", "lost_answer", "slow_answer", "drop"] = "respond"
    status: int = 503
    retry_after: float | None = None
    times: int = Field(default=1, ge=1)
    method: str | None = None
    path_contains: str = ""
    hold_seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_contains in path

    @property
    def kind(self) -> str:
        """What a client saw: the status it was answered with, or the mode (`lost_answer`, `drop`, …)."""
        return str(self.status) if self.mode == "respond" else self.mode


class FaultSettings(BaseModel):
    latency_ms: int = Field(default=0, ge=0)
    rules: list[FaultRule] = []


class FaultPlan:
    """Thread-safe holder of the active fault settings; counts rules down as they fire."""

    def __init__(self) -> None:
        self._settings = FaultSettings()
        self._lock = threading.Lock()
        self.fired: int = 0
        # Rules fired, by kind (FaultRule.kind): what a soak reports it injected.
        self.fired_by_kind: Counter[str] = Counter()

    def replace(self, settings: FaultSettings) -> None:
        with self._lock:
            self._settings = settings.model_copy(deep=True)

    def snapshot(self) -> FaultSettings:
        with self._lock:
            return self._settings.model_copy(deep=True)

    @property
    def latency_ms(self) -> int:
        return self._settings.latency_ms

    def take(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self._settings.rules:
                if rule.matches(method, path):
                    rule.times -= 1
                    if rule.times == 0:
                        self._settings.rules.remove(rule)
                    self.fired += 1
                    self.fired_by_kind[rule.kind] += 1
                    return rule.model_copy()
        return None


def _error_response(rule: FaultRule) -> Response:
    headers = {}
    if rule.retry_after is not None:
        headers["Retry-After"] = f"{rule.retry_after:g}"
    return JSONResponse({"title": "Injected fault", "status": rule.status}, status_code=rule.status, headers=headers)


class FaultMiddleware:
    """Applies a FaultPlan to every request except the control endpoints."""

    def __init__(self, app: ASGIApp, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        if self.plan.latency_ms:
            await asyncio.sleep(self.plan.latency_ms / 1000)
        rule = self.plan.take(scope["method"], path)
        if rule is None:
            await self.app(scope, receive, send)
        elif rule.mode == "respond":
            await _error_response(rule)(scope, receive, send)
        elif rule.mode == "slow_answer":
            await self._serve_then_hold_answer(scope, receive, send, rule.hold_seconds)
        elif rule.mode == "drop":
            await self._drop_connection(send)
        else:
            await self._serve_then_lose_answer(scope, receive, send)

    async def _serve_then_hold_answer(self, scope: Scope, receive: Receive, send: Send, hold_seconds: float) -> None:
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        await asyncio.sleep(hold_seconds)
        for message in held:
            await send(message)

    @staticmethod
    async def _drop_connection(send: Send) -> None:
        """An answer promising more body than it sends, then an error: the server closes the connection, so the
        client reads a connection broken off mid-answer."""
        headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"{", "more_body": True})
        raise ConnectionAbortedError("injected fault: connection dropped")

    async def _serve_then_lose_answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def swallow(message: Message) -> None:
            return None

        await self.app(scope, receive, swallow)
        await Response(status_code=502)(scope, receive, send)


def fault_control_routes(plan: FaultPlan) -> list[Route]:
    """`GET/PUT /__sim__/faults`: read or replace the plan."""

    async def get_faults(request: Request) -> Response:
        return JSONResponse(plan.snapshot().model_dump())

    async def put_faults(request: Request) -> Response:
        plan.replace(FaultSettings.model_validate(await request.json()))
        return JSONResponse(plan.snapshot().model_dump())

    return [
        Route(f"{CONTROL_PREFIX}/faults", get_faults, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/faults", put_faults, methods=["PUT"]),
    ]
