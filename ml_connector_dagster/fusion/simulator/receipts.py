"""`POST receivingReceiptRequests`: receipts against purchase order schedules, processed as Fusion's receiving
interface does. A request whose lines Fusion cannot take is still created (201), with `ReturnStatus: "ERROR"`
and a `processingErrors` entry per problem; nothing of it is received then."""

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ml_connector_dagster.fusion.simulator.rows import Row, Value
from ml_connector_dagster.fusion.simulator.schema import PROCESSING_ERRORS, RECEIPT_REQUEST_LINES, RECEIPT_REQUESTS
from ml_connector_dagster.fusion.simulator.store import PodStore
from ml_connector_dagster.fusion.simulator.writes import Schedule, by_amount, find_schedule, stamp_now, validated

RECORD = "Receipt request"


class ReceiptLineIn(BaseModel):
    # The resource has many more attributes (items, locators, lots); the simulator ignores what it does not use.
    model_config = ConfigDict(extra="ignore")

    SourceDocumentCode: Literal["PO"]
    TransactionType: Literal["RECEIVE"]
    AutoTransactCode: Literal["DELIVER"]
    DocumentNumber: str = Field(min_length=1)
    DocumentLineNumber: int = Field(ge=1)
    DocumentShipmentLineNumber: int = Field(ge=1)
    Quantity: Decimal | None = Field(default=None, gt=0)
    Amount: Decimal | None = Field(default=None, gt=0)
    UnitOfMeasure: str | None = None


class ReceiptRequestIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ReceiptSourceCode: str = "VENDOR"
    ShipmentNumber: str | None = None
    OrganizationCode: str | None = None
    VendorName: str | None = None
    lines: list[ReceiptLineIn] = Field(min_length=1)


class LineProblem(BaseModel):
    column: str
    value: str
    name: str
    message: str


def receive(store: PodStore, body: dict[str, object]) -> tuple[Row, int]:
    """Creates the request (the caller holds the store's lock); returns it and how many of its lines failed."""
    request = validated(ReceiptRequestIn, body, RECORD)
    taken: dict[int, Decimal] = {}  # by LineLocationId: what earlier lines of this request receive
    outcomes: list[tuple[ReceiptLineIn, Schedule | None, LineProblem | None]] = []
    for line in request.lines:
        found = find_schedule(
            store.order_by_number(line.DocumentNumber), line.DocumentLineNumber, line.DocumentShipmentLineNumber
        )
        if isinstance(found, str):
            outcomes.append((line, None, _unknown(line, found)))
            continue
        problem = _measure_problem(line, found) or _over_receipt(store, line, found, taken)
        if problem is None:
            location = found.schedule.key
            taken[location] = taken.get(location, Decimal(0)) + _measure(line, found)
        outcomes.append((line, found, problem))
    failed = sum(problem is not None for _, _, problem in outcomes)
    if not failed:
        for location, received in taken.items():
            store.received[location] = store.received.get(location, Decimal(0)) + received
    return _request_row(store, request, outcomes, failed == 0), failed


def _unknown(line: ReceiptLineIn, missing: str) -> LineProblem:
    number, line_number = line.DocumentNumber, line.DocumentLineNumber
    if missing == "order":
        return LineProblem(
            column="DocumentNumber",
            value=number,
            name="RCV_INVALID_DOCUMENT_NUMBER",
            message=f"The value of the attribute Document Number isn't valid: no purchase order {number} exists.",
        )
    if missing == "line":
        return LineProblem(
            column="DocumentLineNumber",
            value=str(line_number),
            name="RCV_INVALID_DOCUMENT_LINE",
            message=f"The value of the attribute Document Line Number isn't valid: purchase order {number} has "
            f"no line {line_number}.",
        )
    return LineProblem(
        column="DocumentShipmentLineNumber",
        value=str(line.DocumentShipmentLineNumber),
        name="RCV_INVALID_DOCUMENT_SCHEDULE",
        message=f"The value of the attribute Document Schedule Number isn't valid: line {line_number} of purchase "
        f"order {number} has no schedule {line.DocumentShipmentLineNumber}.",
    )


