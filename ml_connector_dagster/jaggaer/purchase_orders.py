"""The canonical PurchaseOrder as a J1P purchase order document."""

from typing import Any

from ml_connector_dagster.records import PODistribution, POLine, POSchedule, PurchaseOrder


def to_jaggaer_document(po: PurchaseOrder) -> dict[str, Any]:
    """J1P wraps lists inside objects (`xList: {x: [...]}`) and carries GL accounts as custom fields."""
    return {
        "poNumber": po.order_number,
        "externalId": po.key,
        "status": po.status,
        "supplier": {"supplierNumber": str(po.supplier_id), "name": po.supplier, "site": po.supplier_site},
        "businessUnit": po.procurement_bu,
        "billToBusinessUnit": po.bill_to_bu,
        "buyer": po.buyer,
        "total": {"currency": po.currency_code, "value": str(po.total)},
        "creationDate": po.creation_date.isoformat(),
        "erpLastUpdate": po.last_update_date.isoformat(),
        "poLineList": {"poLine": [_line(line) for line in po.lines]},
    }


def _line(line: POLine) -> dict[str, Any]:
    return {
        "lineNumber": line.line_number,
        "description": line.description,
        "quantity": _text(line.quantity),
        "unitPrice": _text(line.unit_price),
        "uom": line.uom,
        "amount": _text(line.amount),
        "scheduleList": {"schedule": [_schedule(schedule) for schedule in line.schedules]},
    }


def _schedule(schedule: POSchedule) -> dict[str, Any]:
    return {
        "scheduleNumber": schedule.schedule_number,
        "quantity": _text(schedule.quantity),
        "amount": _text(schedule.amount),
        "needByDate": schedule.need_by_date.isoformat() if schedule.need_by_date else None,
        "splittableFieldSetGroupList": {
            "splittableFieldSetGroup": [_split(distribution) for distribution in schedule.distributions]
        },
    }


def _split(distribution: PODistribution) -> dict[str, Any]:
    return {
        "distributionNumber": distribution.distribution_number,
        "quantity": _text(distribution.quantity),
        "amount": _text(distribution.amount),
        "customFieldValueSetList": {"customFieldValueSet": [{"name": "Account", "value": distribution.charge_account}]},
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)
