"""JAGGAER document templates: the default renders the documented J1P shape; broken templates are refused
when loaded, naming the file and the JSON path of the problem."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from ml_connector_dagster.jaggaer.connection import JaggaerConnection
from ml_connector_dagster.jaggaer.document_template import TemplateError
from ml_connector_dagster.jaggaer.sample import sample_invoice
from ml_connector_dagster.jaggaer.template_kinds import INVOICE
from ml_connector_dagster.jaggaer.template_loader import load_purchase_order_template, load_template
from ml_connector_dagster.records import ChargeAccount, MappedAccount, PODistribution, POLine, POSchedule, PurchaseOrder

# What a tenant whose documents hold header fields under `header` and lines in `lineList.line` writes.
HEADER_TEMPLATE: dict[str, Any] = {
    "header": {
        "poNumber": {"$key": "order.order_number"},
        "externalId": {"$text": "order.source_id"},
        "status": {"$field": "order.status"},
        "supplierNumber": {"$field": "order.supplier_number"},
        "supplierName": {"$field": "order.supplier"},
        "businessUnit": {"$field": "order.procurement_bu"},
        "buyer": {"$field": "order.buyer"},
        "currency": {"$field": "order.currency_code"},
        "total": {"$field": "order.total"},
        "erpLastUpdate": {"$field": "order.last_update_date"},
    },
    "lineList": {
        "line": {
            "$each": "order.lines",
            "$item": {
                "poNumber": {"$field": "order.order_number"},
                "lineNumber": {"$field": "line.line_number"},
                "description": {"$field": "line.description"},
                "quantity": {"$field": "line.quantity"},
                "unitPrice": {"$field": "line.unit_price"},
                "scheduleList": {
                    "schedule": {
                        "$each": "line.schedules",
                        "$item": {
                            "scheduleNumber": {"$field": "schedule.schedule_number"},
                            "needByDate": {"$field": "schedule.need_by_date"},
                            "accountingSplitList": {
                                "accountingSplit": {
                                    "$each": "schedule.distributions",
                                    "$item": {
                                        "lineNumber": {"$field": "line.line_number"},
                                        "account": {"$field": "distribution.charge_account"},
                                        "amount": {"$field": "distribution.amount"},
                                    },
                                }
                            },
                        },
                    }
                },
            },
        }
    },
}


def write_template(folder: Path, template: Any, name: str = "tenant.json") -> str:
    path = folder / name
    path.write_text(json.dumps(template, indent=2), "utf-8")
    return str(path)


def order(**changes: Any) -> PurchaseOrder:
    distribution = PODistribution(
        distribution_id=31,
        distribution_number=1,
        quantity=Decimal("3"),
        amount=Decimal("37.50"),
        charge_account_id=77,
        charge_account="101-10-5000",
    )
    schedule = POSchedule(
        line_location_id=21,
        schedule_number=1,
        quantity=Decimal("3"),
        amount=Decimal("37.50"),
        need_by_date=date(2026, 2, 1),
        distributions=(distribution,),
    )
    line = POLine(
        line_id=11,
        line_number=1,
        description="Toner",
        quantity=Decimal("3"),
        unit_price=Decimal("12.50"),
        uom="Each",
        amount=Decimal("37.50"),
        schedules=(schedule,),
    )
    fields: dict[str, Any] = {
        "source_id": 300100,
        "order_number": "US-1001",
        "supplier": "Acme",
        "supplier_id": 4001,
        "supplier_site": "ACME-MAIN",
        "procurement_bu": "US1 Business Unit",
        "bill_to_bu": "US1 Business Unit",
        "buyer": "Ann Buyer",
        "currency_code": "USD",
        "status": "OPEN",
        "total": Decimal("37.50"),
        "creation_date": datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
        "last_update_date": datetime(2026, 1, 6, 9, 15, 30, tzinfo=UTC),
        "lines": (line,),
    }
    return PurchaseOrder(**{**fields, **changes})


def mapped_order(**changes: Any) -> PurchaseOrder:
    """An order as the engine posts it: supplier number and accounting filled from the mappings."""
    account = ChargeAccount(77, "101-10-5000")
    return order(**changes).with_accounting({account: MappedAccount(cost_center="10", gl_account="5000")}, "S-4001")


def test_the_default_template_renders_the_documented_j1p_shape() -> None:
    template = load_purchase_order_template(None)
    assert template.render(mapped_order()) == {
        "poNumber": "US-1001",
        "externalId": "300100",
        "status": "OPEN",
        "supplier": {"supplierNumber": "S-4001", "name": "Acme", "site": "ACME-MAIN"},
        "businessUnit": "US1 Business Unit",
        "billToBusinessUnit": "US1 Business Unit",
        "buyer": "Ann Buyer",
        "total": {"currency": "USD", "value": "37.50"},
        "creationDate": "2026-01-05T08:00:00+00:00",
        "erpLastUpdate": "2026-01-06T09:15:30+00:00",
        "poLineList": {
            "poLine": [
                {
                    "lineNumber": 1,
                    "description": "Toner",
                    "quantity": "3",
                    "unitPrice": "12.50",
                    "uom": "Each",
                    "amount": "37.50",
                    "scheduleList": {
                        "schedule": [
                            {
                                "scheduleNumber": 1,
                                "quantity": "3",
                                "amount": "37.50",
                                "needByDate": "2026-02-01",
                                "splittableFieldSetGroupList": {
                                    "splittableFieldSetGroup": [
                                        {
                                            "distributionNumber": 1,
                                            "quantity": "3",
                                            "amount": "37.50",
                                            "customFieldValueSetList": {
                                                "customFieldValueSet": [
                                                    {"name": "Cost Center", "value": "10"},
                                                    {"name": "Account", "value": "5000"},
                                                ]
                                            },
                                        }
                                    ]
                                },
                            }
                        ]
                    },
                }
            ]
        },
    }
    assert template.key_location == "poNumber"
    assert template.with_id(template.render(order()), "7000000001")["poId"] == 7_000_000_001
    renamed = load_purchase_order_template(None, {"cost_center_field": "Department", "gl_account_field": "GL"})
    [split] = renamed.render(mapped_order())["poLineList"]["poLine"][0]["scheduleList"]["schedule"][0][
        "splittableFieldSetGroupList"
    ]["splittableFieldSetGroup"]
    assert split["customFieldValueSetList"]["customFieldValueSet"] == [
        {"name": "Department", "value": "10"},
        {"name": "GL", "value": "5000"},
    ]


def test_a_field_missing_from_the_record_is_left_out_not_sent_as_null() -> None:
    template = load_purchase_order_template(None)
    bare_line = POLine(line_id=12, line_number=2, description="Paper")
    document = template.render(order(buyer=None, supplier_site=None, lines=(bare_line,)))
    assert "buyer" not in document
    assert document["supplier"] == {"name": "Acme"}, "no supplier number before the cross-reference fills it"
    assert document["poLineList"]["poLine"] == [
        {"lineNumber": 2, "description": "Paper", "scheduleList": {"schedule": []}}
    ]
    assert "null" not in json.dumps(document)


def test_a_header_template_reads_parent_fields_and_places_po_id_beside_the_number(tmp_path: Path) -> None:
    template = load_purchase_order_template(write_template(tmp_path, HEADER_TEMPLATE))
    document = template.render(order())
    assert template.key_location == "header.poNumber"
    [line] = document["lineList"]["line"]
    assert line["poNumber"] == "US-1001", "a repetition sees its parents' fields"
    [split] = line["scheduleList"]["schedule"][0]["accountingSplitList"]["accountingSplit"]
    assert split == {"lineNumber": 1, "account": "101-10-5000", "amount": "37.50"}
    updated = template.with_id(document, "7000000002")
    assert updated["header"]["poId"] == 7_000_000_002 and "poId" not in document["header"]
    assert template.key_in(updated) == "US-1001"


def _with(path: list[str | int], value: Any) -> dict[str, Any]:
    """HEADER_TEMPLATE with the member at `path` replaced (or removed, for value None)."""
    template = json.loads(json.dumps(HEADER_TEMPLATE))
    parent = template
    for part in path[:-1]:
        parent = parent[part]
    if value is None:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return template


LINE = ["lineList", "line", "$item"]


@pytest.mark.parametrize(
    ("template", "json_path", "problem"),
    [
        (
            _with([*LINE, "unitPrice"], {"$field": "line.unit_prize"}),
            "$.lineList.line.$item.unitPrice.$field",
            "unknown field 'line.unit_prize' (line fields: amount, description, line_id, line_number, quantity, "
            "schedules, unit_price, uom)",
        ),
        (
            _with(["lineList", "line", "$each"], "order.total"),
            "$.lineList.line.$each",
            "repetition over 'order.total', which is not a list",
        ),
        (_with(["header", "poNumber"], None), "$", "no PO-number marker"),
        (
            _with(["header", "poNumber"], {"$field": "order.order_number"})
            | {"poNumber": [{"$key": "order.order_number"}]},
            "$.poNumber[0]",
            "must be an object member outside lists and repetitions",
        ),
        (
            _with([*LINE, "poNumber"], {"$key": "order.order_number"}),
            "$.lineList.line.$item.poNumber",
            "outside lists and repetitions",
        ),
        (
            _with(["header", "status"], {"$key": "order.order_number"}),
            "$.header.status",
            "a second PO-number marker (the first is at $.header.poNumber)",
        ),
        (_with(["header", "buyer"], {"$field": "line.description"}), "$.header.buyer.$field", "only available inside"),
        (_with(["header", "buyer"], {"$field": "buyer"}), "$.header.buyer.$field", "is not a field reference"),
        (_with(["header", "buyer"], {"$field": "order.lines"}), "$.header.buyer.$field", "is a list: repeat over it"),
        (_with(["header", "buyer"], {"$feild": "order.buyer"}), "$.header.buyer", "unknown directive $feild"),
        (_with(["lineList", "line", "$item"], None), "$.lineList.line", "exactly $each (the list) and $item"),
        (_with(["header", "poId"], 1), "$.header.poId", "poId is placed here by the connector"),
        (_with(["operationCode"], "CREATE"), "$.operationCode", "operationCode is set by the connector"),
        ([HEADER_TEMPLATE], "$", "must be a JSON object"),
    ],
)
def test_a_broken_template_is_refused_naming_file_and_json_path(
    tmp_path: Path, template: Any, json_path: str, problem: str
) -> None:
    path = write_template(tmp_path, template)
    with pytest.raises(TemplateError) as raised:
        load_purchase_order_template(path)
    message = str(raised.value)
    assert message.startswith(f"jaggaer purchase order template {path}: at {json_path}: "), message
    assert problem in message


def test_unreadable_template_files_are_refused_with_the_reason(tmp_path: Path) -> None:
    not_json = tmp_path / "broken.json"
    not_json.write_text('{"poNumber": {"$key": "order.order_number"},}', "utf-8")
    with pytest.raises(TemplateError, match=r"broken.json: at \$: not valid JSON: .*\(line 1, column 45\)"):
        load_purchase_order_template(str(not_json))
    with pytest.raises(TemplateError, match=r"missing.json: at \$: cannot be read \(No such file or directory\)"):
        load_purchase_order_template(str(tmp_path / "missing.json"))


def test_the_connection_refuses_a_broken_template_and_keeps_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {"instance_url": "http://127.0.0.1:1", "api_base_url": "http://127.0.0.1:1", "client_id": "c"}
    base["client_secret"] = "s"
    broken = write_template(tmp_path, _with(["header", "poNumber"], None), "broken.json")
    with pytest.raises(ValidationError) as raised:
        JaggaerConnection.model_validate({**base, "purchase_order_template": broken})
    assert f"{broken}: at $: no PO-number marker" in str(raised.value)

    write_template(tmp_path, HEADER_TEMPLATE)
    monkeypatch.chdir(tmp_path)
    connection = JaggaerConnection.model_validate({**base, "purchase_order_template": "tenant.json"})
    assert connection.purchase_order_template == str(tmp_path / "tenant.json")
    # Profiles store settings as text.
    assert JaggaerConnection.model_validate({**base, "not_found_codes": "[40, 44]"}).not_found_codes == [40, 44]
    assert JaggaerConnection.model_validate({**base, "not_found_codes": "44"}).not_found_codes == [44]


def test_supplier_and_invoice_templates_are_checked_against_their_own_records(tmp_path: Path) -> None:
    base = {"instance_url": "http://127.0.0.1:1", "api_base_url": "http://127.0.0.1:1", "client_id": "c"}
    base["client_secret"] = "s"
    supplier = write_template(tmp_path, {"extCode": {"$key": "order.order_number"}}, "supplier.json")
    with pytest.raises(ValidationError) as raised:
        JaggaerConnection.model_validate({**base, "supplier_template": supplier})
    assert (
        f"jaggaer supplier template {supplier}: at $.extCode.$key: the supplier-number marker $key must name "
        "supplier.supplier_number, not 'order.order_number'"
    ) in str(raised.value)
    invoice: dict[str, Any] = {
        "invoiceOcr": {
            "invoiceOcrHeader": {"supplierInvoiceNumber": {"$key": "invoice.invoice_number"}},
            "field": {"$setting": "fund_field"},
        }
    }
    path = write_template(tmp_path, invoice, "invoice.json")
    with pytest.raises(ValidationError) as raised:
        JaggaerConnection.model_validate({**base, "invoice_template": path})
    assert "unknown setting 'fund_field' (settings: cost_center_field, gl_account_field)" in str(raised.value)
    invoice["invoiceOcr"]["field"] = {"$setting": "cost_center_field"}
    path = write_template(tmp_path, invoice, "invoice.json")
    named = JaggaerConnection.model_validate({**base, "invoice_template": path, "cost_center_field": "Dept"})
    assert named.template_settings == {"cost_center_field": "Dept", "gl_account_field": "Account"}


def test_an_erp_value_the_tenant_names_differently_is_translated(tmp_path: Path) -> None:
    invoice = sample_invoice()
    default = load_template(INVOICE, None)
    header = default.render(invoice)["invoiceOcr"]["invoiceOcrHeader"]
    assert invoice.invoice_type == "Standard" and header["invoiceType"] == "Invoice"
    credit = default.render(invoice.model_copy(update={"invoice_type": "Credit Memo"}))
    assert credit["invoiceOcr"]["invoiceOcrHeader"]["invoiceType"] == "Credit memo"
    unlisted = default.render(invoice.model_copy(update={"invoice_type": "Prepayment"}))
    assert unlisted["invoiceOcr"]["invoiceOcrHeader"]["invoiceType"] == "Prepayment", "no $default: kept as is"

    template = json.loads(_packaged("invoice.json").read_text())
    template["invoiceOcr"]["invoiceOcrHeader"]["invoiceType"] = {"$map": "invoice.invoice_type"}
    broken = tmp_path / "invoice.json"
    broken.write_text(json.dumps(template))
    with pytest.raises(TemplateError, match=r"invoiceType: no \$values"):
        load_template(INVOICE, str(broken))


def _packaged(name: str) -> Path:
    return Path(__file__).resolve().parents[1] / "ml_connector_dagster" / "jaggaer" / "templates" / name
