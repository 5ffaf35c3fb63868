"""Tokens and retries, over real HTTP to the simulators on loopback."""

import time
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.connections import fusion_client, jaggaer_client, load_connection
from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.connection import FusionConnection
from ml_connector_dagster.fusion.purchase_orders import PurchaseOrderMapping
from ml_connector_dagster.http.errors import AuthenticationError, TransientError, WriteOutcomeUnknown
from ml_connector_dagster.http.retry import RetryPolicy, parse_retry_after
from ml_connector_dagster.store import Store

from .conftest import hours_ago


def put_faults(base_url: str, **settings: object) -> None:
    httpx.put(f"{base_url}/__sim__/faults", json=settings).raise_for_status()


def fusion_with(store: Store, sleeps: list[float] | None = None, **overrides: object) -> FusionClient:
    connection = load_connection(store, "fusion", "default", FusionConnection).model_copy(update=overrides)

    def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)
        time.sleep(seconds)

    return FusionClient(connection, sleep=sleep)


@pytest.fixture
def store(plain_store: Store) -> Store:
    """Token and retry counts here are exact: nothing may have fetched a token before the test does."""
    return plain_store


def test_token_is_renewed_before_it_expires(store: Store, sims: LocalSimulators) -> None:
    sims.fusion.tokens.expires_in = 3
    client = fusion_with(store, token_refresh_margin_seconds=2)
    client.ping()
    assert client.tokens is not None and client.tokens.fetch_count == 1
    client.ping()
    assert client.tokens.fetch_count == 1, "a fresh token is reused"
    time.sleep(1.2)  # inside the margin, while the simulator still accepts the old token
    client.ping()
    assert client.tokens.fetch_count == 2
    assert sims.fusion.tokens.issued_count == 2


def test_a_401_renews_the_token_and_retries_once(store: Store, sims: LocalSimulators) -> None:
    client = fusion_client(store)
    client.ping()
    httpx.post(f"{sims.fusion_url}/__sim__/tokens/expire").raise_for_status()
    client.ping()
    assert client.tokens is not None and client.tokens.fetch_count == 2


def test_a_second_401_is_an_authentication_error_not_a_loop(store: Store, sims: LocalSimulators) -> None:
    client = fusion_client(store)
    put_faults(sims.fusion_url, rules=[{"status": 401, "times": 5, "path_contains": "/fscmRestApi"}])
    with pytest.raises(AuthenticationError, match="refused"):
        client.ping()
    remaining = httpx.get(f"{sims.fusion_url}/__sim__/faults").json()["rules"][0]["times"]
    assert remaining == 3, "exactly two attempts: the first and one retry with a new token"


def test_fusion_local_users_authenticate_with_http_basic(store: Store, sims: LocalSimulators) -> None:
    [(username, password)] = sims.fusion.settings.basic_users.items()
    connection = FusionConnection(base_url=sims.fusion_url, auth="basic", username=username, password=password)
    client = FusionClient(connection)
    assert any("authenticated" in line for line in client.ping())
    assert sims.fusion.tokens.issued_count == 0, "no token endpoint involved"
    wrong = FusionClient(connection.model_copy(update={"password": SecretStr("not-it")}))
    with pytest.raises(AuthenticationError, match="refused"):
        wrong.ping()


def test_429_waits_as_long_as_retry_after_says(store: Store, sims: LocalSimulators) -> None:
    sims.fusion.seed_purchase_orders(3, hours_ago(3), hours_ago(2))
    sleeps: list[float] = []
    client = fusion_with(store, sleeps, retry=RetryPolicy(base_delay_seconds=0.01))
    put_faults(
        sims.fusion_url, rules=[{"status": 429, "retry_after": 1, "times": 2, "path_contains": "purchaseOrders"}]
    )
    orders = list(client.iter_window(PurchaseOrderMapping().resource, hours_ago(3), hours_ago(2)))
    assert len(orders) == 3
    # A 429 pauses the whole connection for as long as Retry-After says (less the moment already gone by).
    assert len(sleeps) == 2 and all(0.9 < seconds <= 1.0 for seconds in sleeps)


def test_server_errors_on_reads_back_off_then_give_up(store: Store, sims: LocalSimulators) -> None:
    sleeps: list[float] = []
    client = fusion_with(store, sleeps, retry=RetryPolicy(max_attempts=3, base_delay_seconds=0.01, jitter=False))
    put_faults(sims.fusion_url, rules=[{"status": 500, "times": 3, "path_contains": "purchaseOrders"}])
    with pytest.raises(TransientError, match="gave up after 3 attempts: HTTP 500"):
        client.ping()
    assert sleeps == [0.01, 0.02]


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Sat, 21 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("soon", now) is None


def test_a_write_whose_answer_is_lost_is_checked_not_resent(store: Store, sims: LocalSimulators) -> None:
    client = jaggaer_client(store)
    put_faults(sims.jaggaer_url, rules=[{"mode": "lost_answer", "times": 1, "method": "POST"}])
    document = {"poNumber": "US-LOST-1", "status": "OPEN"}
    # The write landed but its answer was lost: the client checks by PO number instead of creating again.
    assert client.upsert_purchase_order(document, None) == client.find_purchase_order("US-LOST-1")
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates, stats.writes) == (1, 0, 1)

    put_faults(sims.jaggaer_url, rules=[{"status": 503, "times": 1, "method": "POST"}])
    with pytest.raises(WriteOutcomeUnknown):
        client.upsert_purchase_order({"poNumber": "US-503"}, None)
    assert sims.jaggaer.purchase_order_stats().writes == 1, "a write answered 503 is not sent again"
    assert client.find_purchase_order("US-503") is None
