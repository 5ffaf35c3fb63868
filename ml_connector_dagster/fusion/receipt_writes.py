"""Receipts → `POST receivingReceiptRequests`, one request per receipt, its number sent as the ShipmentNumber.

Fusion has no idempotency key: a receipt is looked up by ShipmentNumber among the requests that succeeded
before it is posted, and after an answer lost on the way. Requests that failed are stored too; they received
nothing, so they do not count.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.lookup import string_in
from ml_connector_dagster.fusion.order_lookup import OrderFacts, OrderLookup
from ml_connector_dagster.fusion.resources import ChildCollection, WholeResource
from ml_connector_dagster.http.errors import (
    RequestRejected,
    WriteOutcomeUnknown,
    found_after_unknown,
)
from ml_connector_dagster.records import Receipt, ReceiptLine
from ml_connector_dagster.records.errors import WaitsOnTarget

SYSTEM = "fusion"
SUCCESS = "SUCCESS"
# Lines come back in the order they were sent: a processing error names its line by InterfaceTransactionId.
_ANSWER_CHILDREN = (
    ChildCollection("lines", "InterfaceTransactionId"),
    ChildCollection("processingErrors", "ErrorId"),
)


class ReceiptWriter:
    def __init__(self, client: FusionClient, orders: OrderLookup) -> None:
        self._client = client
        self._orders = orders
        self._requests = WholeResource(client.connection.receipt_requests_resource, "HeaderInterfaceId")

    def find(self, receipt_numbers: Sequence[str]) -> dict[str, str]:
        """The HeaderInterfaceId of the successful request of each receipt number that has one (the oldest)."""
        numbers = list(dict.fromkeys(receipt_numbers))
        found: dict[str, str] = {}
        size = self._client.connection.lookup_batch_size
        for start in range(0, len(numbers), size):
            q = f"{string_in('ShipmentNumber', numbers[start : start + size])} and ReturnStatus = '{SUCCESS}'"
            for item in self._client.iter_matching(self._requests, q, fields="HeaderInterfaceId,ShipmentNumber"):
                found.setdefault(str(item["ShipmentNumber"]), str(item["HeaderInterfaceId"]))
        return found

    def write(self, receipt: Receipt, known_id: str | None, looked_up: bool = False) -> str:
        """The HeaderInterfaceId of the receipt's successful request, posting it only when there is none.
        `looked_up`: `known_id` comes from a lookup just made, so None means absent."""
        number = receipt.receipt_number
        found = known_id if looked_up else known_id or self.find([number]).get(number)
        if found is not None:
            return found
        body = self.request(receipt)
        try:
            answer = self._client.http.send_json("POST", self._requests.name, body)
        except WriteOutcomeUnknown as unknown:
            return found_after_unknown(unknown, lambda: self.find([number]).get(number))
        return self._checked(receipt, answer)

    def request(self, receipt: Receipt) -> dict[str, Any]:
        """The request body; WaitsOnTarget when Fusion lacks an order, line or schedule the receipt names."""
        orders = self._orders.orders(receipt.po_numbers)
        missing = [number for number in receipt.po_numbers if number not in orders]
        if missing:
            raise WaitsOnTarget(
                f"receipt {receipt.receipt_number}: purchase order {', '.join(missing)} is not in Fusion",
                tuple(f"po:{number}" for number in missing),
            )
        lacking = [
            (line.po_number, gap)
            for line in receipt.lines
            if (gap := orders[line.po_number].lacks(line.po_line_number, line.po_schedule_number))
        ]
        if lacking:
            raise WaitsOnTarget(
                f"receipt {receipt.receipt_number}: {'; '.join(gap for _, gap in lacking)}",
                tuple(dict.fromkeys(f"po:{number}" for number, _ in lacking)),
            )
        return {
            "ReceiptSourceCode": "VENDOR",
            "ShipmentNumber": receipt.receipt_number,
            "lines": [self._line(receipt, line, orders[line.po_number]) for line in receipt.lines],
        }

    def _line(self, receipt: Receipt, line: ReceiptLine, order: OrderFacts) -> dict[str, Any]:
        body: dict[str, Any] = {
            "SourceDocumentCode": "PO",
            "TransactionType": "RECEIVE",
            "AutoTransactCode": "DELIVER",
            "DocumentNumber": line.po_number,
            "DocumentLineNumber": line.po_line_number,
            "DocumentShipmentLineNumber": line.po_schedule_number,
        }
        by_amount = order.lines[line.po_line_number].by_amount
        if by_amount is None:
            # The pod does not say how the line is received: the record's measure goes, and Fusion judges it.
            by_amount = line.quantity is None
        measure: tuple[str, Decimal | None] = ("Amount", line.amount) if by_amount else ("Quantity", line.quantity)
        name, value = measure
        if value is None:
            kind = "a fixed-price service line, received by amount" if by_amount else "received by quantity"
            raise RequestRejected(
                SYSTEM,
                f"receipt {receipt.receipt_number} line {line.line_number}: line {line.po_line_number} of purchase "
                f"order {line.po_number} is {kind}, and the receipt gives no {name.lower()}",
            )
        body[name] = value
        if name == "Quantity" and line.unit_of_measure:
            body["UnitOfMeasure"] = line.unit_of_measure
        return body

    def _checked(self, receipt: Receipt, answer: Any) -> str:
        """The request's id when Fusion received it; a 201 that says it failed is a RequestRejected carrying
        Fusion's messages, each naming the receipt line it is about."""
        number = receipt.receipt_number
        if not isinstance(answer, dict) or answer.get("HeaderInterfaceId") is None:
            raise RequestRejected(SYSTEM, f"receipt {number}: the answer has no HeaderInterfaceId")
        status = answer.get("ReturnStatus")
        if status == SUCCESS and "processingErrors" not in answer:
            return str(answer["HeaderInterfaceId"])
        answer = self._client.complete(answer, _ANSWER_CHILDREN)
        errors = answer["processingErrors"]
        if status == SUCCESS and not errors:
            return str(answer["HeaderInterfaceId"])
        positions = {row.get("InterfaceTransactionId"): position for position, row in enumerate(answer["lines"])}
        messages = []
        for error in errors:
            position = positions.get(error.get("InterfaceTransactionId"))
            where = f"receipt {number}"
            if position is not None and position < len(receipt.lines):
                where += f" line {receipt.lines[position].line_number}"
            messages.append(f"{where}: {error.get('ErrorMessage') or error.get('ErrorMessageName')}")
        detail = "; ".join(messages) or f"receipt {number}: Fusion answered ReturnStatus {status} and no error"
        raise RequestRejected(SYSTEM, detail, code=None if status is None else str(status))
