"""The Fusion simulator's three-way-match writes over real HTTP: receipt requests (a 201 that carries a
failure, over-receipts, fixed-price service lines by amount), PO acknowledgments by PATCH, PO-matched invoices
keyed by number + supplier + business unit, JSON error bodies, faults on writes, and the write counters."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import httpx
import pytest

from ml_connector_dagster.fusion.simulator import FusionSimSettings, FusionSimulator
from ml_connector_dagster.simulation.server import LoopbackServer

ROOT = "/fscmRestApi/resources/11.13.18.05"
POS, RECEIPTS, ACKS, INVOICES = (
    f"{ROOT}/purchaseOrders",
    f"{ROOT}/receivingReceiptRequests",
    f"{ROOT}/purchaseOrderAcknowledgments",
    f"{ROOT}/invoices",
)
ITEM_JSON = "application/vnd.oracle.adf.resourceitem+json"
START, END = datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 2, tzinfo=UTC)


class Target(NamedTuple):
    """A purchase order schedule as a client knows it."""

    order: dict[str, Any]
    line: dict[str, Any]
    schedule: dict[str, Any]

    def receipt_line(self, **measure: Any) -> dict[str, Any]:
        return {
            "SourceDocumentCode": "PO",
            "TransactionType": "RECEIVE",
            "AutoTransactCode": "DELIVER",
            "DocumentNumber": self.order["OrderNumber"],
            "DocumentLineNumber": self.line["LineNumber"],
            "DocumentShipmentLineNumber": self.schedule["ScheduleNumber"],
            **{name: str(value) for name, value in measure.items()},
        }


def _json(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return json.loads(response.text, parse_float=Decimal)


def _client(url: str, version: int = 4) -> httpx.Client:
    headers = {"Accept": "application/json", "REST-Framework-Version": str(version)}
    return httpx.Client(base_url=url, auth=("integration.user", "Welcome1"), headers=headers, timeout=10)


def _detail(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["status"] == str(response.status_code) and body["title"]
    return body["o:errorDetails"][0]


@pytest.fixture
def pod() -> Iterator[tuple[FusionSimulator, str]]:
    simulator = FusionSimulator(FusionSimSettings(line_kind_attributes=True))
    simulator.seed_purchase_orders(40, START, END, seed=11)
    with LoopbackServer(simulator.app) as server:
        yield simulator, server.url


def _targets(client: httpx.Client) -> list[Target]:
    params = {"limit": 499, "expand": "lines.schedules", "orderBy": "POHeaderId"}
    orders = _json(client.get(POS, params=params))["items"]
    return [
        Target(order, line, schedule)
        for order in orders
        for line in order["lines"]["items"]
        for schedule in line["schedules"]["items"]
    ]


def _by_quantity(client: httpx.Client, at_least: int = 3) -> Target:
    return next(
        t for t in _targets(client) if t.line["MatchingBasis"] == "QUANTITY" and t.schedule["Quantity"] >= at_least
    )


def _by_amount(client: httpx.Client) -> Target:
    return next(t for t in _targets(client) if t.line["MatchingBasis"] == "AMOUNT")


def _receive(client: httpx.Client, *lines: dict[str, Any], shipment: str = "JAG-RCPT-1") -> dict[str, Any]:
    body = {"ReceiptSourceCode": "VENDOR", "ShipmentNumber": shipment, "OrganizationCode": "M1", "lines": list(lines)}
    return _json(client.post(RECEIPTS, json=body), 201)


def test_receipts_accumulate_per_schedule_and_an_over_receipt_is_refused_inside_a_201(
    pod: tuple[FusionSimulator, str],
) -> None:
    simulator, url = pod
    with _client(url) as client:
        target = _by_quantity(client)
        ordered = target.schedule["Quantity"]
        first = _receive(client, target.receipt_line(Quantity=ordered - 1))
        second = _receive(client, target.receipt_line(Quantity=1), shipment="JAG-RCPT-2")
        over = _receive(client, target.receipt_line(Quantity=1), shipment="JAG-RCPT-3")
    assert isinstance(first["HeaderInterfaceId"], int) and first["HeaderInterfaceId"] != second["HeaderInterfaceId"]
    assert (first["ReturnStatus"], second["ReturnStatus"], over["ReturnStatus"]) == ("SUCCESS", "SUCCESS", "ERROR")
    assert first["processingErrors"]["items"] == [] and first["ReceiptNumber"] and over["ReceiptNumber"] is None
    assert first["lines"]["items"][0]["Quantity"] == ordered - 1
    [error] = over["processingErrors"]["items"]
    assert error["ColumnName"] == "Quantity" and error["ErrorMessageName"] == "RCV_ALL_QTY_OVER_TOLERANCE"
    expected = f"exceeds the quantity available to receive, 0, on schedule {target.schedule['ScheduleNumber']}"
    assert expected in error["ErrorMessage"]
    assert error["InterfaceTransactionId"] == over["lines"]["items"][0]["InterfaceTransactionId"]
    assert simulator.received(target.schedule["LineLocationId"]) == ordered
    stats = simulator.stats()
    assert (stats["receipts_created"], stats["receipt_requests_failed"], stats["receipt_lines_failed"]) == (2, 1, 1)
    assert [request["ReturnStatus"] for request in simulator.receipt_requests()] == ["SUCCESS", "SUCCESS", "ERROR"]


def test_unknown_po_line_or_schedule_fails_the_whole_request_and_receives_nothing(
    pod: tuple[FusionSimulator, str],
) -> None:
    simulator, url = pod
    with _client(url) as client:
        target = _by_quantity(client)
        good = target.receipt_line(Quantity=1)
        unknown_po = {**good, "DocumentNumber": "NO-SUCH-PO"}
        unknown_line = {**good, "DocumentLineNumber": 99}
        unknown_schedule = {**good, "DocumentShipmentLineNumber": 9}
        answer = _receive(client, good, unknown_po, unknown_line, unknown_schedule)
    assert answer["ReturnStatus"] == "ERROR" and answer["DocumentNumber"] is None
    errors = answer["processingErrors"]["items"]
    assert [error["ColumnName"] for error in errors] == [
        "DocumentNumber",
        "DocumentLineNumber",
        "DocumentShipmentLineNumber",
    ]
    assert "no purchase order NO-SUCH-PO exists" in errors[0]["ErrorMessage"]
    assert "has no line 99" in errors[1]["ErrorMessage"] and "has no schedule 9" in errors[2]["ErrorMessage"]
    assert simulator.received(target.schedule["LineLocationId"]) == 0
    assert simulator.stats()["receipt_lines_failed"] == 3 and simulator.stats()["receipts_created"] == 0


def test_fixed_price_service_lines_are_received_by_amount(pod: tuple[FusionSimulator, str]) -> None:
    simulator, url = pod
    with _client(url) as client:
        target = _by_amount(client)
        assert target.line["OrderTypeLookupCode"] == "FIXED PRICE"
        amount = target.schedule["Amount"]
        by_quantity = _receive(client, target.receipt_line(Quantity=1))
        partial = _receive(client, target.receipt_line(Amount=amount - Decimal("0.01")))
        over = _receive(client, target.receipt_line(Amount=Decimal("0.02")))
        rest = _receive(client, target.receipt_line(Amount=Decimal("0.01")))
    assert by_quantity["ReturnStatus"] == "ERROR"
    assert by_quantity["processingErrors"]["items"][0]["ErrorMessageName"] == "RCV_AMOUNT_BASED_LINE"
    assert (partial["ReturnStatus"], over["ReturnStatus"], rest["ReturnStatus"]) == ("SUCCESS", "ERROR", "SUCCESS")
    assert "exceeds the amount available to receive, 0.01" in over["processingErrors"]["items"][0]["ErrorMessage"]
    assert simulator.received(target.schedule["LineLocationId"]) == amount


def test_receipt_requests_can_be_looked_up_before_creating_one(pod: tuple[FusionSimulator, str]) -> None:
    _, url = pod
    with _client(url) as client:
        target = _by_quantity(client)
        number = target.order["OrderNumber"]
        assert _json(client.get(RECEIPTS, params={"q": f"DocumentNumber = '{number}'"}))["items"] == []
        created = _receive(client, target.receipt_line(Quantity=1), shipment="JAG-RCPT-77")
        _receive(client, {**target.receipt_line(Quantity=1), "DocumentNumber": "NO-SUCH-PO"})
        found = _json(client.get(RECEIPTS, params={"q": f"DocumentNumber = '{number}' and ReturnStatus = 'SUCCESS'"}))
        by_shipment = _json(client.get(RECEIPTS, params={"q": "ShipmentNumber = 'JAG-RCPT-77'"}))
        item = _json(client.get(f"{RECEIPTS}/{created['HeaderInterfaceId']}", params={"expand": "lines"}))
        every = _json(client.get(RECEIPTS))
        errors_href = next(link["href"] for link in every["items"][1]["links"] if link["name"] == "processingErrors")
        errors = _json(client.get(errors_href))
        described = _json(client.get(f"{RECEIPTS}/describe"))["Resources"]["receivingReceiptRequests"]
    assert [request["HeaderInterfaceId"] for request in found["items"]] == [created["HeaderInterfaceId"]]
    assert [request["HeaderInterfaceId"] for request in by_shipment["items"]] == [created["HeaderInterfaceId"]]
    assert item["lines"]["items"][0]["DocumentNumber"] == number and every["count"] == 2
    assert errors["count"] == 1 and errors["items"][0]["ColumnName"] == "DocumentNumber"
    assert described["key"] == "HeaderInterfaceId" and set(described["children"]) == {"lines", "processingErrors"}


def test_malformed_receipt_requests_are_refused_with_an_oracle_error_body(pod: tuple[FusionSimulator, str]) -> None:
    simulator, url = pod
    with _client(url) as client:
        target = _by_quantity(client)
        no_lines = client.post(RECEIPTS, json={"ShipmentNumber": "X"})
        wrong_kind = client.post(
            RECEIPTS, json={"lines": [{**target.receipt_line(Quantity=1), "TransactionType": "X"}]}
        )
        not_json = client.post(RECEIPTS, content=b"{nope", headers={"Content-Type": "application/json"})
        negative = client.post(RECEIPTS, json={"lines": [target.receipt_line(Quantity=-1)]})
    with _client(url, version=2) as old:
        plain = old.post(RECEIPTS, json={"ShipmentNumber": "X"})
    assert [r.status_code for r in (no_lines, wrong_kind, not_json, negative, plain)] == [400] * 5
    assert no_lines.headers["content-type"].startswith("application/vnd.oracle.adf.error+json")
    assert _detail(no_lines)["o:errorPath"] == "lines" and "Receipt request" in _detail(no_lines)["detail"]
    assert _detail(wrong_kind)["o:errorPath"] == "lines[0].TransactionType"
    assert "not valid JSON" in _detail(not_json)["detail"] and _detail(negative)["o:errorPath"] == "lines[0].Quantity"
    assert plain.headers["content-type"].startswith("text/plain") and "lines" in plain.text
    assert simulator.receipt_requests() == [] and simulator.stats()["receipts_created"] == 0


def test_acknowledgments_are_patched_per_order_and_per_schedule(pod: tuple[FusionSimulator, str]) -> None:
    simulator, url = pod
    with _client(url) as client:
        target = _by_quantity(client)
        order_id, location = target.order["POHeaderId"], target.schedule["LineLocationId"]
        before = _json(client.get(f"{ACKS}/{order_id}"))
        header = _json(
            client.patch(f"{ACKS}/{order_id}", json={"AcknowledgmentResponse": "accept", "AcknowledgmentNote": "OK"})
        )
        schedule_path = f"{ACKS}/{order_id}/child/schedules/{location}"
        schedule = _json(client.patch(schedule_path, json={"AcknowledgmentResponse": "REJECT"}))
        read = _json(client.get(f"{ACKS}/{order_id}", params={"expand": "schedules"}))
        listed = _json(client.get(ACKS, params={"q": "AcknowledgmentResponse = 'Accept'"}))
        every = _json(client.get(ACKS, params={"limit": 1, "totalResults": "true"}))
        refusals = [
            client.patch(f"{ACKS}/{order_id}", json={"AcknowledgmentResponse": "maybe"}),
            client.patch(f"{ACKS}/{order_id}", json={"OrderNumber": "X"}),
            client.patch(f"{ACKS}/{order_id}/child/schedules/1", json={"AcknowledgmentResponse": "Accept"}),
            client.patch(f"{ACKS}/1", json={"AcknowledgmentResponse": "Accept"}),
            client.patch(POS, json={}),
        ]
    assert before["AcknowledgmentResponse"] is None and before["OrderNumber"] == target.order["OrderNumber"]
    assert (header["AcknowledgmentResponse"], header["AcknowledgmentNote"]) == ("Accept", "OK")
    assert header["LastUpdateDate"] > before["LastUpdateDate"]
    assert schedule["LineLocationId"] == location and schedule["AcknowledgmentResponse"] == "Reject"
    rejected = [s for s in read["schedules"]["items"] if s["AcknowledgmentResponse"] == "Reject"]
    assert [s["LineLocationId"] for s in rejected] == [location]
    assert [item["POHeaderId"] for item in listed["items"]] == [order_id] and every["totalResults"] == 40
    assert [r.status_code for r in refusals] == [400, 400, 404, 404, 405]
    assert _detail(refusals[0])["o:errorPath"] == "AcknowledgmentResponse"
    assert _detail(refusals[1])["o:errorPath"] == "OrderNumber"
    stored = simulator.acknowledgment(order_id)
    assert stored is not None and stored["AcknowledgmentNote"] == "OK" and simulator.stats()["acknowledgments"] == 2


def test_acknowledgment_patch_status_is_a_setting() -> None:
    simulator = FusionSimulator(FusionSimSettings(acknowledgment_patch_status=204))
    simulator.seed_purchase_orders(3, START, END)
    with LoopbackServer(simulator.app) as server, _client(server.url) as client:
        order_id = _json(client.get(ACKS, params={"limit": 1}))["items"][0]["POHeaderId"]
        answer = client.patch(f"{ACKS}/{order_id}", json={"AcknowledgmentResponse": "Reject"})
    assert answer.status_code == 204 and answer.content == b""
    stored = simulator.acknowledgment(order_id)
    assert stored is not None and stored["AcknowledgmentResponse"] == "Reject"


def _supplier_number(client: httpx.Client, supplier_id: int) -> str:
    return str(_json(client.get(f"{ROOT}/suppliers/{supplier_id}"))["SupplierNumber"])


def _invoice(client: httpx.Client, target: Target, number: str, amount: str = "100.00") -> dict[str, Any]:
    return {
        "InvoiceNumber": number,
        "InvoiceCurrency": target.order["CurrencyCode"],
        "InvoiceAmount": amount,
        "InvoiceDate": "2026-06-03",
        "BusinessUnit": target.order["BillToBU"],
        "SupplierNumber": _supplier_number(client, target.order["SupplierId"]),
        "invoiceLines": [
            {
                "LineNumber": 1,
                "LineType": "Item",
                "LineAmount": amount,
                "Quantity": "1",
                "UnitPrice": amount,
                "PurchaseOrderNumber": target.order["OrderNumber"],
                "PurchaseOrderLineNumber": target.line["LineNumber"],
                "PurchaseOrderScheduleLineNumber": target.schedule["ScheduleNumber"],
            }
        ],
    }


def _post_invoice(client: httpx.Client, body: dict[str, Any], **headers: str) -> httpx.Response:
    return client.post(INVOICES, content=json.dumps(body), headers={"Content-Type": ITEM_JSON, **headers})


def test_po_matched_invoices_are_created_once_per_number_supplier_and_business_unit(
    pod: tuple[FusionSimulator, str],
) -> None:
    simulator, url = pod
    simulator.seed_invoices(5, START, END)
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
    with _client(url) as client:
        target = _by_quantity(client)
        body = _invoice(client, target, "JAG-INV-1")
        created = _json(_post_invoice(client, body), 201)
        duplicate = _post_invoice(client, {**body, "InvoiceAmount": "90.00"})
        found = _json(client.get(INVOICES, params={"q": "InvoiceNumber = 'JAG-INV-1'", "expand": "invoiceLines"}))
        fresh = _json(client.get(INVOICES, params={"q": f"LastUpdateDate > '{since}'"}))
        upserted = _json(_post_invoice(client, {**body, "InvoiceAmount": "90.00"}, **{"Upsert-Mode": "true"}))
        plain_json = client.post(INVOICES, json=body)
    assert isinstance(created["InvoiceId"], int) and created["ValidationStatus"] == "Not validated"
    line = created["invoiceLines"]["items"][0]
    assert (line["PurchaseOrderNumber"], line["PurchaseOrderScheduleLineNumber"]) == (
        target.order["OrderNumber"],
        target.schedule["ScheduleNumber"],
    )
    assert duplicate.status_code == 400 and _detail(duplicate)["o:errorPath"] == "InvoiceNumber"
    assert "already exists" in _detail(duplicate)["detail"]
    assert [item["InvoiceId"] for item in found["items"]] == [created["InvoiceId"]]
    assert found["items"][0]["invoiceLines"]["items"][0]["LineAmount"] == Decimal("100.00")
    assert [item["InvoiceId"] for item in fresh["items"]] == [created["InvoiceId"]]
    assert upserted["InvoiceId"] == created["InvoiceId"] and upserted["InvoiceAmount"] == Decimal("90.00")
    assert upserted["LastUpdateDate"] >= created["LastUpdateDate"]
    assert plain_json.status_code == 415
    written = simulator.written_invoices()
    assert [invoice["InvoiceNumber"] for invoice in written] == ["JAG-INV-1"] and simulator.stats()["invoices"] == 6
    assert written[0]["InvoiceAmount"] == Decimal("90.00")
    assert written[0]["invoiceLines"][0]["invoiceDistributions"][0]["DistributionAmount"] == Decimal("100.00")
    assert (simulator.stats()["invoices_created"], simulator.stats()["invoices_updated"]) == (1, 1)


def test_invoices_naming_what_fusion_does_not_know_are_refused(pod: tuple[FusionSimulator, str]) -> None:
    simulator, url = pod
    with _client(url) as client:
        target = _by_quantity(client)
        service = _by_amount(client)
        body = _invoice(client, target, "JAG-INV-2")
        line = body["invoiceLines"][0]
        other = next(t for t in _targets(client) if t.order["SupplierId"] != target.order["SupplierId"])
        cases = {
            "invoiceLines[0].PurchaseOrderNumber": {**body, "invoiceLines": [{**line, "PurchaseOrderNumber": "NOPE"}]},
            "invoiceLines[0].PurchaseOrderLineNumber": {
                **body,
                "invoiceLines": [{**line, "PurchaseOrderLineNumber": 99}],
            },
            "SupplierNumber": {**body, "SupplierNumber": "no-such-supplier"},
            "BusinessUnit": {**body, "BusinessUnit": "Atlantis Business Unit"},
            "InvoiceDate": {**body, "InvoiceDate": "2026-02-30"},
        }
        answers = {path: _post_invoice(client, case) for path, case in cases.items()}
        foreign = _post_invoice(client, {**body, "SupplierNumber": _supplier_number(client, other.order["SupplierId"])})
        by_quantity = _invoice(client, service, "JAG-INV-3")
        wrong_measure = _post_invoice(client, by_quantity)
        by_amount = {**by_quantity, "invoiceLines": [{**by_quantity["invoiceLines"][0], "Quantity": None}]}
        by_amount["invoiceLines"][0]["UnitPrice"] = None
        service_invoice = _post_invoice(client, by_amount)
    for path, answer in answers.items():
        assert answer.status_code == 400 and _detail(answer)["o:errorPath"] == path, answer.text
    assert foreign.status_code == 400 and "is of" in _detail(foreign)["detail"]
    assert wrong_measure.status_code == 400 and _detail(wrong_measure)["o:errorPath"] == "invoiceLines[0].Quantity"
    assert service_invoice.status_code == 201, service_invoice.text
    assert [invoice["InvoiceNumber"] for invoice in simulator.written_invoices()] == ["JAG-INV-3"]


def test_faults_apply_to_writes(pod: tuple[FusionSimulator, str]) -> None:
    simulator, url = pod
    rules = [
        {"mode": "lost_answer", "method": "POST", "path_contains": "/receivingReceiptRequests"},
        {"status": 429, "retry_after": 3, "method": "POST", "path_contains": "/invoices"},
        {"status": 503, "method": "PATCH", "path_contains": "/purchaseOrderAcknowledgments"},
    ]
    assert httpx.put(f"{url}/__sim__/faults", json={"rules": rules}).status_code == 200
    with _client(url) as client:
        target = _by_quantity(client)
        lost = client.post(RECEIPTS, json={"lines": [target.receipt_line(Quantity=1)]})
        throttled = _post_invoice(client, _invoice(client, target, "JAG-INV-9"))
        unavailable = client.patch(f"{ACKS}/{target.order['POHeaderId']}", json={"AcknowledgmentResponse": "Accept"})
        looked_up = _json(client.get(RECEIPTS, params={"q": f"DocumentNumber = '{target.order['OrderNumber']}'"}))
    assert (lost.status_code, lost.content) == (502, b"")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
    assert unavailable.status_code == 503
    # The lost answer's receipt was made: a client that looks it up finds it instead of posting it twice.
    assert looked_up["count"] == 1 and simulator.received(target.schedule["LineLocationId"]) == 1
    assert simulator.written_invoices() == [] and simulator.stats()["acknowledgments"] == 0
    stats = httpx.get(f"{url}/__sim__/stats").json()
    assert (stats["receipts_created"], stats["receipt_requests"], stats["invoices_created"]) == (1, 1, 0)


def test_line_kind_attributes_are_served_only_when_the_setting_says_so(pod: tuple[FusionSimulator, str]) -> None:
    default = FusionSimulator()
    default.seed_purchase_orders(3, START, END)
    with LoopbackServer(default.app) as server, _client(server.url) as client:
        order = _json(client.get(POS, params={"limit": 1, "expand": "lines"}))["items"][0]
        lines_href = next(link["href"] for link in order["links"] if link["name"] == "lines")
        hidden = client.get(lines_href, params={"q": "MatchingBasis = 'AMOUNT'"})
    with _client(pod[1]) as client:
        kinds = {(t.line["OrderTypeLookupCode"], t.line["MatchingBasis"]) for t in _targets(client)}
    assert "MatchingBasis" not in order["lines"]["items"][0] and hidden.status_code == 400
    assert kinds == {("QUANTITY", "QUANTITY"), ("FIXED PRICE", "AMOUNT")}
