"""The NetSuite client against the simulated account over loopback HTTP: windows past the 100,000-row ceiling
with offset always 0, account-local midnight and both daylight-saving changes under either reading of a
repeated local hour, 429 under the concurrency limit, child rows in IN chunks, the sensors' first change,
ping, and both logins."""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import SecretStr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ml_connector_dagster.http.errors import CheckFailed
from ml_connector_dagster.http.retry import RetryPolicy
from ml_connector_dagster.netsuite.client import SUITEQL_PATH, NetSuiteClient
from ml_connector_dagster.netsuite.connection import NetSuiteConnection
from ml_connector_dagster.netsuite.simulator import NetSuiteSimSettings, NetSuiteSimulator
from ml_connector_dagster.netsuite.simulator.auth import SimAuth, SimAuthSettings, demo_key_pair
from ml_connector_dagster.netsuite.suiteql import CHANGED_AT, id_list, identifier, quote
from ml_connector_dagster.simulation.server import LoopbackServer

LOCAL = ZoneInfo("America/Los_Angeles")
LO, HI = datetime(2026, 3, 2, 8, tzinfo=UTC), datetime(2026, 3, 3, 8, tzinfo=UTC)
BIG = 101_000
DEMO = SimAuthSettings()
FAST_RETRY = RetryPolicy(base_delay_seconds=0.01, max_delay_seconds=0.2, max_attempts=30)


