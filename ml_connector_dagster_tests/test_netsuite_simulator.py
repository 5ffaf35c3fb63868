"""The NetSuite simulator's SuiteQL over real HTTP: the answer, its limits (page size, the 100,000-row offset
ceiling), keyset against offset paging, unstable ties, the account's time zone across midnight and DST,
features off, the concurrency limit, the bogus INVALID_LOGIN, and settings."""

import random
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from ml_connector_dagster.netsuite.simulator import NetSuiteSimSettings
from ml_connector_dagster_tests.netsuite_sim_account import (
    BIG,
    HI,
    LO,
    LOCAL,
    STAMP,
    SUITEQL,
    Account,
    _error,
    _window,
    seeded,
    seeded_big,
)

account = pytest.fixture(seeded)
big_account = pytest.fixture(scope="module")(seeded_big)


def test_answer_shape_string_values_and_nulls(account: Account) -> None:
    page = account.page(
        "SELECT t.id, t.tranid, t.voided, t.foreigntotal, t.entity, "
        f"TO_CHAR(t.lastmodifieddate, {STAMP}) AS changed, t.lastmodifieddate "
        "FROM transaction t WHERE t.type = 'PurchOrd' ORDER BY t.lastmodifieddate, t.id",
        limit=7,
    )
    assert set(page) == {"links", "count", "hasMore", "items", "offset", "totalResults"}
    assert (page["count"], page["hasMore"], page["offset"], page["totalResults"]) == (7, True, 0, 20)
    assert {link["rel"] for link in page["links"]} >= {"self", "next"}
    for item in page["items"]:
        assert item.pop("links") == []
        assert all(isinstance(value, str) for value in item.values()), item
        assert item["voided"] == "F"
        assert datetime.strptime(item["changed"], "%Y-%m-%d %H:%M:%S")
        # Without TO_CHAR a datetime comes back date-only, in the user's preferred format.
        month, day, year = item["lastmodifieddate"].split("/")
        assert item["changed"].startswith(f"{year}-{int(month):02d}-{int(day):02d}")
    lines = account.items("SELECT id, item, mainline FROM transactionline WHERE transaction IN (1001) ORDER BY id")
    assert [line["mainline"] for line in lines] == ["T", "F", "F", "F"]
    assert "item" not in lines[0] and all("item" in line for line in lines[1:])  # NULL is left out


def test_prefer_transient_page_size_and_body_are_checked(account: Account) -> None:
    q = "SELECT id FROM vendor"
    missing = account.client.post(SUITEQL, json={"q": q}, headers={"Prefer": ""})
    assert "Prefer: transient" in _error(missing, 400)["detail"]
    assert _error(account.post(q, limit=1001), 400)["o:errorQueryParam"] == "limit"
    assert account.page(q, limit=1000)["count"] == 30
    assert _error(account.client.post(SUITEQL, content=b"SELECT id FROM vendor"), 400)["o:errorCode"]


def test_unknown_table_and_column(account: Account) -> None:
    assert "Record 'item' was not found" in _error(account.post("SELECT id FROM item"), 400)["detail"]
    unknown = _error(account.post("SELECT id, nosuchcolumn FROM vendor"), 400)
    assert "Field 'nosuchcolumn' for record 'vendor' was not found" in unknown["detail"]
    assert _error(account.post("SELECT id FROM vendor WHERE id >"), 400)["o:errorCode"] == "INVALID_PARAMETER"
    account.settings(unknown_column_status=500)
    assert _error(account.post("SELECT nosuchcolumn FROM vendor"), 500)["o:errorCode"] == "UNEXPECTED_ERROR"


def test_where_and_or_in_is_null(account: Account) -> None:
    q = (
        "SELECT id, item FROM transactionline WHERE (transaction = 1001 OR transaction = 1002) "
        "AND (item IS NULL OR id IN (1, 3)) ORDER BY transaction, id DESC"
    )
    rows = [(item["id"], item.get("item")) for item in account.items(q)]
    assert [row[0] for row in rows] == ["3", "1", "0", "3", "1", "0"]
    assert [row[1] is None for row in rows] == [False, False, True, False, False, True]
    vendors = account.items("SELECT id FROM vendor WHERE id <> 101 AND id <= 105 AND isinactive = 'F' ORDER BY id")
    assert [vendor["id"] for vendor in vendors] == ["102", "103", "104", "105"]


