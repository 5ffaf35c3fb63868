"""The simulated pod the Fusion simulator's entity tests read over real HTTP, and how they read it."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from ml_connector_dagster.fusion.simulator import FusionSimulator
from ml_connector_dagster.simulation.server import LoopbackServer

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 3, 15, tzinfo=UTC)
ROOT = "/fscmRestApi/resources/11.13.18.05"
SUPPLIERS, INVOICES = f"{ROOT}/suppliers", f"{ROOT}/invoices"
LOV, VALUE_SETS = f"{ROOT}/accountCombinationsLOV", f"{ROOT}/valueSets"
KEYS = {SUPPLIERS: "SupplierId", INVOICES: "InvoiceId"}
SEGMENTS = [f"_SEGMENT{number}" for number in range(1, 7)]


def body(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def open_client(url: str) -> httpx.Client:
    headers = {"Accept": "application/json", "REST-Framework-Version": "4"}
    return httpx.Client(base_url=url, auth=("integration.user", "Welcome1"), headers=headers, timeout=10)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def read_by_offset(client: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = body(client.get(path, params={**params, "offset": len(items)}))
        items.extend(page["items"])
        if not page["hasMore"]:
            return items


def read_by_keyset(client: httpx.Client, path: str, lo: datetime, hi: datetime, limit: int = 7) -> list[dict[str, Any]]:
    """A window read as the connector reads it: (LastUpdateDate, key) keyset pages, never an offset."""
    key = KEYS[path]
    window = f"LastUpdateDate <= '{stamp(hi)}'"
    after = f"LastUpdateDate > '{stamp(lo)}'"
    items: list[dict[str, Any]] = []
    while True:
        params = {"q": f"({after}) and {window}", "orderBy": f"LastUpdateDate:asc,{key}:asc", "limit": limit}
        page = body(client.get(path, params=params))
        items.extend(page["items"])
        if not page["hasMore"]:
            return items
        last = page["items"][-1]
        at = last["LastUpdateDate"]
        after = f"LastUpdateDate > '{at}' or (LastUpdateDate = '{at}' and {key} > {last[key]})"


def href(item: dict[str, Any], name: str) -> str:
    return next(link["href"] for link in item["links"] if link["name"] == name)


@contextmanager
def running_pod() -> Iterator[tuple[FusionSimulator, str]]:
    """Read-only: 150 orders, 30 more suppliers (2 malformed), 80 invoices (3 malformed, 4 unmapped, 5 canceled)."""
    simulator = FusionSimulator()
    simulator.seed_purchase_orders(150, START, END)
    simulator.seed_suppliers(30, START, END, malformed=2)
    simulator.seed_invoices(80, START, END, malformed=3, unmapped=4, canceled=5)
    with LoopbackServer(simulator.app) as server:
        yield simulator, server.url
