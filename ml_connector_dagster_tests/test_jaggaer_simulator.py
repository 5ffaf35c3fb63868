"""The JAGGAER simulator over real HTTP: Keycloak tokens, the J1P envelope, purchase orders, faults."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from ml_connector_dagster.jaggaer.simulator import JaggaerSimSettings, JaggaerSimulator
from ml_connector_dagster.simulation.server import LoopbackServer

PO_PATH = JaggaerSimSettings().purchase_order_path
COMPANY_PATH = JaggaerSimSettings().company_profile_path
TOKEN_PATH = "/auth/realms/J1p-integrations/protocol/openid-connect/token"
CREDENTIALS = {"client_id": "jaggaer-sim-client", "client_secret": "jaggaer-sim-secret"}


@contextmanager
def serve(settings: JaggaerSimSettings | None = None) -> Iterator[tuple[JaggaerSimulator, httpx.Client]]:
    simulator = JaggaerSimulator(settings)
    with LoopbackServer(simulator.app) as server, httpx.Client(base_url=server.url, timeout=5) as client:
        yield simulator, client


def fetch_token(client: httpx.Client, path: str = TOKEN_PATH, **form: str) -> httpx.Response:
    return client.post(path, data={**CREDENTIALS, "grant_type": "client_credentials", **form})


def authorized(client: httpx.Client) -> httpx.Client:
    client.headers["Authorization"] = f"Bearer {fetch_token(client).json()['access_token']}"
    return client


def create(client: httpx.Client, po_number: str, path: str = PO_PATH, **fields: Any) -> httpx.Response:
    order = {"operationCode": "CREATE", "poNumber": po_number, **fields}
    return client.post(path, json={"purchaseOrder": order})


@pytest.fixture
def sim() -> Iterator[tuple[JaggaerSimulator, httpx.Client]]:
    with serve() as (simulator, client):
        yield simulator, authorized(client)


def test_token_answers_like_keycloak() -> None:
    with serve(JaggaerSimSettings(token_expires_in=120)) as (_, client):
        answer = fetch_token(client)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["access_token"]
    assert body["expires_in"] == 120
    assert {"refresh_expires_in", "not-before-policy", "scope"} <= body.keys()


def test_token_refuses_bad_client_wrong_realm_and_other_grants() -> None:
    with serve() as (simulator, client):
        bad_secret = fetch_token(client, client_secret="wrong")
        wrong_realm = fetch_token(client, path="/auth/realms/other/protocol/openid-connect/token")
        password_grant = fetch_token(client, grant_type="password")
        stats = client.get("/__sim__/stats").json()
    assert bad_secret.status_code == 401
    assert bad_secret.json() == {
        "error": "unauthorized_client",
        "error_description": "Invalid client or Invalid client credentials",
    }
    assert wrong_realm.status_code == 404
    assert password_grant.status_code == 400
    assert password_grant.json()["error"] == "unsupported_grant_type"
    assert stats["token_requests"] == 3
    assert simulator.tokens.issued_count == 0


def test_resource_calls_need_a_valid_bearer_token() -> None:
    with serve() as (_, client):
        missing = client.get(PO_PATH)
        authorized(client)
        assert client.get(PO_PATH).status_code == 200
        client.post("/__sim__/tokens/expire")
        expired = client.get(PO_PATH)
    for answer in (missing, expired):
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_create_then_read_by_id_and_by_filter(sim: tuple[JaggaerSimulator, httpx.Client]) -> None:
    simulator, client = sim
    company = {"operationCode": "CREATEUPDATE", "companyInfo": {"extCode": "S-7", "companyName": "Seven"}}
    client.post(COMPANY_PATH, json={"company": company}).raise_for_status()
    created = create(client, "PO-1001", supplier={"supplierNumber": "S-7"}, total={"currency": "USD"})
    assert created.status_code == 200
    assert created.json()["returnCode"] == 0 and created.json()["returnMessage"] == "OK"
    po_id = created.json()["poId"]
    assert po_id >= 7_000_000_001

    by_id = client.get(f"{PO_PATH}/{po_id}").json()
    assert by_id["returnCode"] == 0
    document = by_id["purchaseOrder"]
    assert document["poNumber"] == "PO-1001" and document["poId"] == po_id
    assert document["supplier"] == {"supplierNumber": "S-7"}
    assert document["lastModTime"].endswith("Z") and "operationCode" not in document

    listed = client.get(PO_PATH, params={"flt": "poNumber==PO-1001"}).json()
    assert listed["totRecords"] == 1 and listed["returnedRecords"] == 1 and listed["startAt"] == 1
    assert listed["purchaseOrderList"]["purchaseOrder"] == [document]
    assert simulator.purchase_orders("PO-1001") == [document]


def test_filter_operators(sim: tuple[JaggaerSimulator, httpx.Client]) -> None:
    _, client = sim
    ids = [create(client, f"PO-{n}").json()["poId"] for n in range(1, 5)]
    middle_time = client.get(f"{PO_PATH}/{ids[2]}").json()["purchaseOrder"]["lastModTime"]

    def numbers(flt: str) -> list[str]:
        body = client.get(PO_PATH, params={"flt": flt}).json()
        assert body["returnCode"] == 0, body
        return [d["poNumber"] for d in body["purchaseOrderList"]["purchaseOrder"]]

    assert numbers("poNumber=in=(PO-1,PO-4,PO-9)") == ["PO-1", "PO-4"]
    assert numbers(f"lastModTime>={middle_time}") == ["PO-3", "PO-4"]
    assert numbers(f"LASTMODTIME<={middle_time};poId>={ids[1]}") == ["PO-2", "PO-3"]
    unknown = client.get(PO_PATH, params={"flt": "supplierName==ACME"})
    assert unknown.status_code == 200
    assert unknown.json()["returnCode"] == 50 and "supplierName" in unknown.json()["returnMessage"]


def test_application_errors_come_back_as_http_200(sim: tuple[JaggaerSimulator, httpx.Client]) -> None:
    simulator, client = sim
    no_number = client.post(PO_PATH, json={"purchaseOrder": {"operationCode": "CREATE"}})
    not_json = client.post(PO_PATH, content=b"{not json", headers={"Content-Type": "application/json"})
    update_unknown = client.post(
        PO_PATH, json={"purchaseOrder": {"operationCode": "UPDATE", "poId": 1, "poNumber": "PO-1"}}
    )
    upsert = client.post(PO_PATH, json={"purchaseOrder": {"operationCode": "CREATEUPDATE", "poNumber": "PO-1"}})
    unknown_op = client.post(PO_PATH, json={"purchaseOrder": {"operationCode": "DELETE", "poNumber": "PO-1"}})
    missing = client.get(f"{PO_PATH}/123")
    answers = [no_number, not_json, update_unknown, upsert, unknown_op, missing]
    assert [a.status_code for a in answers] == [200] * 6
    assert [a.json()["returnCode"] for a in answers] == [20, 20, 40, 10, 10, 40]
    assert "poNumber" in no_number.json()["returnMessage"]
    assert upsert.json()["returnMessage"] == "Unsupported operationCode CREATEUPDATE"
    assert update_unknown.json()["returnMessage"] == "Purchase order 1 not found"
    assert simulator.purchase_order_stats().writes == 0


def test_update_replaces_fields_and_moves_last_mod_time(sim: tuple[JaggaerSimulator, httpx.Client]) -> None:
    simulator, client = sim
    po_id = create(client, "PO-1", status="OPEN", buyer="Ann").json()["poId"]
    before = simulator.purchase_orders()[0]
    order = {"operationCode": "UPDATE", "poId": po_id, "poNumber": "PO-1", "status": "CLOSED"}
    assert client.post(PO_PATH, json={"purchaseOrder": order}).json() == {
        "returnCode": 0,
        "returnMessage": "OK",
        "poId": po_id,
    }
    [after] = simulator.purchase_orders()
    assert after["status"] == "CLOSED" and "buyer" not in after and after["poId"] == po_id
    assert after["lastModTime"] > before["lastModTime"]
    assert simulator.purchase_order_stats().writes == 2


def test_native_upsert_when_supported() -> None:
    with serve(JaggaerSimSettings(po_upsert_supported=True)) as (simulator, client):
        authorized(client)
        order = {"operationCode": "CREATEUPDATE", "poNumber": "PO-1", "status": "OPEN"}
        first = client.post(PO_PATH, json={"purchaseOrder": order}).json()
        second = client.post(PO_PATH, json={"purchaseOrder": {**order, "status": "CLOSED"}}).json()
    assert first["returnCode"] == second["returnCode"] == 0
    assert first["poId"] == second["poId"]
    assert [d["status"] for d in simulator.purchase_orders()] == ["CLOSED"]


def test_duplicate_create_is_stored_by_default(sim: tuple[JaggaerSimulator, httpx.Client]) -> None:
    simulator, client = sim
    first, second = create(client, "PO-1").json(), create(client, "PO-1").json()
    assert first["returnCode"] == second["returnCode"] == 0 and first["poId"] != second["poId"]
    stats = simulator.purchase_order_stats()
    assert (stats.stored, stats.distinct_po_numbers, stats.duplicates, stats.writes) == (2, 1, 1, 2)


def test_duplicate_create_is_rejected_when_configured() -> None:
    with serve(JaggaerSimSettings(duplicate_po_number="reject")) as (simulator, client):
        authorized(client)
        create(client, "PO-1")
        second = create(client, "PO-1")
    assert second.status_code == 200
    assert second.json() == {"returnCode": 30, "returnMessage": "Purchase order number PO-1 already exists"}
    assert simulator.purchase_order_stats().duplicates == 0


def test_paging_is_one_based_and_capped(sim: tuple[JaggaerSimulator, httpx.Client]) -> None:
    _, client = sim
    for n in range(120):
        create(client, f"PO-{n:03d}")
    pages = [client.get(PO_PATH, params={"start": s, "limit": 50}).json() for s in (1, 51, 101)]
    assert [p["returnedRecords"] for p in pages] == [50, 50, 20]
    assert [p["startAt"] for p in pages] == [1, 51, 101]
    assert {p["totRecords"] for p in pages} == {120}
    numbers = [d["poNumber"] for p in pages for d in p["purchaseOrderList"]["purchaseOrder"]]
    assert numbers == [f"PO-{n:03d}" for n in range(120)]
    assert client.get(PO_PATH).json()["returnedRecords"] == 50
    assert client.get(PO_PATH, params={"start": 121}).json()["purchaseOrderList"] == {"purchaseOrder": []}


def test_page_size_is_cut_to_the_maximum() -> None:
    with serve(JaggaerSimSettings(max_page_size=3)) as (_, client):
        authorized(client)
        for n in range(5):
            create(client, f"PO-{n}")
        body = client.get(PO_PATH, params={"limit": 200}).json()
    assert (body["totRecords"], body["returnedRecords"]) == (5, 3)


def test_custom_purchase_order_path() -> None:
    custom = "/j1p/api/public/acme/po/v2/orders"
    with serve(JaggaerSimSettings(purchase_order_path=custom)) as (simulator, client):
        authorized(client)
        assert create(client, "PO-1", path=custom).json()["returnCode"] == 0
        assert create(client, "PO-2").status_code == 404
        assert client.get(PO_PATH).status_code == 404
    assert simulator.purchase_order_stats().stored == 1


def test_lost_answer_commits_the_write(sim: tuple[JaggaerSimulator, httpx.Client]) -> None:
    simulator, client = sim
    rule = {"mode": "lost_answer", "method": "POST", "path_contains": PO_PATH}
    client.put("/__sim__/faults", json={"rules": [rule]}).raise_for_status()
    lost = create(client, "PO-1")
    assert lost.status_code == 502
    stats = simulator.purchase_order_stats()
    assert (stats.stored, stats.writes) == (1, 1)
    assert client.get(PO_PATH, params={"flt": "poNumber==PO-1"}).json()["totRecords"] == 1


def test_throttling_with_retry_after(sim: tuple[JaggaerSimulator, httpx.Client]) -> None:
    _, client = sim
    client.put("/__sim__/faults", json={"rules": [{"status": 429, "retry_after": 2}]}).raise_for_status()
    throttled = client.get(PO_PATH)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2"
    assert client.get(PO_PATH).json()["returnCode"] == 0


def test_control_endpoints(sim: tuple[JaggaerSimulator, httpx.Client]) -> None:
    simulator, client = sim
    create(client, "PO-1")
    create(client, "PO-1")
    stats = client.get("/__sim__/stats").json()
    assert stats == {
        "purchase_orders": {"stored": 2, "distinct_po_numbers": 1, "duplicates": 1, "writes": 2, "requests": 2},
        "suppliers": EMPTY_STATS,
        "invoices": EMPTY_STATS,
        "custom_field_values": EMPTY_STATS,
        "token_requests": 1,
        "requests": 2,
    }
    assert [d["poNumber"] for d in client.get("/__sim__/purchase-orders").json()] == ["PO-1", "PO-1"]
    client.post("/__sim__/reset").raise_for_status()
    assert simulator.purchase_orders() == []
    assert simulator.purchase_order_stats().writes == 0


EMPTY_STATS = {"stored": 0, "distinct_keys": 0, "duplicates": 0, "writes": 0, "requests": 0}


def header_order(po_number: str, operation: str = "CREATE", **header: Any) -> dict[str, Any]:
    lines = {"line": [{"lineNumber": 1, "unitPrice": "2.50"}]}
    return {
        "purchaseOrder": {"operationCode": operation, "header": {"poNumber": po_number, **header}, "lineList": lines}
    }


def test_header_shaped_documents_are_read_stored_and_listed_by_their_header() -> None:
    with serve(JaggaerSimSettings(document_shape="header")) as (simulator, client):
        authorized(client)
        created = client.post(PO_PATH, json=header_order("PO-1", status="OPEN")).json()
        assert created["returnCode"] == 0
        po_id = created["header"]["poId"]
        assert "poId" not in created, "the answer carries poId where this tenant's documents hold it"

        [stored] = simulator.purchase_orders("PO-1")
        assert stored["header"]["poId"] == po_id and stored["header"]["lastModTime"].endswith("Z")
        assert stored["lineList"] == {"line": [{"lineNumber": 1, "unitPrice": "2.50"}]}
        assert "poNumber" not in stored and "poId" not in stored

        listed = client.get(PO_PATH, params={"flt": "poNumber==PO-1"}).json()
        assert listed["purchaseOrderList"]["purchaseOrder"] == [stored]
        assert client.get(PO_PATH, params={"flt": f"poId=={po_id}"}).json()["totRecords"] == 1

        update = header_order("PO-1", "UPDATE", poId=po_id, status="CLOSED")
        assert client.post(PO_PATH, json=update).json()["header"]["poId"] == po_id
        assert [d["header"]["status"] for d in simulator.purchase_orders()] == ["CLOSED"]

        create(client, "PO-1")  # a second CREATE of the number, in the header shape, is a duplicate
        client.post(PO_PATH, json=header_order("PO-1"))
        stats = simulator.purchase_order_stats()
    assert (stats.stored, stats.distinct_po_numbers, stats.duplicates) == (2, 1, 1)


def test_header_shaped_tenant_refuses_documents_in_another_shape() -> None:
    with serve(JaggaerSimSettings(document_shape="header")) as (simulator, client):
        authorized(client)
        flat = create(client, "PO-1", status="OPEN").json()
        extra = header_order("PO-1")
        extra["purchaseOrder"]["poLineList"] = {"poLine": []}
        unknown_member = client.post(PO_PATH, json=extra).json()
        bad_lines = header_order("PO-1")
        bad_lines["purchaseOrder"]["lineList"] = [{"lineNumber": 1}]
        unwrapped = client.post(PO_PATH, json=bad_lines).json()
        no_id = client.post(PO_PATH, json=header_order("PO-1", "UPDATE")).json()
        stats = simulator.purchase_order_stats()
    assert flat == {
        "returnCode": 20,
        "returnMessage": "Invalid purchase order: purchaseOrder.header.poNumber: required",
    }
    assert unknown_member["returnCode"] == 20 and "purchaseOrder.poLineList" in unknown_member["returnMessage"]
    assert unwrapped["returnCode"] == 20 and "purchaseOrder.lineList" in unwrapped["returnMessage"]
    assert no_id == {"returnCode": 20, "returnMessage": "Invalid purchase order: purchaseOrder.header.poId: required"}
    assert stats.writes == 0


def test_not_found_code_and_list_wrapper_are_knobs() -> None:
    settings = JaggaerSimSettings(not_found_code=44, list_wrapper="data.orders")
    with serve(settings) as (_, client):
        authorized(client)
        create(client, "PO-1")
        update = {"operationCode": "UPDATE", "poId": 1, "poNumber": "PO-1"}
        unknown_update = client.post(PO_PATH, json={"purchaseOrder": update}).json()
        unknown_get = client.get(f"{PO_PATH}/123").json()
        listed = client.get(PO_PATH).json()
    assert (unknown_update["returnCode"], unknown_get["returnCode"]) == (44, 44)
    assert "purchaseOrderList" not in listed
    assert [d["poNumber"] for d in listed["data"]["orders"]] == ["PO-1"]
