"""NetSuite's governance: a limit on concurrent REST requests per account, not a per-minute quota [doc].

The gate wraps the whole app, fault latency included, so a request held by injected latency is in flight
as a slow answer of the real service would be. The token endpoint and control routes are not counted.
"""

import threading
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from ml_connector_dagster.netsuite.simulator.errors import error_response

GOVERNED_PREFIX = "/services/rest/"
UNGOVERNED_PREFIX = "/services/rest/auth/"


class ConcurrencyGate:
    def __init__(self, app: ASGIApp, limit: Callable[[], int], error_code: Callable[[], str]) -> None:
        self.app = app
        self._limit = limit
        self._error_code = error_code
        self._lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(GOVERNED_PREFIX) or path.startswith(UNGOVERNED_PREFIX):
            await self.app(scope, receive, send)
            return
        with self._lock:
            admitted = self.in_flight < self._limit()
            if admitted:
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            else:
                self.refused += 1
        if not admitted:
            detail = "Concurrent request limit exceeded. Request blocked."
            await error_response(429, self._error_code(), detail)(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            with self._lock:
                self.in_flight -= 1
