"""How the simulated tenant's purchase order documents are shaped: header fields at the top, or under `header`.

Either way a write is `{"purchaseOrder": {"operationCode": …, <document>}}`; the shape decides where the
tenant reads poNumber and poId from, what else it accepts, and where it stamps poId and lastModTime.
"""

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ml_connector_dagster.jaggaer.simulator.errors import RC_INVALID_REQUEST, J1PError

DocumentShape = Literal["flat", "header"]


@dataclass(frozen=True)
class PurchaseOrderWrite:
    operation: str
    po_number: str
    po_id: int | None
    document: dict[str, Any]  # as it will be stored, without operationCode


class _HeaderFields(BaseModel):
    model_config = ConfigDict(extra="allow")

    poNumber: str
    poId: int | None = None

    @field_validator("poNumber")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


class _FlatOrder(_HeaderFields):
    operationCode: str


class _LineList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line: list[dict[str, Any]]


class _HeaderOrder(BaseModel):
    # A schema-validated tenant: anything but these at the top of the document is refused.
    model_config = ConfigDict(extra="forbid")

    operationCode: str
    header: _HeaderFields
    lineList: _LineList | None = None


def _invalid(error: ValidationError) -> J1PError:
    problems = "; ".join(
        f"purchaseOrder.{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors()
    )
    return J1PError(RC_INVALID_REQUEST, f"Invalid purchase order: {problems}")


def parse_write(body: Any, shape: DocumentShape) -> PurchaseOrderWrite:
    order = body.get("purchaseOrder") if isinstance(body, dict) else None
    if not isinstance(order, dict):
        raise J1PError(RC_INVALID_REQUEST, "Invalid purchase order: purchaseOrder: required")
    document = {name: value for name, value in order.items() if name != "operationCode"}
    if shape == "flat":
        try:
            flat = _FlatOrder.model_validate(order)
        except ValidationError as error:
            raise _invalid(error) from None
        return PurchaseOrderWrite(flat.operationCode, flat.poNumber, flat.poId, document)
    header = order.get("header")
    number = header.get("poNumber") if isinstance(header, dict) else None
    if not isinstance(number, str) or not number.strip():
        # What a tenant answers first for a document that is not in its shape.
        raise J1PError(RC_INVALID_REQUEST, "Invalid purchase order: purchaseOrder.header.poNumber: required")
    try:
        shaped = _HeaderOrder.model_validate(order)
    except ValidationError as error:
        raise _invalid(error) from None
    return PurchaseOrderWrite(shaped.operationCode, shaped.header.poNumber, shaped.header.poId, document)


def header_fields(document: dict[str, Any], shape: DocumentShape) -> dict[str, Any]:
    """The object holding poNumber, poId and lastModTime in a stored document."""
    return document["header"] if shape == "header" else document


def stamped(document: dict[str, Any], shape: DocumentShape, po_id: int, last_mod_time: str) -> dict[str, Any]:
    stamps = {"poId": po_id, "lastModTime": last_mod_time}
    if shape == "header":
        return {**document, "header": {**document["header"], **stamps}}
    return {**document, **stamps}


def write_answer(shape: DocumentShape, po_id: int) -> dict[str, Any]:
    """The fields a write answer carries beside the envelope: the poId, where this tenant's documents hold it."""
    return {"header": {"poId": po_id}} if shape == "header" else {"poId": po_id}