def _measure_problem(line: ReceiptLineIn, found: Schedule) -> LineProblem | None:
    """Fixed-price service lines are received by Amount only, every other line by Quantity only."""
    if by_amount(found.line):
        if line.Amount is None or line.Quantity is not None:
            return LineProblem(
                column="Amount",
                value="" if line.Amount is None else str(line.Amount),
                name="RCV_AMOUNT_BASED_LINE",
                message=f"Line {line.DocumentLineNumber} of purchase order {line.DocumentNumber} is a fixed-price "
                "service line: receive it by Amount, not Quantity.",
            )
        return None
    if line.Quantity is None or line.Amount is not None:
        return LineProblem(
            column="Quantity",
            value="" if line.Quantity is None else str(line.Quantity),
            name="RCV_QUANTITY_BASED_LINE",
            message=f"Line {line.DocumentLineNumber} of purchase order {line.DocumentNumber} is received by "
            "Quantity: provide a quantity and no amount.",
        )
    return None


def _measure(line: ReceiptLineIn, found: Schedule) -> Decimal:
    # _measure_problem has refused a line that lacks its measure.
    return (line.Amount if by_amount(found.line) else line.Quantity) or Decimal(0)


def _over_receipt(
    store: PodStore, line: ReceiptLineIn, found: Schedule, taken: dict[int, Decimal]
) -> LineProblem | None:
    attribute = "Amount" if by_amount(found.line) else "Quantity"
    ordered = Decimal(str(found.schedule.attrs.get(attribute) or 0))
    location = found.schedule.key
    open_to_receive = ordered - store.received.get(location, Decimal(0)) - taken.get(location, Decimal(0))
    wanted = _measure(line, found)
    if wanted <= open_to_receive:
        return None
    what = attribute.lower()
    return LineProblem(
        column=attribute,
        value=str(wanted),
        name="RCV_ALL_QTY_OVER_TOLERANCE" if attribute == "Quantity" else "RCV_ALL_AMT_OVER_TOLERANCE",
        message=f"The {what} {wanted} exceeds the {what} available to receive, {open_to_receive}, on schedule "
        f"{line.DocumentShipmentLineNumber} of line {line.DocumentLineNumber} of purchase order "
        f"{line.DocumentNumber}.",
    )


def _request_row(
    store: PodStore,
    request: ReceiptRequestIn,
    outcomes: list[tuple[ReceiptLineIn, Schedule | None, LineProblem | None]],
    succeeded: bool,
) -> Row:
    now = stamp_now()
    header_id = store.take_id("HeaderInterfaceId")
    lines, errors = [], []
    for line, found, problem in outcomes:
        transaction_id = store.take_id("InterfaceTransactionId")
        uom = line.UnitOfMeasure or (None if found is None else found.line.attrs.get("UOM"))
        attrs: dict[str, Value] = {
            **line.model_dump(exclude={"UnitOfMeasure"}),
            "InterfaceTransactionId": transaction_id,
            "UnitOfMeasure": uom,
            "ProcessingStatusCode": "COMPLETED" if succeeded else "ERROR",
        }
        lines.append(Row(RECEIPT_REQUEST_LINES.id, transaction_id, attrs))
        if problem is not None:
            error_id = store.take_id("ErrorId")
            error: dict[str, Value] = {
                "ErrorId": error_id,
                "InterfaceTransactionId": transaction_id,
                "ColumnName": problem.column,
                "ColumnValue": problem.value,
                "ErrorMessageName": problem.name,
                "ErrorMessage": problem.message,
            }
            errors.append(Row(PROCESSING_ERRORS.id, error_id, error))
    documents = {line.DocumentNumber for line in request.lines}
    header: dict[str, Value] = {
        "HeaderInterfaceId": header_id,
        "ReceiptSourceCode": request.ReceiptSourceCode,
        "ShipmentNumber": request.ShipmentNumber,
        "ReceiptNumber": str(store.take_id("ReceiptNumber")) if succeeded else None,
        "OrganizationCode": request.OrganizationCode,
        "VendorName": request.VendorName,
        "DocumentNumber": documents.pop() if len(documents) == 1 else None,
        "ReturnStatus": "SUCCESS" if succeeded else "ERROR",
        "ProcessingStatusCode": "COMPLETED" if succeeded else "ERROR",
        "CreationDate": now,
        "LastUpdateDate": now,
    }
    row = Row(RECEIPT_REQUESTS.id, header_id, header, (tuple(lines), tuple(errors)))
    store.tables[RECEIPT_REQUESTS.name].add([row])
    return row