def test_offset_paging_stops_at_the_ceiling_keyset_reads_every_row(big_account: Account) -> None:
    window = _window(LO, HI)
    order = "ORDER BY lastmodifieddate, id"
    last_offset_page = big_account.page(f"SELECT id FROM transaction WHERE {window} {order}", offset=99_000)
    assert last_offset_page["totalResults"] == BIG and last_offset_page["hasMore"]
    refused = big_account.post(f"SELECT id FROM transaction WHERE {window} {order}", offset=100_000)
    assert "100000" in _error(refused, 400)["detail"]

    started = time.monotonic()
    read: list[str] = []
    condition = window
    while True:
        page = big_account.page(
            f"SELECT id, TO_CHAR(lastmodifieddate, {STAMP}) AS changed FROM transaction WHERE {condition} {order}"
        )
        assert page["offset"] == 0
        read.extend(item["id"] for item in page["items"])
        if not page["hasMore"]:
            break
        stamp, last_id = page["items"][-1]["changed"], page["items"][-1]["id"]
        after = f"TO_TIMESTAMP('{stamp}', {STAMP})"
        condition = f"{window} AND (lastmodifieddate > {after} OR (lastmodifieddate = {after} AND id > {last_id}))"
    assert len(read) == len(set(read)) == BIG
    assert time.monotonic() - started < 15


def test_non_unique_order_loses_and_repeats_rows_across_offset_pages(account: Account) -> None:
    simulator = account.simulator
    simulator.seed_vendors(2_000, LO, LO + timedelta(seconds=20), seed=3)  # about 100 vendors per second

    def by_offset(order: str) -> list[str]:
        ids: list[str] = []
        offset = 0
        while True:
            page = account.page(f"SELECT id FROM vendor WHERE {_window(LO, HI)} ORDER BY {order}", 250, offset)
            ids.extend(item["id"] for item in page["items"])
            offset += page["count"]
            if not page["hasMore"]:
                return ids

    everyone = 2_030
    unique = by_offset("lastmodifieddate, id")
    assert len(unique) == len(set(unique)) == everyone
    tied = by_offset("lastmodifieddate")
    assert len(tied) == everyone and len(set(tied)) < everyone  # rows lost, others read twice
    account.settings(unstable_ties=False)
    assert len(set(by_offset("lastmodifieddate"))) == everyone


def test_account_time_zone_at_local_midnight_and_across_dst(account: Account) -> None:
    simulator = account.simulator
    first = simulator.seed_vendors(4, LO, HI, seed=5).first_id
    midnight = datetime(2026, 11, 20, 0, 0, tzinfo=LOCAL)
    summer = datetime(2026, 11, 1, 1, 30, tzinfo=LOCAL, fold=0)  # 08:30 UTC, the first 01:30
    winter = datetime(2026, 11, 1, 1, 30, tzinfo=LOCAL, fold=1)  # 09:30 UTC, the repeated 01:30
    spring = datetime(2026, 3, 8, 3, 0, tzinfo=LOCAL)  # the first minute after 02:00 jumped to 03:00
    moments = {first: midnight, first + 1: summer, first + 2: winter, first + 3: spring}
    for vendor_id, moment in moments.items():
        simulator.touch("vendor", vendor_id, moment)

    def ids(condition: str) -> set[int]:
        return {int(item["id"]) for item in account.items(f"SELECT id FROM vendor WHERE {condition}")}

    def at(local: str) -> str:
        return f"TO_TIMESTAMP('{local}', {STAMP})"

    changed = account.items(
        f"SELECT id, TO_CHAR(lastmodifieddate, {STAMP}) AS changed FROM vendor "
        f"WHERE id >= {first} AND id < {first + 4} ORDER BY id"
    )
    assert [item["changed"] for item in changed] == [
        "2026-11-20 00:00:00",
        "2026-11-01 01:30:00",
        "2026-11-01 01:30:00",
        "2026-03-08 03:00:00",
    ]
    assert ids(f"lastmodifieddate >= {at('2026-11-20 00:00:00')}") == {first}
    assert ids("lastmodifieddate >= TO_DATE('2026-11-20', 'YYYY-MM-DD')") == {first}
    assert first not in ids(f"lastmodifieddate < {at('2026-11-20 00:00:00')}")
    # The local hour from 01:00 to 02:00 on the day summer time ends lasts two hours: both 01:30s are in it,
    # and a local 01:30 means the first one (ambiguous_local_time "earlier").
    assert ids(
        f"lastmodifieddate >= {at('2026-11-01 01:00:00')} AND lastmodifieddate < {at('2026-11-01 02:00:00')}"
    ) == {
        first + 1,
        first + 2,
    }
    assert ids(
        f"lastmodifieddate > {at('2026-11-01 01:30:00')} AND lastmodifieddate < {at('2026-11-02 00:00:00')}"
    ) == {first + 2}
    spring_window = (
        f"lastmodifieddate > {at('2026-03-08 01:59:59')} AND lastmodifieddate <= {at('2026-03-08 03:00:00')}"
    )
    assert ids(spring_window) == {first + 3}
    ordered = account.items(
        f"SELECT id FROM vendor WHERE id >= {first + 1} AND id <= {first + 2} ORDER BY lastmodifieddate DESC, id"
    )
    assert [int(item["id"]) for item in ordered] == [first + 2, first + 1]


