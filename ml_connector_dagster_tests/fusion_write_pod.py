"""The simulated pod the write-back tests write to over real loopback HTTP: its purchase order schedules, a
connector client for it, and its fault plan."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

import httpx

from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.connection import FusionConnection
from ml_connector_dagster.fusion.simulator import FusionSimSettings, FusionSimulator
from ml_connector_dagster.records import ReceiptLine
from ml_connector_dagster.simulation.server import LoopbackServer

ROOT = "/fscmRestApi/resources/11.13.18.05"
START, END = datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 2, tzinfo=UTC)
NOW = datetime(2026, 6, 3, 9, tzinfo=UTC)


class Pod(NamedTuple):
    simulator: FusionSimulator
    url: str
    client: FusionClient


class Target(NamedTuple):
    """A purchase order schedule, as the pod holds it."""

    order: dict[str, Any]
    line: dict[str, Any]
    schedule: dict[str, Any]

    @property
    def number(self) -> str:
        return str(self.order["OrderNumber"])

    def receipt_line(self, line_number: int = 1, **measure: Decimal) -> ReceiptLine:
        return ReceiptLine(
            line_number=line_number,
            po_number=self.number,
            po_line_number=self.line["LineNumber"],
            po_schedule_number=self.schedule["ScheduleNumber"],
            **measure,
        )


@contextmanager
def running_pod(settings: FusionSimSettings | None = None, **connection: Any) -> Iterator[Pod]:
    simulator = FusionSimulator(settings or FusionSimSettings(line_kind_attributes=True))
    simulator.seed_purchase_orders(20, START, END, seed=11)
    with LoopbackServer(simulator.app) as server:
        client = FusionClient(
            FusionConnection(
                base_url=server.url, auth="basic", username="integration.user", password="Welcome1", **connection
            )
        )
        try:
            yield Pod(simulator, server.url, client)
        finally:
            client.close()


def pod_client(url: str) -> httpx.Client:
    headers = {"Accept": "application/json", "REST-Framework-Version": "6"}
    return httpx.Client(base_url=url + ROOT, auth=("integration.user", "Welcome1"), headers=headers, timeout=10)


def targets(url: str) -> list[Target]:
    with pod_client(url) as pod:
        answer = pod.get("purchaseOrders", params={"limit": 499, "expand": "lines.schedules", "orderBy": "POHeaderId"})
    orders = json.loads(answer.raise_for_status().text, parse_float=Decimal)["items"]
    return [
        Target(order, line, schedule)
        for order in orders
        for line in order["lines"]["items"]
        for schedule in line["schedules"]["items"]
    ]


def by_quantity(url: str, at_least: int = 3) -> Target:
    return next(t for t in targets(url) if t.line["MatchingBasis"] == "QUANTITY" and t.schedule["Quantity"] >= at_least)


def by_amount(url: str) -> Target:
    return next(t for t in targets(url) if t.line["MatchingBasis"] == "AMOUNT")


def stats(pod: Pod) -> dict[str, int]:
    return pod.simulator.stats()


def fault(pod: Pod, **rule: Any) -> None:
    assert httpx.put(f"{pod.url}/__sim__/faults", json={"rules": [rule]}).status_code == 200