class Recorder:
    """Passes every request to the account and keeps the SuiteQL ones: their query string and `q`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.queries: list[tuple[dict[str, list[str]], str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != SUITEQL_PATH:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        message = await receive()
        chunks.append(message.get("body", b""))
        while message.get("more_body"):
            message = await receive()
            chunks.append(message.get("body", b""))
        body = b"".join(chunks)
        self.queries.append((parse_qs(scope.get("query_string", b"").decode()), json.loads(body or b"{}").get("q", "")))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class Account:
    def __init__(self, simulator: NetSuiteSimulator, recorder: Recorder, url: str) -> None:
        self.simulator = simulator
        self.recorder = recorder
        self.url = url

    def settings(self, **changes: Any) -> None:
        httpx.put(f"{self.url}/__sim__/settings", json=changes).raise_for_status()

    def faults(self, **settings: Any) -> None:
        httpx.put(f"{self.url}/__sim__/faults", json=settings).raise_for_status()

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/__sim__/stats").json()

    def connection(self, auth: str = "m2m", **overrides: Any) -> NetSuiteConnection:
        given: dict[str, Any] = {"account_id": DEMO.account_id, "base_url": self.url, "auth": auth, "retry": FAST_RETRY}
        if auth == "m2m":
            pair = demo_key_pair()
            given |= {
                "client_id": DEMO.client_id,
                "certificate_id": DEMO.certificate_id,
                "private_key": pair.private_pem,
                "algorithm": pair.algorithm,
            }
        else:
            given |= {
                "consumer_key": DEMO.consumer_key,
                "consumer_secret": SecretStr(DEMO.consumer_secret),
                "token_id": DEMO.token_id,
                "token_secret": SecretStr(DEMO.token_secret),
            }
        return NetSuiteConnection.model_validate({**given, **overrides})

    @contextmanager
    def client(self, auth: str = "m2m", **overrides: Any) -> Iterator[NetSuiteClient]:
        client = NetSuiteClient(self.connection(auth, **overrides))
        try:
            yield client
        finally:
            client.close()


@contextmanager
def serving(simulator: NetSuiteSimulator) -> Iterator[Account]:
    recorder = Recorder(simulator.app)
    with LoopbackServer(recorder) as server:
        yield Account(simulator, recorder, server.url)


@pytest.fixture
def account() -> Iterator[Account]:
    simulator = NetSuiteSimulator(SimAuth())
    simulator.seed_vendors(30, LO, HI)
    with serving(simulator) as served:
        yield served


@pytest.fixture(scope="module")
def big_account() -> Iterator[Account]:
    simulator = NetSuiteSimulator(SimAuth())
    simulator.seed_vendors(5, LO, HI)
    simulator.seed_many_transactions(BIG, LO, HI)
    with serving(simulator) as served:
        yield served


def local(*parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=LOCAL, fold=fold).astimezone(UTC)  # type: ignore[misc]


def windows(start: datetime, end: datetime, step: timedelta) -> list[tuple[datetime, datetime]]:
    bounds = [start]
    while bounds[-1] < end:
        bounds.append(min(bounds[-1] + step, end))
    return list(zip(bounds, bounds[1:], strict=False))


def read_windows(client: NetSuiteClient, table: str, spans: list[tuple[datetime, datetime]]) -> dict[int, list[Any]]:
    """Each id read by the windows, with (window, the instant it was stamped with) per read."""
    reads: dict[int, list[Any]] = {}
    for lo, hi in spans:
        for row in client.iter_window(table, [], lo, hi):
            reads.setdefault(int(row["id"]), []).append(((lo, hi), row[CHANGED_AT]))
    return reads


def test_a_window_past_the_offset_ceiling_is_read_whole_with_offset_zero(big_account: Account) -> None:
    big_account.recorder.queries.clear()
    started = time.monotonic()
    with big_account.client() as client:
        ids = [row["id"] for row in client.iter_window("transaction", ["tranid", "entity"], LO, HI)]
    assert len(ids) == len(set(ids)) == BIG
    assert time.monotonic() - started < 30
    offsets = {params["offset"][0] for params, _ in big_account.recorder.queries}
    assert offsets == {"0"} and len(big_account.recorder.queries) == -(-BIG // 1000)


def test_a_window_reads_columns_as_sent_and_where(big_account: Account) -> None:
    hour = (LO + timedelta(hours=5), LO + timedelta(hours=6))
    with big_account.client() as client:
        rows = list(client.iter_window("transaction", ["tranid", "voided"], *hour, where=f"voided = {quote('F')}"))
        none = list(client.iter_window("transaction", ["tranid"], *hour, where=f"voided = {quote('T')}"))
    assert rows and not none
    stamps = [row[CHANGED_AT] for row in rows]
    assert stamps == sorted(stamps) and all(hour[0] <= stamp < hour[1] for stamp in stamps)
    assert all(row["tranid"] == f"INV-{row['id']}" and row["voided"] == "F" for row in rows)


@pytest.mark.parametrize("reading", ["earlier", "later"])
@pytest.mark.parametrize("step", [timedelta(hours=1), timedelta(minutes=17, seconds=0.25)], ids=["hourly", "odd"])
def test_midnight_and_both_dst_changes_are_read_once_by_the_window_holding_them(reading: str, step: timedelta) -> None:
    simulator = NetSuiteSimulator(SimAuth(), NetSuiteSimSettings(ambiguous_local_time=reading))  # type: ignore[arg-type]
    fall = (local(2026, 10, 31, 22), local(2026, 11, 1, 5))
    spring = (local(2026, 3, 7, 22), local(2026, 3, 8, 6))
    midnight = (local(2026, 11, 19, 22), local(2026, 11, 20, 2))
    # Busy hours around both changes, and records at the moments that break naive cursors.
    simulator.seed_vendors(300, *fall, seed=11)
    simulator.seed_vendors(100, *spring, seed=12)
    first = simulator.seed_vendors(9, LO, HI, seed=13).first_id
    moments = [
        local(2026, 11, 20, 0, 0),  # account-local midnight
        local(2026, 11, 1, 0, 59, 59),  # the last second before the repeated hour
        local(2026, 11, 1, 1, 0, fold=0),  # first occurrence of 01:00
        local(2026, 11, 1, 1, 30, fold=0),
        local(2026, 11, 1, 1, 0, fold=1),  # second occurrence of 01:00
        local(2026, 11, 1, 1, 30, fold=1),
        local(2026, 11, 1, 1, 59, 59, fold=1),
        local(2026, 11, 1, 2, 0),
        local(2026, 3, 8, 3, 0),  # just after the spring-forward gap
    ]
    for number, moment in enumerate(moments):
        simulator.touch("vendor", first + number, moment)
    with serving(simulator) as account, account.client() as client:
        truth = {
            int(row["id"]): _instant(row)
            for row in (client.http.get_json(f"/services/rest/record/v1/vendor/{n}") for n in range(101, first + 9))
        }
        spans = windows(*fall, step) + windows(*spring, step) + windows(*midnight, step)
        reads = read_windows(client, "vendor", spans)
    expected = {vendor: at for vendor, at in truth.items() if any(lo <= at < hi for lo, hi in spans)}
    assert {first + number for number in range(9)} <= set(expected)
    assert set(reads) == set(expected)
    for vendor, at in expected.items():
        ((window, stamped),) = reads[vendor]  # read once, by the window that holds it
        assert stamped == at and window[0] <= at < window[1], vendor


def test_a_repeated_hour_with_one_occurrence_is_never_lost() -> None:
    """With rows in only one occurrence nothing a query asks tells the two apart: each row is read by every
    window one of its readings falls in, never by none."""
    simulator = NetSuiteSimulator(SimAuth())
    ids = simulator.seed_vendors(20, local(2026, 11, 1, 1, 0, fold=0), local(2026, 11, 1, 1, 59, 59, fold=0))
    with serving(simulator) as account, account.client() as client:
        spans = windows(local(2026, 11, 1, 0), local(2026, 11, 1, 3), timedelta(hours=1))
        reads = read_windows(client, "vendor", spans)
    assert set(reads) == set(range(ids.first_id, ids.last_id + 1))
    for stamps in reads.values():
        first_hour, second_hour = (stamp for _, stamp in stamps)
        assert second_hour - first_hour == timedelta(hours=1)


def test_429_under_the_concurrency_limit_is_backed_off_without_losing_rows(account: Account) -> None:
    account.simulator.seed_many_transactions(3_000, LO, HI, seed=5)
    account.settings(concurrency_limit=1)
    account.faults(latency_ms=20)
    halves = [(LO, LO + timedelta(hours=12)), (LO + timedelta(hours=12), HI)]
    read: list[list[str]] = [[], []]
    with account.client(max_concurrent_requests=2, page_size=250) as client:

        def pull(half: int) -> None:
            read[half] = [row["id"] for row in client.iter_window("transaction", [], *halves[half])]

        threads = [threading.Thread(target=pull, args=(half,)) for half in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    everything = read[0] + read[1]
    assert len(everything) == len(set(everything)) == 3_000
    assert account.stats()["throttled"] > 0


def test_rows_for_reads_children_of_many_parents_in_chunks_of_500(account: Account) -> None:
    bills = account.simulator.seed_vendor_bills(1_100, LO, HI, lines=2)
    parents = list(range(bills.first_id, bills.last_id + 1))
    account.recorder.queries.clear()
    with account.client(page_size=400) as client:
        lines = list(client.rows_for("transactionline", "transaction", parents, ["netamount", "mainline"]))
        sizes = [q.split(" IN (")[1].split(")")[0].count(",") + 1 for _, q in account.recorder.queries]
        accounting = list(
            client.rows_for("transactionaccountingline", "transaction", parents, ["account"], key=("transactionline",))
        )
    assert len(lines) == len({(line["transaction"], line["id"]) for line in lines}) == 1_100 * 3
    assert sorted(set(sizes), reverse=True) == [500, 100] and sizes.count(500) >= 2
    assert len({(line["transaction"], line["transactionline"]) for line in accounting}) == 1_100 * 3


def test_first_change(account: Account) -> None:
    simulator = account.simulator
    vendor = simulator.seed_vendors(2, LO, HI, seed=2).first_id
    repeated = local(2026, 11, 1, 1, 20, fold=1)
    simulator.touch("vendor", vendor, repeated)
    simulator.touch("vendor", vendor + 1, local(2026, 11, 20, 0, 0))
    with account.client() as client:
        assert client.first_change("vendor", LO) == min(_all_changes(client) - {repeated, local(2026, 11, 20)})
        assert client.first_change("vendor", local(2026, 11, 1, 1, 25, fold=0)) == repeated
        assert client.first_change("vendor", repeated + timedelta(seconds=1)) == local(2026, 11, 20)
        assert client.first_change("vendor", local(2026, 11, 20, 0, 0, 1)) is None


def test_ping_lists_missing_tables_and_the_zone(account: Account) -> None:
    account.settings(features_off=["classification"], one_world=False)
    # Without OneWorld, documents need the business unit from the profile.
    with account.client() as client, pytest.raises(CheckFailed, match="set business_unit"):
        client.ping()
    with account.client(account_timezone="America/New_York", business_unit="Honeycomb") as client:
        lines = client.ping()
    assert "tables missing (feature off): classification, subsidiary" in "\n".join(lines)
    assert any("account_timezone America/New_York" in line for line in lines)
    account.settings(features_off=[], one_world=True)
    with account.client("tba") as client:
        assert any(line.startswith("tables present: transaction,") for line in client.ping())


@pytest.mark.parametrize(
    ("auth", "wrong", "named"),
    [("m2m", {"client_id": "nobody"}, "client_id"), ("tba", {"token_secret": SecretStr("x")}, "token_secret")],
)
def test_ping_names_the_login_settings_when_login_fails(
    account: Account, auth: str, wrong: dict[str, Any], named: str
) -> None:
    with account.client(auth, **wrong) as client, pytest.raises(CheckFailed, match=named):
        client.ping()


@pytest.mark.parametrize("auth", ["m2m", "tba"])
def test_both_logins_read_end_to_end(account: Account, auth: str) -> None:
    with account.client(auth, page_size=7) as client:
        page = client.query_page("SELECT id, isinactive FROM vendor ORDER BY id", 5, offset=5)
        rows = list(client.iter_window("vendor", ["companyname", "isinactive"], LO, HI))
    assert [item["id"] for item in page.items] == [str(n) for n in range(106, 111)] and page.has_more
    assert all(set(item) == {"id", "isinactive"} and item["isinactive"] == "F" for item in page.items)
    assert sorted(int(row["id"]) for row in rows) == list(range(101, 131))
    assert account.stats()["auth_refusals"] == 0


def test_literals_are_quoted_and_checked() -> None:
    assert quote("O'Brien & Sons") == "'O''Brien & Sons'"
    assert id_list([1, "22", 333]) == "1, 22, 333"
    for bad in (["1 OR 1=1"], ["-1"], ["١"], []):
        with pytest.raises(ValueError):
            id_list(bad)
    with pytest.raises(ValueError):
        identifier("id FROM vendor --")


def test_a_quoted_value_reaches_the_account_intact(account: Account) -> None:
    with account.client() as client:
        name = client.query_page("SELECT companyname FROM vendor WHERE id = 101 ORDER BY id", 1).items[0]["companyname"]
        tricky = f"{name}' OR '1' = '1"
        found = client.query_page(f"SELECT id FROM vendor WHERE companyname = {quote(name)} ORDER BY id", 10)
        nothing = client.query_page(f"SELECT id FROM vendor WHERE companyname = {quote(tricky)} ORDER BY id", 10)
    assert "101" in [item["id"] for item in found.items] and nothing.items == []


def _instant(record: dict[str, Any]) -> datetime:
    return datetime.strptime(record["lastModifiedDate"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _all_changes(client: NetSuiteClient) -> set[datetime]:
    return {
        row[CHANGED_AT]
        for row in client.iter_window("vendor", [], datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    }
