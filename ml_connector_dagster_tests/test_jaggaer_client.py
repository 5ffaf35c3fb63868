"""The JAGGAER client reads whatever shape a tenant answers in, or fails the one record naming what it could
not read. Real HTTP to the simulator on loopback; odd answers come from a proxy that rewrites the simulator's."""

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ml_connector_dagster.http.errors import CheckFailed, RequestRejected
from ml_connector_dagster.http.retry import RetryPolicy
from ml_connector_dagster.jaggaer.client import JaggaerClient
from ml_connector_dagster.jaggaer.connection import JaggaerConnection
from ml_connector_dagster.jaggaer.simulator import JaggaerSimSettings, JaggaerSimulator
from ml_connector_dagster.jaggaer.sinks import JaggaerPurchaseOrderSink
from ml_connector_dagster.simulation.server import LoopbackServer

from .test_jaggaer_templates import HEADER_TEMPLATE, order, write_template

PO_PATH = JaggaerSimSettings().purchase_order_path
# (method, the simulator's answer as JSON) → the body to send instead, or None to send it unchanged.
Rewrite = Callable[[str, Any], bytes | None]


class AnswerRewriter:
    """Sits in front of the simulator and rewrites J1P answers, as an odd tenant would answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.rewrite: Rewrite | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rewrite = self.rewrite
        if scope["type"] != "http" or rewrite is None or not scope["path"].startswith("/j1p/"):
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        body = b"".join(message.get("body", b"") for message in held[1:])
        body = rewrite(scope["method"], json.loads(body)) or body
        headers = [(name, value) for name, value in held[0]["headers"] if name.lower() != b"content-length"]
        await send({**held[0], "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


@contextmanager
def tenant(
    settings: JaggaerSimSettings | None = None, **connection: Any
) -> Iterator[tuple[JaggaerSimulator, AnswerRewriter, JaggaerClient]]:
    simulator = JaggaerSimulator(settings)
    proxy = AnswerRewriter(simulator.app)
    with LoopbackServer(proxy) as server:
        client = JaggaerClient(
            JaggaerConnection(
                instance_url=server.url,
                api_base_url=server.url,
                client_id=simulator.settings.client_id,
                client_secret=simulator.settings.client_secret,
                retry=RetryPolicy(max_attempts=2, base_delay_seconds=0.01),
                **connection,
            )
        )
        try:
            yield simulator, proxy, client
        finally:
            client.close()


def on(method: str, change: Callable[[dict[str, Any]], Any]) -> Rewrite:
    """A rewrite of `method` answers: `change` returns the new answer as JSON (or bytes to send as they are)."""

    def rewrite(answered: str, answer: Any) -> bytes | None:
        if answered != method:
            return None
        changed = change(answer)
        return changed if isinstance(changed, bytes) else json.dumps(changed).encode()

    return rewrite


def listed(change: Callable[[list[Any]], list[Any]]) -> Rewrite:
    return on("GET", lambda answer: {**answer, "purchaseOrderList": {"purchaseOrder": change(_items(answer))}})


def _items(answer: dict[str, Any]) -> list[Any]:
    items: list[Any] = answer["purchaseOrderList"]["purchaseOrder"]
    return items


def test_a_header_shaped_tenant_round_trips_with_its_template(tmp_path: Path) -> None:
    settings = JaggaerSimSettings(document_shape="header", list_wrapper="purchaseOrders.purchaseOrder")
    template = write_template(tmp_path, HEADER_TEMPLATE)
    with tenant(
        settings, purchase_order_template=template, purchase_order_list_path="purchaseOrders.purchaseOrder"
    ) as (simulator, _, client):
        sink = JaggaerPurchaseOrderSink(client)
        created = sink.write(order(), None)
        # Without the ledger's id: the lookup reads the number and poId under the listed documents' header.
        assert sink.write(order(status="CLOSED"), None) == created
        assert sink.write(order(status="CANCELLED"), created) == created
        [stored] = simulator.purchase_orders("US-1001")
        [listing] = list(client.iter_purchase_orders())
    assert str(stored["header"]["poId"]) == created and stored["header"]["status"] == "CANCELLED"
    assert stored["lineList"]["line"][0]["unitPrice"] == "12.50"
    assert (listing.po_id, listing.po_number, listing.position) == (created, "US-1001", 1)
    stats = simulator.purchase_order_stats()
    assert (stats.stored, stats.duplicates, stats.writes) == (1, 0, 3)


def test_list_items_and_write_answers_are_read_at_the_top_or_under_header() -> None:
    with tenant() as (simulator, proxy, client):
        sink = JaggaerPurchaseOrderSink(client)
        proxy.rewrite = on("POST", lambda answer: {"returnCode": 0, "header": {"poId": answer["poId"]}})
        created = sink.write(order(), None)
        proxy.rewrite = listed(lambda items: [{"header": item} for item in items])
        assert client.find_purchase_order("US-1001") == created
        proxy.rewrite = None
        assert client.find_purchase_order("US-1001") == created
    assert simulator.purchase_order_stats().stored == 1


def test_documents_of_another_number_in_a_list_answer_are_ignored() -> None:
    with tenant() as (simulator, proxy, client):
        sink = JaggaerPurchaseOrderSink(client)
        other = sink.write(order(order_number="US-2002"), None)
        # A tenant that ignores the filter lists every document: the other order must not be updated.
        proxy.rewrite = on(
            "GET",
            lambda _: {
                "returnCode": 0,
                "totRecords": 1,
                "returnedRecords": 1,
                "purchaseOrderList": {"purchaseOrder": simulator.purchase_orders()},
            },
        )
        created = sink.write(order(), None)
    assert created != other
    assert sorted(d["poNumber"] for d in simulator.purchase_orders()) == ["US-1001", "US-2002"]


def test_which_return_codes_mean_not_found_is_a_setting() -> None:
    settings = JaggaerSimSettings(not_found_code=44)
    with tenant(settings) as (simulator, _, client):
        created = JaggaerPurchaseOrderSink(client).write(order(), None)
        document = client.purchase_order_document(order(status="CLOSED"))
        with pytest.raises(RequestRejected) as raised:
            client.upsert_purchase_order(document, "7000009999")
        assert str(raised.value) == "jaggaer: UPDATE: returnCode 44: Purchase order 7000009999 not found"

    with tenant(settings, not_found_codes=[40, 44]) as (simulator, _, client):
        created = JaggaerPurchaseOrderSink(client).write(order(), None)
        # A stale id from the ledger: the tenant says "not found" with 44, so the number is looked up again.
        document = client.purchase_order_document(order(status="CLOSED"))
        assert client.upsert_purchase_order(document, "7000009999") == created
        [stored] = simulator.purchase_orders()
    assert stored["status"] == "CLOSED"


def _drop(items: list[Any], *names: str) -> list[Any]:
    return [{k: v for k, v in item.items() if k not in names} for item in items]


@pytest.mark.parametrize(
    ("rewrite", "message"),
    [
        (
            on("GET", lambda answer: {k: v for k, v in answer.items() if k != "returnCode"}),
            "list answer has no returnCode envelope",
        ),
        (on("GET", lambda _: b"<html>502 Bad Gateway</html>"), f"GET {PO_PATH} answered non-JSON"),
        (listed(lambda items: ["US-1001" for _ in items]), "list answer item 1 is not an object"),
        (listed(lambda items: _drop(items, "poId")), "list answer item 1 has no poId (looked at poId and header.poId)"),
        (
            listed(lambda items: _drop(items, "poNumber")),
            "list answer item 1 has no poNumber (looked at poNumber and header.poNumber)",
        ),
        (
            on("GET", lambda answer: {**answer, "purchaseOrderList": {"order": _items(answer)}}),
            "list answer has no list at purchaseOrderList.purchaseOrder",
        ),
        (
            on("GET", lambda answer: {**answer, "returnCode": "OK"}),
            "list answer has a returnCode that is not a number ('OK')",
        ),
        (
            on("GET", lambda answer: {**answer, "totRecords": 3, "returnedRecords": 0}),
            "list answer at start 1 returned no documents but reports 3 in all",
        ),
    ],
)
def test_an_unreadable_list_answer_fails_the_record_naming_what(rewrite: Rewrite, message: str) -> None:
    with tenant() as (_, proxy, client):
        sink = JaggaerPurchaseOrderSink(client)
        sink.write(order(), None)
        proxy.rewrite = rewrite
        with pytest.raises(RequestRejected) as raised:
            sink.write(order(status="CLOSED"), None)
    assert str(raised.value) == f"jaggaer: {message}"


def test_a_write_answer_without_po_id_fails_the_record_naming_it() -> None:
    with tenant() as (_, proxy, client):
        proxy.rewrite = on("POST", lambda _: {"returnCode": 0, "returnMessage": "OK"})
        with pytest.raises(RequestRejected) as raised:
            JaggaerPurchaseOrderSink(client).write(order(), None)
    assert str(raised.value) == "jaggaer: CREATE answer has no poId (looked at poId and header.poId)"


def test_writes_from_several_threads_share_one_client() -> None:
    with tenant(max_concurrent_requests=4) as (simulator, _, client):
        sink = JaggaerPurchaseOrderSink(client)
        assert sink.concurrency == 4
        numbers = [f"US-{n:04d}" for n in range(40)]
        with ThreadPoolExecutor(max_workers=sink.concurrency) as pool:
            ids = list(pool.map(lambda number: sink.write(order(order_number=number), None), numbers))
        assert client.tokens.fetch_count == 1, "one token, shared by every thread"
    assert len(set(ids)) == 40
    stats = simulator.purchase_order_stats()
    assert (stats.stored, stats.distinct_po_numbers, stats.duplicates) == (40, 40, 0)
    assert sorted(d["poNumber"] for d in simulator.purchase_orders()) == numbers


def test_ping_lists_reads_a_document_and_renders_the_template(tmp_path: Path) -> None:
    with tenant() as (_, proxy, client):
        created = JaggaerPurchaseOrderSink(client).write(order(), None)
        lines = client.ping()
        proxy.rewrite = listed(lambda items: _drop(items, "poId"))
        with pytest.raises(RequestRejected, match="list answer item 1 has no poId"):
            client.ping()
    assert lines[:3] == [
        "authenticated and listed purchase orders (1 stored)",
        f"read a stored document: PO number US-1001 is poId {created}",
        "PO number lookups work (flt=poNumber=in=(…))",
    ]
    assert lines[3].startswith("jaggaer purchase order template (packaged default) renders a sample order")
    assert lines[3].endswith("the PO number goes at poNumber")

    template = write_template(tmp_path, HEADER_TEMPLATE)
    with tenant(JaggaerSimSettings(document_shape="header"), purchase_order_template=template) as (_, _, client):
        [listing, not_probed, rendering, *_] = client.ping()
    assert listing == "authenticated and listed purchase orders (0 stored)"
    assert not_probed == "PO number lookups not probed: the tenant holds no purchase order yet"
    assert rendering.startswith(f"jaggaer purchase order template {template} renders a sample order")
    assert rendering.endswith("the PO number goes at header.poNumber")


def test_ping_finds_out_that_a_tenant_has_no_in_filter_and_one_number_at_a_time_works() -> None:
    with tenant(JaggaerSimSettings(fiql_in_supported=False)) as (simulator, _, client):
        JaggaerPurchaseOrderSink(client).write(order(), None)
        with pytest.raises(CheckFailed, match=r"refused the lookup flt=poNumber=in=\(…\).*set lookup_batch_size to 1"):
            client.ping()
        one_at_a_time = JaggaerClient(client.connection.model_copy(update={"lookup_batch_size": 1}))
        assert "PO number lookups work (flt=poNumber==…)" in one_at_a_time.ping()
        # Set so, a batch of writes looks each number up alone, and nothing is created twice.
        sink = JaggaerPurchaseOrderSink(one_at_a_time)
        assert sink.find_ids(["US-1001", "US-404"]) == {"US-1001": str(simulator.purchase_orders()[0]["poId"])}
