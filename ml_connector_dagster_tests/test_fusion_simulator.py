"""The Fusion simulator over real HTTP: auth, paging, the q language and its traps, children, seeding, faults."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ml_connector_dagster.fusion.simulator import FusionSimSettings, FusionSimulator
from ml_connector_dagster.simulation.server import LoopbackServer

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
POS = "/fscmRestApi/resources/11.13.18.05/purchaseOrders"
ORDER = "LastUpdateDate:asc,POHeaderId:asc"
WINDOW = "LastUpdateDate > '2026-11-10T00:00:00{zone}' and LastUpdateDate <= '2026-11-12T00:00:00{zone}'"
SETTINGS = FusionSimSettings()


def _body(response: httpx.Response) -> Any:
    # Amounts are exact decimals on the wire; floats would hide rounding mistakes.
    return json.loads(response.text, parse_float=Decimal)


def _client(url: str, version: int | None = 4) -> httpx.Client:
    headers = {"Accept": "application/json"}
    if version is not None:
        headers["REST-Framework-Version"] = str(version)
    return httpx.Client(base_url=url, auth=("integration.user", "Welcome1"), headers=headers, timeout=10)


def _token(url: str, client_id: str = SETTINGS.client_id, scope: str = SETTINGS.scope) -> httpx.Response:
    form = {"grant_type": "client_credentials", "scope": scope}
    return httpx.post(f"{url}/oauth2/v1/token", data=form, auth=(client_id, SETTINGS.client_secret))


def _all_items(client: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = _body(client.get(path, params={**params, "offset": offset}))
        items.extend(page["items"])
        offset += page["count"]
        if not page["hasMore"]:
            return items


@pytest.fixture(scope="module")
def pod() -> Iterator[tuple[FusionSimulator, str]]:
    """1,200 purchase orders, read-only: tests that change data start their own simulator."""
    simulator = FusionSimulator()
    simulator.seed_purchase_orders(1200, START, END)
    with LoopbackServer(simulator.app) as server:
        yield simulator, server.url


@pytest.fixture
def small_pod() -> Iterator[tuple[FusionSimulator, str]]:
    simulator = FusionSimulator()
    simulator.seed_purchase_orders(20, START, END)
    with LoopbackServer(simulator.app) as server:
        yield simulator, server.url


def test_client_credentials_token_flow(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    good = _token(url)
    assert good.status_code == 200
    assert good.json()["token_type"] == "Bearer" and good.json()["expires_in"] == 3600
    bearer = {"Authorization": f"Bearer {good.json()['access_token']}"}
    assert httpx.get(f"{url}{POS}", params={"limit": 1}, headers=bearer).status_code == 200

    bad_client = _token(url, client_id="intruder")
    assert (bad_client.status_code, bad_client.json()["error"]) == (401, "invalid_client")
    bad_scope = _token(url, scope="urn:opc:resource:consumer::all")
    assert (bad_scope.status_code, bad_scope.json()["error"]) == (400, "invalid_scope")
    other_grant = httpx.post(
        f"{url}/oauth2/v1/token", data={"grant_type": "password"}, auth=(SETTINGS.client_id, SETTINGS.client_secret)
    )
    assert (other_grant.status_code, other_grant.json()["error"]) == (400, "unsupported_grant_type")


def test_missing_or_expired_token_is_401(small_pod: tuple[FusionSimulator, str]) -> None:
    _, url = small_pod
    missing = httpx.get(f"{url}{POS}")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    bearer = {"Authorization": f"Bearer {_token(url).json()['access_token']}"}
    assert httpx.get(f"{url}{POS}", headers=bearer).status_code == 200
    assert httpx.post(f"{url}/__sim__/tokens/expire").status_code == 200
    assert httpx.get(f"{url}{POS}", headers=bearer).status_code == 401


def test_basic_auth_for_local_users(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    assert httpx.get(f"{url}{POS}", auth=("integration.user", "Welcome1")).status_code == 200
    assert httpx.get(f"{url}{POS}", auth=("integration.user", "wrong")).status_code == 401


def test_paging_caps_limit_and_visits_every_order_once(pod: tuple[FusionSimulator, str]) -> None:
    simulator, url = pod
    with _client(url) as client:
        first = _body(client.get(POS, params={"orderBy": ORDER, "limit": 1000}))
        assert (first["limit"], first["count"], first["offset"], first["hasMore"]) == (499, 499, 0, True)
        assert "totalResults" not in first
        assert _body(client.get(POS, params={"totalResults": "true", "limit": 1}))["totalResults"] == 1200
        assert _body(client.get(POS))["limit"] == 25

        counts, offset, seen = [], 0, []
        while True:
            page = _body(client.get(POS, params={"orderBy": ORDER, "limit": 1000, "offset": offset}))
            counts.append(page["count"])
            seen.extend((item["LastUpdateDate"], item["POHeaderId"]) for item in page["items"])
            offset += page["count"]
            if not page["hasMore"]:
                break
    assert counts == [499, 499, 202]
    assert len({po_id for _, po_id in seen}) == 1200 == simulator.purchase_order_count()
    in_order = sorted(seen, key=lambda stamp_and_id: (datetime.fromisoformat(stamp_and_id[0]), stamp_and_id[1]))
    assert seen == in_order


def test_without_order_by_paging_misses_and_repeats_rows(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with _client(url) as client:
        ids = [item["POHeaderId"] for item in _all_items(client, POS, {"limit": 499, "onlyData": "true"})]
    assert len(ids) == 1200 and len(set(ids)) < 1200
    assert ids[:50] != sorted(ids[:50])


def test_expression_under_v1_returns_nothing_but_works_under_v4(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    q = WINDOW.format(zone="+00:00")
    with _client(url, version=None) as v1:
        trap = v1.get(POS, params={"q": q})
        assert trap.status_code == 200 and _body(trap)["items"] == []
        by_example = _all_items(v1, POS, {"q": "Status=OPEN;CurrencyCode=USD", "orderBy": ORDER, "limit": 499})
        assert by_example and all((i["Status"], i["CurrencyCode"]) == ("OPEN", "USD") for i in by_example)
    with _client(url) as v4:
        everything = _all_items(v4, POS, {"orderBy": ORDER, "limit": 499})
        window = _all_items(v4, POS, {"q": q, "orderBy": ORDER, "limit": 499})
        lo, hi = datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 11, 12, tzinfo=UTC)
        expected = [i["POHeaderId"] for i in everything if lo < datetime.fromisoformat(i["LastUpdateDate"]) <= hi]
        assert expected and [i["POHeaderId"] for i in window] == expected
        rich = "(Status = 'OPEN' or Status in ('CLOSED')) and Total between 1000 and 50000 and Buyer like 'C%'"
        matched = _all_items(v4, POS, {"q": rich, "orderBy": ORDER, "limit": 499})
        assert matched and all(
            i["Status"] in ("OPEN", "CLOSED") and 1000 <= i["Total"] <= 50000 and i["Buyer"].startswith("C")
            for i in matched
        )


def test_datetime_literal_forms_follow_the_setting(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with _client(url) as client:
        offset_form = client.get(POS, params={"q": WINDOW.format(zone="+00:00"), "orderBy": ORDER})
        z_form = client.get(POS, params={"q": WINDOW.format(zone="Z"), "orderBy": ORDER})
        assert z_form.status_code == 200 and _body(z_form)["items"] == _body(offset_form)["items"]
        naive = client.get(POS, params={"q": WINDOW.format(zone="")})
        assert naive.status_code == 400 and "'2026-11-10T00:00:00'" in naive.text
        # An unencoded `+` arrives as a space, which is no datetime at all.
        raw_plus = client.get(f"{POS}?q=LastUpdateDate%20%3E%20'2026-11-10T00:00:00+00:00'")
        assert raw_plus.status_code == 400 and "2026-11-10T00:00:00 00:00" in raw_plus.text

    lenient = FusionSimulator(FusionSimSettings(accepted_datetime_forms=["offset", "z", "naive"]))
    lenient.seed_purchase_orders(1200, START, END)
    with LoopbackServer(lenient.app) as server, _client(server.url) as client:
        naive = client.get(POS, params={"q": WINDOW.format(zone=""), "orderBy": ORDER, "onlyData": "true"})
        assert naive.status_code == 200
        assert [i["POHeaderId"] for i in _body(naive)["items"]] == [
            i["POHeaderId"] for i in _body(offset_form)["items"]
        ]


def test_filter_on_non_queryable_attribute_is_400(small_pod: tuple[FusionSimulator, str]) -> None:
    _, url = small_pod
    with _client(url) as client:
        unknown = client.get(POS, params={"q": "Colour = 'red'"})
        assert unknown.status_code == 400 and _body(unknown)["o:errorDetails"][0]["detail"]
    strict = FusionSimulator(FusionSimSettings(last_update_date_queryable=False))
    with LoopbackServer(strict.app) as server, _client(server.url) as client:
        described = _body(client.get(f"{POS}/describe"))["Resources"]["purchaseOrders"]["attributes"]
        assert {a["name"]: a["queryable"] for a in described}["LastUpdateDate"] is False
        rejected = client.get(POS, params={"q": WINDOW.format(zone="+00:00")})
        assert rejected.status_code == 400 and rejected.headers["content-type"].startswith(
            "application/vnd.oracle.adf.error+json"
        )
        error = _body(rejected)
        assert error["status"] == "400" and "LastUpdateDate" in error["o:errorDetails"][0]["detail"]
        assert error["o:errorDetails"][0]["o:errorPath"] == "q"
        with _client(server.url, version=2) as v2:
            plain = v2.get(POS, params={"q": WINDOW.format(zone="+00:00")})
            assert plain.status_code == 400 and plain.headers["content-type"].startswith("text/plain")


def test_children_reached_through_links_add_up(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with _client(url) as client:
        header = _body(client.get(POS, params={"orderBy": ORDER, "limit": 1}))["items"][0]
        self_link = next(link for link in header["links"] if link["rel"] == "self")
        assert self_link["kind"] == "item" and str(header["POHeaderId"]) not in self_link["href"]
        assert _body(client.get(self_link["href"]))["POHeaderId"] == header["POHeaderId"]

        def children(item: dict[str, Any], name: str, key: str) -> list[dict[str, Any]]:
            link = next(link for link in item["links"] if link["rel"] == "child" and link["name"] == name)
            return _all_items(client, link["href"], {"orderBy": f"{key}:asc"})

        lines = children(header, "lines", "LineNumber")
        assert 1 <= len(lines) <= 4 and sum(line["Amount"] for line in lines) == header["Total"]
        for line in lines:
            assert "POHeaderId" not in line and line["Amount"] == line["Quantity"] * line["Price"]
            schedules = children(line, "schedules", "ScheduleNumber")
            assert sum(schedule["Amount"] for schedule in schedules) == line["Amount"]
            for schedule in schedules:
                distributions = children(schedule, "distributions", "DistributionNumber")
                assert sum(d["Amount"] for d in distributions) == schedule["Amount"]
                assert all(len(d["POChargeAccount"].split(".")) == 6 for d in distributions)
                assert "/child/schedules/" in distributions[0]["links"][0]["href"]


def test_fields_expand_and_only_data(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    params = {"orderBy": ORDER, "limit": 2}
    with _client(url) as v4, _client(url, version=2) as v2:
        slim = _body(v4.get(POS, params={**params, "fields": "POHeaderId,Total", "onlyData": "true"}))
        assert all(set(item) == {"POHeaderId", "Total"} for item in slim["items"])
        assert v4.get(POS, params={**params, "fields": "POHeaderId", "expand": "lines"}).status_code == 400
        paged = _body(v4.get(POS, params={**params, "expand": "lines.schedules"}))["items"][0]["lines"]
        assert set(paged) >= {"items", "count", "hasMore", "limit", "offset", "links"}
        assert isinstance(paged["items"][0]["schedules"]["items"], list)
        assert isinstance(_body(v2.get(POS, params={**params, "expand": "all"}))["items"][0]["lines"], list)


def test_primary_key_finder_and_unknown_key(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with _client(url) as client:
        wanted = _body(client.get(POS, params={"orderBy": ORDER, "limit": 1, "offset": 700}))["items"][0]
        found = _body(client.get(POS, params={"finder": f"PrimaryKey;POHeaderId={wanted['POHeaderId']}"}))
        assert [item["POHeaderId"] for item in found["items"]] == [wanted["POHeaderId"]]
        assert found["items"][0]["links"] == wanted["links"]
        assert client.get(f"{POS}/{wanted['POHeaderId']}").status_code == 404


def test_touch_moves_last_update_date_and_changes_payload(small_pod: tuple[FusionSimulator, str]) -> None:
    simulator, url = small_pod
    with _client(url) as client:
        before = _body(client.get(POS, params={"orderBy": ORDER, "limit": 1, "expand": "lines"}))["items"][0]
        po_id = before["POHeaderId"]
        touched = httpx.post(f"{url}/__sim__/purchase-orders/{po_id}/touch", json={"at": "2026-12-24T08:30:00Z"})
        assert touched.json() == {"LastUpdateDate": "2026-12-24T08:30:00.000+00:00"}
        params = {"finder": f"PrimaryKey;POHeaderId={po_id}", "expand": "lines"}
        after = _body(client.get(POS, params=params))["items"][0]
        assert after["LastUpdateDate"] == "2026-12-24T08:30:00.000+00:00"
        assert after["Description"] != before["Description"] and after["Total"] != before["Total"]
        assert after["Total"] == sum(line["Amount"] for line in after["lines"]["items"])
        assert simulator.touch_purchase_order(po_id) > datetime.now(UTC) - timedelta(minutes=1)
    assert httpx.post(f"{url}/__sim__/purchase-orders/1/touch").status_code == 404


def test_malformed_orders_are_still_found_by_window(small_pod: tuple[FusionSimulator, str]) -> None:
    _, url = small_pod
    request = {"count": 10, "start": "2027-01-01T00:00:00Z", "end": "2027-01-02T00:00:00Z", "malformed": 5}
    summary = httpx.post(f"{url}/__sim__/seed", json=request).json()
    assert (summary["created"], summary["malformed"]) == (10, 5)
    q = "LastUpdateDate >= '2027-01-01T00:00:00Z' and LastUpdateDate < '2027-01-02T00:00:00Z'"
    with _client(url) as client:
        items = _all_items(client, POS, {"q": q, "orderBy": ORDER, "onlyData": "true"})
    assert len(items) == 10 and all(i["OrderNumber"] and isinstance(i["POHeaderId"], int) for i in items)
    assert min(i["POHeaderId"] for i in items) > 300100187048034
    assert sum("CurrencyCode" not in i for i in items) == 1
    assert sum(i["Supplier"] is None for i in items) == 1
    assert sum(i["CreationDate"] == "2026-13-45T99:00:00+00:00" for i in items) == 1
    assert sum(i["Total"] == "twelve hundred" for i in items) == 1
    assert sum(i["SupplierId"] == "ABC-123" for i in items) == 1


def test_throttling_fault_carries_retry_after(small_pod: tuple[FusionSimulator, str]) -> None:
    _, url = small_pod
    rule = {"status": 429, "retry_after": 2, "path_contains": "/purchaseOrders"}
    assert httpx.put(f"{url}/__sim__/faults", json={"rules": [rule]}).status_code == 200
    with _client(url) as client:
        throttled = client.get(POS)
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2"
        assert client.get(POS).status_code == 200
    stats = httpx.get(f"{url}/__sim__/stats").json()
    # Other resources have counters of their own (test_fusion_simulator_entities.py).
    expected = {
        "purchase_orders": 20,
        "token_requests": 0,
        "requests": 1,
        "purchase_order_collection_requests": 1,
        "child_collection_requests": 0,
    }
    assert {name: stats[name] for name in expected} == expected


def test_catalog_latest_alias_and_framework_versions(small_pod: tuple[FusionSimulator, str]) -> None:
    _, url = small_pod
    with _client(url) as client:
        catalog = _body(client.get("/fscmRestApi/resources/"))
        assert catalog["allowedFrameworkVersions"] == list(range(1, 10))
        params = {"orderBy": ORDER, "onlyData": "true"}
        latest = _body(client.get("/fscmRestApi/resources/latest/purchaseOrders", params=params))
        assert latest["items"] == _body(client.get(POS, params=params))["items"]
    with _client(url, version=12) as unsupported:
        assert unsupported.get(POS).status_code == 400


def test_seeding_is_deterministic() -> None:
    def snapshot(seed: int) -> tuple[Any, list[Any]]:
        simulator = FusionSimulator()
        summary = simulator.seed_purchase_orders(50, START, END, malformed=3, seed=seed)
        # Version 2 inlines children as plain arrays, which carry no server address to differ by.
        with LoopbackServer(simulator.app) as server, _client(server.url, version=2) as client:
            params = {"orderBy": "POHeaderId", "onlyData": "true", "expand": "lines"}
            return summary, _all_items(client, POS, params)

    assert snapshot(7) == snapshot(7)
    assert snapshot(7)[1] != snapshot(8)[1]
