"""The NetSuite simulator served on loopback with a logged-in client, and the helpers its tests share."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import jwt

from ml_connector_dagster.netsuite.simulator import NetSuiteSimulator
from ml_connector_dagster.netsuite.simulator.auth import JWT_BEARER, TOKEN_PATH, SimAuth, demo_key_pair
from ml_connector_dagster.simulation.server import LoopbackServer

SUITEQL = "/services/rest/query/v1/suiteql"
LOCAL = ZoneInfo("America/Los_Angeles")
STAMP = "'YYYY-MM-DD HH24:MI:SS'"
LO, HI = datetime(2026, 3, 2, 8, tzinfo=UTC), datetime(2026, 3, 3, 8, tzinfo=UTC)
BIG = 101_000


def _token(url: str, auth: SimAuth) -> str:
    """An M2M access token, minted the documented way: a client assertion signed with the certificate key."""
    settings, now = auth.settings, int(time.time())
    claims = {"iss": settings.client_id, "scope": "rest_webservices", "aud": f"{url}{TOKEN_PATH}"}
    assertion = jwt.encode(
        {**claims, "iat": now, "exp": now + 300},
        demo_key_pair().private_pem,
        algorithm="ES256",
        headers={"kid": settings.certificate_id, "typ": "JWT"},
    )
    form = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER, "client_assertion": assertion}
    answer = httpx.post(f"{url}{TOKEN_PATH}", data=form)
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


class Account:
    """A running simulator and a client logged in to it."""

    def __init__(self, simulator: NetSuiteSimulator, url: str, auth: SimAuth) -> None:
        self.simulator = simulator
        self.url = url
        headers = {"Authorization": f"Bearer {_token(url, auth)}", "Prefer": "transient"}
        self.client = httpx.Client(base_url=url, headers=headers, timeout=30)

    def post(self, q: str, limit: int = 1000, offset: int = 0, **headers: str) -> httpx.Response:
        return self.client.post(SUITEQL, params={"limit": limit, "offset": offset}, json={"q": q}, headers=headers)

    def page(self, q: str, limit: int = 1000, offset: int = 0) -> dict[str, Any]:
        answer = self.post(q, limit, offset)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def items(self, q: str) -> list[dict[str, Any]]:
        page = self.page(q)
        assert not page["hasMore"]
        return page["items"]

    def settings(self, **changes: Any) -> None:
        httpx.put(f"{self.url}/__sim__/settings", json=changes).raise_for_status()


def _running(simulator: NetSuiteSimulator, auth: SimAuth) -> Iterator[Account]:
    with LoopbackServer(simulator.app) as server:
        account = Account(simulator, server.url, auth)
        yield account
        account.client.close()


def _error(answer: httpx.Response, status: int) -> dict[str, str]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert {"type", "title", "status", "o:errorDetails"} <= set(body) and body["status"] == status
    return body["o:errorDetails"][0]


def _window(lower: datetime, upper: datetime) -> str:
    local = [moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S") for moment in (lower, upper)]
    return (
        f"lastmodifieddate >= TO_TIMESTAMP('{local[0]}', {STAMP}) "
        f"AND lastmodifieddate < TO_TIMESTAMP('{local[1]}', {STAMP})"
    )


def seeded() -> Iterator[Account]:
    """An account of 30 vendors, 20 purchase orders (3 lines) and 20 bills (2 lines), served on loopback."""
    auth = SimAuth()
    simulator = NetSuiteSimulator(auth)
    simulator.seed_vendors(30, LO, HI)
    simulator.seed_purchase_orders(20, LO, HI, lines=3)
    simulator.seed_vendor_bills(20, LO, HI, lines=2)
    yield from _running(simulator, auth)


def seeded_big() -> Iterator[Account]:
    """An account of BIG header-only transactions, past the offset ceiling."""
    auth = SimAuth()
    simulator = NetSuiteSimulator(auth)
    simulator.seed_vendors(5, LO, HI)
    simulator.seed_many_transactions(BIG, LO, HI)
    yield from _running(simulator, auth)
