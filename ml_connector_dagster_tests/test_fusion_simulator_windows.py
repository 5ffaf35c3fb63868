"""Windowed reads of the Fusion simulator over real HTTP: rows edited while a window is paged, keyset against
offset paging, millisecond datetime literals, and reads served from the change index matching a full scan."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ml_connector_dagster.fusion.simulator import FusionSimSettings, FusionSimulator
from ml_connector_dagster.simulation.server import LoopbackServer

POS = "/fscmRestApi/resources/11.13.18.05/purchaseOrders"
ORDER = "LastUpdateDate:asc,POHeaderId:asc"
LO, HI = datetime(2026, 3, 2, 10, tzinfo=UTC), datetime(2026, 3, 2, 11, tzinfo=UTC)
WINDOW = f"LastUpdateDate >= '{LO.isoformat()}' and LastUpdateDate < '{HI.isoformat()}'"


def _body(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def _client(url: str) -> httpx.Client:
    headers = {"Accept": "application/json", "REST-Framework-Version": "4"}
    return httpx.Client(base_url=url, auth=("integration.user", "Welcome1"), headers=headers, timeout=30)


def _instant(item: dict[str, Any]) -> tuple[datetime, int]:
    return datetime.fromisoformat(item["LastUpdateDate"]), item["POHeaderId"]


def _read_by_offset(client: httpx.Client, q: str, limit: int, order: str = ORDER) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = _body(client.get(POS, params={"q": q, "orderBy": order, "limit": limit, "offset": offset}))
        items.extend(page["items"])
        offset += page["count"]
        if not page["hasMore"]:
            return items


def _read_by_keyset(client: httpx.Client, window: str, limit: int) -> list[dict[str, Any]]:
    """Each page starts after the last row read, by (LastUpdateDate, POHeaderId); offset stays 0."""
    items: list[dict[str, Any]] = []
    q = window
    while True:
        page = _body(client.get(POS, params={"q": q, "orderBy": ORDER, "limit": limit, "offset": 0}))
        items.extend(page["items"])
        if not page["hasMore"]:
            return items
        stamp, key = items[-1]["LastUpdateDate"], items[-1]["POHeaderId"]
        q = f"{window} and (LastUpdateDate > '{stamp}' or (LastUpdateDate = '{stamp}' and POHeaderId > {key}))"


@pytest.fixture
def pod() -> Iterator[tuple[FusionSimulator, str]]:
    simulator = FusionSimulator()
    simulator.seed_purchase_orders(600, LO, HI, seed=11)
    with LoopbackServer(simulator.app) as server:
        yield simulator, server.url


def test_edits_during_read_make_offset_paging_lose_rows(pod: tuple[FusionSimulator, str]) -> None:
    simulator, url = pod
    with _client(url) as client:
        assert len(_read_by_offset(client, WINDOW, 100)) == 600
        knob = httpx.put(f"{url}/__sim__/settings", json={"edits_during_read": 4})
        assert knob.status_code == 200 and knob.json()["edits_during_read"] == 4
        read = [item["POHeaderId"] for item in _read_by_offset(client, WINDOW, 100)]
        httpx.put(f"{url}/__sim__/settings", json={"edits_during_read": 0}).raise_for_status()
        still_in_window = {item["POHeaderId"] for item in _read_by_offset(client, WINDOW, 499)}
        moved = _read_by_offset(client, f"LastUpdateDate >= '{HI.isoformat()}'", 499)
    # 6 pages, each editing 4 rows out of the window: every edit shifts the rows behind it by one, so each
    # page after the first skips 4 rows that never changed and are still in the window.
    assert len(read) == len(set(read)) == 600 - 5 * 4
    assert len(moved) == 6 * 4 and {item["POHeaderId"] for item in moved} <= set(read)
    assert len(still_in_window - set(read)) == 5 * 4 and simulator.purchase_order_count() == 600


def test_keyset_reads_every_row_of_a_window_edited_while_it_is_read() -> None:
    simulator = FusionSimulator(FusionSimSettings(edits_during_read=3))
    simulator.seed_purchase_orders(900, LO, HI, seed=5)
    with LoopbackServer(simulator.app) as server, _client(server.url) as client:
        by_keyset = _read_by_keyset(client, WINDOW, 100)
        assert len({item["POHeaderId"] for item in by_keyset}) == len(by_keyset) == 900
        lost = 900 - len({item["POHeaderId"] for item in _read_by_offset(client, WINDOW, 100)})
    # The keyset read edited 3 rows per page out of the window (27); the offset read then lost 3 per page after
    # its first (8 pages of the remaining 873).
    assert lost == 27 + 8 * 3


def test_datetime_literals_with_milliseconds_compare_exactly(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with _client(url) as client:
        everything = _read_by_offset(client, WINDOW, 499)
        with_millis = next(item for item in everything if "." in item["LastUpdateDate"])
        whole_second = next(item for item in everything if "." not in item["LastUpdateDate"])
        stamp = datetime.fromisoformat(with_millis["LastUpdateDate"])

        def matching(q: str) -> set[int]:
            return {item["POHeaderId"] for item in _read_by_offset(client, q, 499)}

        def literal(moment: datetime, timespec: str = "milliseconds") -> str:
            return moment.isoformat(timespec=timespec)

        same = {item["POHeaderId"] for item in everything if _instant(item)[0] == stamp}
        assert matching(f"LastUpdateDate = '{literal(stamp)}'") == same and with_millis["POHeaderId"] in same
        one_ms = timedelta(milliseconds=1)
        assert not same & matching(
            f"LastUpdateDate > '{literal(stamp)}' and LastUpdateDate < '{literal(stamp + one_ms)}'"
        )
        later = {item["POHeaderId"] for item in everything if _instant(item)[0] > stamp}
        assert matching(f"LastUpdateDate > '{literal(stamp)}'") == later
        assert matching(f"LastUpdateDate >= '{literal(stamp + timedelta(microseconds=1), 'microseconds')}'") == later
        assert matching(f"LastUpdateDate <= '{literal(stamp - one_ms)}'") == (
            {item["POHeaderId"] for item in everything} - later - same
        )
        second = datetime.fromisoformat(whole_second["LastUpdateDate"])
        assert whole_second["POHeaderId"] in matching(f"LastUpdateDate = '{literal(second)}'")
        assert whole_second["POHeaderId"] in matching(f"LastUpdateDate = '{literal(second, 'seconds')}'")
        z_form = literal(stamp).replace("+00:00", "Z")
        assert matching(f"LastUpdateDate = '{z_form}'") == same


@pytest.mark.parametrize(
    "q",
    [
        WINDOW,
        "LastUpdateDate > '2026-03-02T10:20:00.5+00:00'",
        "LastUpdateDate between '2026-03-02T10:10:00Z' and '2026-03-02T10:12:00.250Z' and Status = 'OPEN'",
        "LastUpdateDate < '2026-03-02T10:05:00Z' or LastUpdateDate >= '2026-03-02T10:55:00Z'",
        "(LastUpdateDate >= '2026-03-02T10:30:00Z' or Buyer like 'C%') and LastUpdateDate < '2026-03-02T10:40:00Z'",
        "LastUpdateDate != '2026-03-02T10:30:00Z' and Total > 5000",
        "Status in ('CLOSED', 'CANCELED')",
    ],
)
def test_reads_in_index_order_match_a_full_sort(pod: tuple[FusionSimulator, str], q: str) -> None:
    """The change index serves orderBy LastUpdateDate,POHeaderId within the range q implies; an `or` with a
    term on another attribute implies no range, so the same rows then come from testing every header."""
    _, url = pod
    with _client(url) as client:
        indexed = _read_by_offset(client, q, 37)
        scanned = _read_by_offset(client, f"({q}) or POHeaderId < 0", 499, "POHeaderId:desc")
        counted = _body(client.get(POS, params={"q": q, "orderBy": ORDER, "limit": 1, "totalResults": "true"}))
    assert indexed and [_instant(item) for item in indexed] == sorted(_instant(item) for item in scanned)
    assert counted["totalResults"] == len(indexed)


def test_malformed_rows_sort_last_and_match_no_comparison() -> None:
    simulator = FusionSimulator()
    simulator.seed_purchase_orders(40, LO, HI, malformed=10)
    with LoopbackServer(simulator.app) as server, _client(server.url) as client:
        everything = _read_by_offset(client, "Total > 0 or Total is null or POHeaderId > 0", 7)
        window = _read_by_offset(client, WINDOW, 7)
    assert len(everything) == len(window) == 40
    assert [_instant(item) for item in everything] == sorted(_instant(item) for item in everything)


def test_settings_change_at_run_time_over_http(pod: tuple[FusionSimulator, str]) -> None:
    simulator, url = pod
    assert httpx.get(f"{url}/__sim__/settings").json() == {
        "edits_during_read": 0,
        "missing_attributes": {},
        "renamed_attributes": {},
        "last_update_date_queryable": True,
        "accepted_datetime_forms": ["offset", "z"],
        "max_limit": 499,
        "default_limit": 25,
    }
    changes = {"max_limit": 50, "default_limit": 10, "accepted_datetime_forms": ["offset"]}
    assert httpx.put(f"{url}/__sim__/settings", json=changes).json()["max_limit"] == 50
    with _client(url) as client:
        assert _body(client.get(POS, params={"limit": 400}))["limit"] == 50
        assert _body(client.get(POS))["limit"] == 10
        assert client.get(POS, params={"q": "LastUpdateDate > '2026-03-02T10:00:00Z'"}).status_code == 400
        httpx.put(f"{url}/__sim__/settings", json={"last_update_date_queryable": False}).raise_for_status()
        assert client.get(POS, params={"q": WINDOW}).status_code == 400
    assert simulator.settings.max_limit == 50 and simulator.settings.last_update_date_queryable is False
    refused = [
        {"client_secret": "stolen"},
        {"max_limit": 0},
        {"missing_attributes": {"invoices": ["InvoiceId"]}},
        {"missing_attributes": {"lines": ["Colour"]}},
    ]
    for change in refused:
        assert httpx.put(f"{url}/__sim__/settings", json=change).status_code == 400, change
    assert simulator.settings.client_secret == FusionSimSettings().client_secret
