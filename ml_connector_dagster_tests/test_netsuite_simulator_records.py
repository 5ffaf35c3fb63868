"""The NetSuite simulator's records over real HTTP: the record service, deleted vendors and voided bills,
accounting lines of many bills, and the control routes that seed, edit and report."""

from datetime import UTC, datetime

import httpx
import pytest

from ml_connector_dagster_tests.netsuite_sim_account import (
    STAMP,
    Account,
    _error,
    seeded,
    seeded_big,
)

account = pytest.fixture(seeded)
big_account = pytest.fixture(scope="module")(seeded_big)


def test_record_service(account: Account) -> None:
    vendor = account.client.get("/services/rest/record/v1/vendor/101")
    assert vendor.status_code == 200 and vendor.json()["id"] == "101" and vendor.json()["isInactive"] is False
    order = account.client.get("/services/rest/record/v1/purchaseOrder/1001", params={"expandSubResources": "true"})
    assert order.status_code == 200, order.text
    body = order.json()
    assert body["tranId"] == "PO1001" and body["entity"]["id"]
    assert [line["line"] for line in body["item"]["items"]] == [1, 2, 3]
    assert round(sum(line["amount"] for line in body["item"]["items"]), 2) == body["total"]
    bill_id = 1021
    bill = account.client.get(f"/services/rest/record/v1/vendorbill/{bill_id}").json()
    assert "items" not in bill["expense"] and bill["expense"]["links"]
    assert (
        _error(account.client.get("/services/rest/record/v1/vendorBill/1001"), 404)["o:errorCode"] == "NONEXISTENT_ID"
    )
    assert _error(account.client.get("/services/rest/record/v1/vendor/99999"), 404)


def test_deleted_vendor_and_voided_bill(account: Account) -> None:
    simulator = account.simulator
    deleted_at = datetime(2026, 3, 4, 12, tzinfo=UTC)
    simulator.delete_vendor(101, deleted_at)
    simulator.void_bill(1021, deleted_at)
    assert account.items("SELECT id FROM vendor WHERE id = 101") == []
    deletions = account.items(
        f"SELECT recordid, type, TO_CHAR(deleteddate, {STAMP}) AS deleted FROM deletedrecord "
        f"WHERE deleteddate >= TO_TIMESTAMP('2026-03-04 00:00:00', {STAMP})"
    )
    assert [(item["recordid"], item["type"], item["deleted"]) for item in deletions] == [
        ("101", "vendor", "2026-03-04 04:00:00")
    ]
    bill = account.items("SELECT voided, foreigntotal FROM transaction WHERE id = 1021")
    assert bill == [{"links": [], "voided": "T", "foreigntotal": "0"}]


def test_accounting_lines_of_many_bills(account: Account) -> None:
    bills = ", ".join(str(bill_id) for bill_id in range(1021, 1041))
    lines = account.items(
        f"SELECT transaction, transactionline, account, debit, credit FROM transactionaccountingline "
        f"WHERE transaction IN ({bills}) ORDER BY transaction, transactionline"
    )
    assert len(lines) == 20 * 3
    payables = [line for line in lines if line["transactionline"] == "0"]
    assert len(payables) == 20 and all(line["account"] == "2" and "debit" not in line for line in payables)


def test_control_routes_seed_edit_and_report(account: Account) -> None:
    control = f"{account.url}/__sim__"
    window = {"start": "2026-05-01T00:00:00Z", "end": "2026-05-02T00:00:00Z"}
    seeded = httpx.post(f"{control}/vendors/seed", json={"count": 3, **window}).json()
    assert seeded["count"] == 3
    bills = httpx.post(f"{control}/vendor-bills/seed", json={"count": 2, "lines": 1, "accounts": [7], **window})
    assert bills.json()["accounting_lines"] == 4
    at = {"at": "2026-05-03T07:00:00Z"}
    assert httpx.post(f"{control}/tables/vendor/{seeded['first_id']}/touch", json=at).status_code == 200
    assert httpx.post(f"{control}/vendors/{seeded['last_id']}/delete", json=at).status_code == 200
    assert httpx.post(f"{control}/vendors/99999/delete", json=at).status_code == 404
    assert httpx.post(f"{control}/tables/deletedrecord/1/touch", json=at).status_code == 400
    changed = account.items(
        f"SELECT id FROM vendor WHERE lastmodifieddate >= TO_TIMESTAMP('2026-05-03 00:00:00', {STAMP})"
    )
    assert [item["id"] for item in changed] == [str(seeded["first_id"])]
    assert httpx.get(f"{control}/settings").json()["concurrency_limit"] == 2
    assert httpx.put(f"{control}/settings", json={"concurrency_limit": 0}).status_code == 400
    assert httpx.get(f"{control}/stats").json()["tables"]["deletedrecord"] == 1