def test_features_off_and_no_one_world(account: Account) -> None:
    assert len(account.items("SELECT id, name FROM classification")) == 4
    account.settings(features_off=["classification"], one_world=False)
    missing = _error(account.post("SELECT id, name FROM classification"), 400)
    assert "Record 'classification' was not found" in missing["detail"]
    assert "Record 'subsidiary' was not found" in _error(account.post("SELECT id FROM subsidiary"), 400)["detail"]
    assert len(account.items("SELECT id FROM department")) == 5


def test_concurrency_limit_answers_429(account: Account) -> None:
    httpx.put(f"{account.url}/__sim__/faults", json={"latency_ms": 600}).raise_for_status()
    start = threading.Barrier(3)
    statuses: list[int] = []
    bodies: list[dict[str, Any]] = []

    def call() -> None:
        start.wait()
        answer = account.post("SELECT id FROM vendor WHERE id = 101")
        statuses.append(answer.status_code)
        bodies.append(answer.json())

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 429]
    refused = next(body for body in bodies if body.get("status") == 429)
    assert refused["o:errorDetails"][0]["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
    stats = httpx.get(f"{account.url}/__sim__/stats").json()
    assert (stats["throttled"], stats["most_in_flight"]) == (1, 2)


def test_credentials_and_bogus_invalid_login(account: Account) -> None:
    unsigned = httpx.post(
        f"{account.url}{SUITEQL}", json={"q": "SELECT id FROM vendor"}, headers={"Prefer": "transient"}
    )
    assert _error(unsigned, 401)["o:errorCode"] == "INVALID_LOGIN"
    account.settings(bogus_invalid_login_every=2)
    statuses = [account.post("SELECT id FROM vendor WHERE id = 101").status_code for _ in range(4)]
    assert statuses.count(401) == 2 and statuses.count(200) == 2


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="time zone"):
        NetSuiteSimSettings(account_timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="cannot be off"):
        NetSuiteSimSettings(features_off=["transaction"])


def test_index_served_keyset_conditions_match_their_meaning(account: Account) -> None:
    """Keyset conditions in several spellings, answered from the change index, against the same rule applied
    here to every vendor: the index must neither drop nor add a row at a second shared by many."""
    account.simulator.seed_vendors(600, LO, LO + timedelta(seconds=6), seed=9)
    every = [
        (item["changed"], int(item["id"]))
        for item in account.items(f"SELECT id, TO_CHAR(lastmodifieddate, {STAMP}) AS changed FROM vendor")
    ]
    rng = random.Random(4)
    for _ in range(12):
        stamp, key = rng.choice(every)
        after = f"TO_TIMESTAMP('{stamp}', {STAMP})"
        spellings = [
            f"lastmodifieddate > {after} OR (lastmodifieddate = {after} AND id > {key})",
            f"(id > {key} AND lastmodifieddate = {after}) OR {after} < lastmodifieddate",
            f"lastmodifieddate >= {after} AND (lastmodifieddate > {after} OR id > {key})",
        ]
        expected = sorted(row for row in every if row > (stamp, key))
        for condition in spellings:
            page = account.page(
                f"SELECT id, TO_CHAR(lastmodifieddate, {STAMP}) AS changed FROM vendor "
                f"WHERE {condition} ORDER BY lastmodifieddate, id",
                limit=50,
            )
            assert page["totalResults"] == len(expected), condition
            assert [(item["changed"], int(item["id"])) for item in page["items"]] == expected[:50], condition
