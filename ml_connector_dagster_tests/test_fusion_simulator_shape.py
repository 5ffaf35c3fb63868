"""What the Fusion simulator's items carry, over real HTTP: Oracle's documented attribute names, attributes a
pod lacks, describe for the whole tree, children expanded as paged collections, and request counts."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ml_connector_dagster.fusion.simulator import FusionSimSettings, FusionSimulator
from ml_connector_dagster.simulation.server import LoopbackServer

POS = "/fscmRestApi/resources/11.13.18.05/purchaseOrders"
ORDER = "LastUpdateDate:asc,POHeaderId:asc"
START, END = datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 2, tzinfo=UTC)
TREE = "lines.schedules.distributions"
DOCUMENTED = {
    "purchaseOrders": [
        "POHeaderId",
        "OrderNumber",
        "Description",
        "Supplier",
        "SupplierId",
        "SupplierSite",
        "ProcurementBU",
        "BillToBU",
        "Buyer",
        "CurrencyCode",
        "Status",
        "Total",
        "CreationDate",
        "LastUpdateDate",
    ],
    "lines": ["POLineId", "LineNumber", "Description", "Quantity", "Price", "UOM", "Amount"],
    "schedules": ["LineLocationId", "ScheduleNumber", "Quantity", "Amount", "RequestedDeliveryDate"],
    "distributions": [
        "PODistributionId",
        "DistributionNumber",
        "Quantity",
        "Amount",
        "POChargeAccountId",
        "POChargeAccount",
    ],
}


def _body(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def _client(url: str, version: int = 4) -> httpx.Client:
    headers = {"Accept": "application/json", "REST-Framework-Version": str(version)}
    return httpx.Client(base_url=url, auth=("integration.user", "Welcome1"), headers=headers, timeout=30)


def _self_href(collection: dict[str, Any]) -> str:
    return next(link["href"] for link in collection["links"] if link["rel"] == "self")


def _attributes(item: dict[str, Any], children: tuple[str, ...] = ()) -> list[str]:
    return [name for name in item if name != "links" and name not in children]


@pytest.fixture
def pod() -> Iterator[tuple[FusionSimulator, str]]:
    simulator = FusionSimulator()
    simulator.seed_purchase_orders(60, START, END, max_lines=30, seed=3)
    with LoopbackServer(simulator.app) as server:
        yield simulator, server.url


def test_items_carry_the_documented_attribute_names(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with _client(url) as client:
        header = _body(client.get(POS, params={"orderBy": ORDER, "limit": 1, "expand": TREE}))["items"][0]
        described = _body(client.get(f"{POS}/describe"))["Resources"]["purchaseOrders"]
    line = header["lines"]["items"][0]
    schedule = line["schedules"]["items"][0]
    distribution = schedule["distributions"]["items"][0]
    assert _attributes(header, ("lines",)) == DOCUMENTED["purchaseOrders"]
    assert _attributes(line, ("schedules",)) == DOCUMENTED["lines"]
    assert _attributes(schedule, ("distributions",)) == DOCUMENTED["schedules"]
    assert _attributes(distribution) == DOCUMENTED["distributions"]
    assert line["Amount"] == line["Quantity"] * line["Price"] and isinstance(line["Description"], str)
    level, names = described, []
    while level:
        names.append([attribute["name"] for attribute in level["attributes"]])
        assert all(set(attribute) == {"name", "type", "queryable"} for attribute in level["attributes"])
        level = next(iter(level["children"].values()), {})
    assert names == list(DOCUMENTED.values()) and level == {}


def test_missing_attributes_are_absent_everywhere_and_refused_in_queries() -> None:
    missing = {"lines": ["Price", "UOM"], "purchaseOrders": ["Buyer"], "distributions": ["POChargeAccount"]}
    simulator = FusionSimulator(FusionSimSettings(missing_attributes=missing))
    simulator.seed_purchase_orders(5, START, END)
    with LoopbackServer(simulator.app) as server, _client(server.url) as client:
        header = _body(client.get(POS, params={"orderBy": ORDER, "limit": 1, "expand": TREE}))["items"][0]
        line = header["lines"]["items"][0]
        distribution = line["schedules"]["items"][0]["distributions"]["items"][0]
        assert "Buyer" not in header and "Price" not in line and "UOM" not in line
        assert "POChargeAccount" not in distribution and "POChargeAccountId" in distribution
        described = _body(client.get(f"{POS}/describe"))["Resources"]["purchaseOrders"]
        lines = described["children"]["lines"]
        assert "Buyer" not in [a["name"] for a in described["attributes"]]
        assert [a["name"] for a in lines["attributes"]] == [
            "POLineId",
            "LineNumber",
            "Description",
            "Quantity",
            "Amount",
        ]
        lines_href = _self_href(header["lines"])
        refusals = [
            client.get(POS, params={"q": "Buyer = 'Calvin Roth'"}),
            client.get(POS, params={"orderBy": "Buyer:asc"}),
            client.get(POS, params={"fields": "POHeaderId,Buyer"}),
            client.get(lines_href, params={"q": "Price > 10"}),
            client.get(lines_href, params={"orderBy": "UOM"}),
        ]
        assert [response.status_code for response in refusals] == [400] * 5
        assert all("not recognized" in response.json()["o:errorDetails"][0]["detail"] for response in refusals)
        assert client.get(lines_href, params={"q": "Quantity > 0"}).status_code == 200
        lines_describe = _body(client.get(f"{lines_href}/describe"))["Resources"]["lines"]
        assert "Price" not in [a["name"] for a in lines_describe["attributes"]]


def test_renamed_attributes_are_served_and_queried_under_the_pods_name() -> None:
    renamed = {"lines": {"Price": "UnitPrice"}, "purchaseOrders": {"Buyer": "BuyerName"}}
    simulator = FusionSimulator(FusionSimSettings(renamed_attributes=renamed))
    simulator.seed_purchase_orders(5, START, END)
    with LoopbackServer(simulator.app) as server, _client(server.url) as client:
        header = _body(client.get(POS, params={"orderBy": "BuyerName:asc", "limit": 5, "expand": "lines"}))["items"]
        assert [item["BuyerName"] for item in header] == sorted(item["BuyerName"] for item in header)
        line = header[0]["lines"]["items"][0]
        assert "Price" not in line and line["Amount"] == line["Quantity"] * line["UnitPrice"]
        lines_href = _self_href(header[0]["lines"])
        priced = _body(client.get(lines_href, params={"q": f"UnitPrice = {line['UnitPrice']}"}))["items"]
        assert line["POLineId"] in [item["POLineId"] for item in priced]
        assert client.get(lines_href, params={"q": "Price > 0"}).status_code == 400
        assert client.get(POS, params={"q": "Buyer = 'Calvin Roth'"}).status_code == 400
        described = _body(client.get(f"{POS}/describe"))["Resources"]["purchaseOrders"]
    assert "BuyerName" in [a["name"] for a in described["attributes"]]
    assert "UnitPrice" in [a["name"] for a in described["children"]["lines"]["attributes"]]


def test_expanded_children_are_paged_collections_and_the_rest_follows_their_link(
    pod: tuple[FusionSimulator, str],
) -> None:
    _, url = pod
    with _client(url) as client:
        headers = _body(client.get(POS, params={"orderBy": ORDER, "limit": 60, "expand": TREE}))["items"]
        long = next(header for header in headers if header["lines"]["hasMore"])
        short = next(header for header in headers if not header["lines"]["hasMore"])
        first = long["lines"]
        assert (first["count"], first["limit"], first["offset"], len(first["items"])) == (25, 25, 0, 25)
        assert short["lines"]["count"] == len(short["lines"]["items"]) <= 25
        line_link = next(link for link in long["links"] if link["name"] == "lines")["href"]
        assert _self_href(first) == line_link
        rest = _body(client.get(line_link, params={"orderBy": "POLineId:asc", "offset": 25, "limit": 25}))
        whole = _body(client.get(line_link, params={"orderBy": "POLineId:asc", "limit": 499}))
        schedules = first["items"][0]["schedules"]
        distributions = schedules["items"][0]["distributions"]
        assert _self_href(distributions).startswith(_self_href(schedules))
        linked = _body(client.get(_self_href(distributions)))["items"]
    numbers = [line["LineNumber"] for line in first["items"] + rest["items"]]
    assert numbers == [line["LineNumber"] for line in whole["items"]] == list(range(1, len(numbers) + 1))
    assert 25 < len(numbers) <= 30 and not rest["hasMore"]
    assert {d["PODistributionId"] for d in linked} == {d["PODistributionId"] for d in distributions["items"]}
    assert sum(d["Amount"] for d in distributions["items"]) == schedules["items"][0]["Amount"]


def test_expand_before_framework_v3_inlines_plain_arrays_and_items_expand_too(
    pod: tuple[FusionSimulator, str],
) -> None:
    _, url = pod
    with _client(url, version=2) as v2, _client(url) as v4:
        header = _body(v2.get(POS, params={"orderBy": ORDER, "limit": 60, "expand": TREE}))["items"]
        long = next(item for item in header if len(item["lines"]) > 25)
        assert isinstance(long["lines"][0]["schedules"][0]["distributions"], list)
        self_href = next(link["href"] for link in long["links"] if link["rel"] == "self")
        item = _body(v4.get(self_href, params={"expand": "lines"}))
    assert item["POHeaderId"] == long["POHeaderId"] and item["lines"]["hasMore"] is True
    assert "schedules" not in item["lines"]["items"][0]


def test_stats_count_requests_by_kind(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with _client(url) as client:
        header = _body(client.get(POS, params={"orderBy": ORDER, "limit": 2}))["items"][0]
        lines_href = next(link["href"] for link in header["links"] if link["name"] == "lines")
        line = _body(client.get(lines_href))["items"][0]
        _body(client.get(next(link["href"] for link in line["links"] if link["name"] == "schedules")))
        _body(client.get(f"{POS}/describe"))
        assert client.get(POS, params={"q": "Nope = 1"}).status_code == 400
    stats = httpx.get(f"{url}/__sim__/stats").json()
    # Other resources have counters of their own (test_fusion_simulator_entities.py).
    expected = {
        "purchase_orders": 60,
        "token_requests": 0,
        "requests": 5,
        "purchase_order_collection_requests": 1,
        "child_collection_requests": 2,
    }
    assert {name: stats[name] for name in expected} == expected


def test_seed_over_http_takes_max_lines_and_refuses_nonsense(pod: tuple[FusionSimulator, str]) -> None:
    simulator, url = pod
    seed = {"count": 20, "start": "2026-06-01T00:00:00Z", "end": "2026-06-02T00:00:00Z", "max_lines": 1}
    assert httpx.post(f"{url}/__sim__/seed", json=seed).json()["created"] == 20
    assert httpx.post(f"{url}/__sim__/seed", json={**seed, "max_lines": 0}).status_code == 400
    q = "LastUpdateDate >= '2026-06-01T00:00:00Z'"
    with _client(url) as client:
        items = _body(client.get(POS, params={"q": q, "orderBy": ORDER, "limit": 20, "expand": "lines"}))["items"]
    assert len(items) == 20 and all(item["lines"]["count"] == 1 for item in items)
    assert simulator.purchase_order_count() == 80
