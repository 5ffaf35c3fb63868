"""A simulated NetSuite account's logins in front of a SuiteQL route, on loopback, and connections to it: what
the NetSuite auth tests share."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from oauthlib.oauth1.rfc5849.utils import parse_authorization_header
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.retry import RetryPolicy
from ml_connector_dagster.http.tokens import TokenProvider
from ml_connector_dagster.netsuite.auth import authorizer_for
from ml_connector_dagster.netsuite.connection import SYSTEM, NetSuiteConnection
from ml_connector_dagster.netsuite.simulator.auth import (
    INVALID_LOGIN_DETAIL,
    TOKEN_PATH,
    SimAuth,
    SimAuthError,
    SimAuthSettings,
)
from ml_connector_dagster.simulation.server import LoopbackServer

SUITEQL_PATH = "/services/rest/query/v1/suiteql"
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
SETTINGS = SimAuthSettings()  # the fixed test credentials; each account below registers its own key


class Clock:
    """One clock for the connector and the simulated account, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def timestamp(self) -> float:
        return self.now.timestamp()

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Account:
    """A simulated account's logins in front of a SuiteQL route. `refuse_next` answers that many bogus
    INVALID_LOGINs to requests that did pass, as NetSuite does under load."""

    def __init__(self, settings: SimAuthSettings, clock: Clock) -> None:
        self.auth = SimAuth(settings, clock.timestamp)
        self.clock = clock
        self.url = ""
        self.seen: list[str] = []
        self.refuse_next = 0
        self.app = Starlette(routes=[*self.auth.routes(), Route(SUITEQL_PATH, self._suiteql, methods=["POST"])])

    async def _suiteql(self, request: Request) -> Response:
        self.seen.append(request.headers.get("authorization", ""))
        body = await request.body()
        try:
            self.auth.authorize(request)
            if self.refuse_next:
                self.refuse_next -= 1
                raise SimAuthError(401, "INVALID_LOGIN", INVALID_LOGIN_DETAIL)
        except SimAuthError as refused:
            detail = {"detail": refused.detail, "o:errorCode": refused.code}
            return JSONResponse({"title": "Unauthorized", "status": refused.status, "o:errorDetails": [detail]}, 401)
        return JSONResponse({"items": [], "hasMore": False, "q": json.loads(body)["q"]})

    def token_url(self) -> str:
        return self.url + TOKEN_PATH


@contextmanager
def serving(settings: SimAuthSettings) -> Iterator[Account]:
    account = Account(settings, Clock(T0))
    with LoopbackServer(account.app) as server:
        account.url = server.url
        yield account


def m2m(url: str, private_pem: str, **overrides: Any) -> NetSuiteConnection:
    given: dict[str, Any] = {
        "account_id": SETTINGS.account_id,
        "base_url": url,
        "auth": "m2m",
        "client_id": SETTINGS.client_id,
        "certificate_id": SETTINGS.certificate_id,
        "private_key": private_pem,
        "retry": RetryPolicy(base_delay_seconds=0),
    }
    return NetSuiteConnection.model_validate({**given, **overrides})


def tba(url: str) -> NetSuiteConnection:
    return NetSuiteConnection(
        account_id=SETTINGS.account_id,
        base_url=url,
        auth="tba",
        consumer_key=SETTINGS.consumer_key,
        consumer_secret=SecretStr(SETTINGS.consumer_secret),
        token_id=SETTINGS.token_id,
        token_secret=SecretStr(SETTINGS.token_secret),
    )


@contextmanager
def connected(connection: NetSuiteConnection, clock: Clock) -> Iterator[tuple[ApiClient, TokenProvider | None]]:
    authorizer, tokens = authorizer_for(connection, clock=clock)
    http = ApiClient(SYSTEM, connection.base_url, authorizer, retry=connection.retry)
    try:
        yield http, tokens
    finally:
        http.close()
        if tokens is not None:
            tokens.close()


def query(http: ApiClient) -> Any:
    """A SuiteQL page request as the connector sends it: limit/offset in the URL, the query in a JSON body."""
    response = http.send(
        "POST",
        SUITEQL_PATH,
        write=False,
        params={"limit": 1000, "offset": 0},
        content=json.dumps({"q": "SELECT id FROM vendor"}).encode(),
        headers={"Content-Type": "application/json", "Prefer": "transient"},
    )
    return response.json()


def oauth_params(header: str) -> dict[str, str]:
    return {name: unquote(value) for name, value in parse_authorization_header(header)}
