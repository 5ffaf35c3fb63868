"""Custom-field values (GL accounts, cost centers) and the tenant's check of documents naming them: an unknown
or inactive value, or a supplier without a company profile, is rejected. Real HTTP to the simulator."""

import pytest

from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.jaggaer.simulator import JaggaerSimSettings
from ml_connector_dagster.jaggaer.sinks import JaggaerCostCenterSink, JaggaerGLAccountSink, JaggaerPurchaseOrderSink
from ml_connector_dagster.records import CostCenter, GLAccount

from .test_jaggaer_client import tenant
from .test_jaggaer_suppliers import supplier
from .test_jaggaer_templates import mapped_order


def cost_center(value: str = "10", enabled: bool = True) -> CostCenter:
    return CostCenter(value_set_code="CC", value=value, description=f"Cost center {value}", enabled=enabled)


def gl_account(combination: str = "5000", enabled: bool = True) -> GLAccount:
    return GLAccount(code_combination_id=1, combination=combination, segments=(combination,), enabled=enabled)


def test_values_are_created_deactivated_and_found_with_stable_ids() -> None:
    with tenant(lookup_batch_size=2) as (simulator, _, client):
        centers, accounts = JaggaerCostCenterSink(client), JaggaerGLAccountSink(client)
        created = centers.write(cost_center(), None)
        assert centers.write(cost_center(enabled=False), created) == created
        account = accounts.write(gl_account(), None)
        centers.write(cost_center("20"), None)
        stored = {(d["fieldName"], d["value"]): d for d in simulator.custom_field_values.collection.documents()}
        assert centers.find_ids(["10", "20", "30"]) == {"10": created, "20": centers.find_ids(["20"])["20"]}
        assert accounts.find_ids(["5000", "10"]) == {"5000": account}
    assert stored[("Cost Center", "10")]["active"] is False
    assert stored[("Cost Center", "10")]["description"] == "Cost center 10"
    assert stored[("Account", "5000")]["active"] is True
    assert centers.target_state(cost_center(enabled=False)) == "inactive"
    assert accounts.target_state(gl_account()) == "active"


def test_a_value_of_a_field_the_tenant_lacks_is_refused() -> None:
    with (
        tenant(cost_center_field="Department") as (_, _, client),
        pytest.raises(RequestRejected, match="No custom field found named 'Department'"),
    ):
        JaggaerCostCenterSink(client).write(cost_center(), None)


def test_a_purchase_order_naming_an_unknown_or_inactive_cost_center_is_rejected() -> None:
    with tenant() as (simulator, _, client):
        sink = JaggaerPurchaseOrderSink(client)
        client.upsert_supplier(supplier("S-4001"))
        JaggaerGLAccountSink(client).write(gl_account(), None)
        with pytest.raises(RequestRejected) as unknown:
            sink.write(mapped_order(), None)
        centers = JaggaerCostCenterSink(client)
        centers.write(cost_center(enabled=False), None)
        with pytest.raises(RequestRejected) as inactive:
            sink.write(mapped_order(), None)
        centers.write(cost_center(), None)
        created = sink.write(mapped_order(), None)
        assert simulator.purchase_order_stats().stored == 1
    assert str(unknown.value) == (
        "jaggaer: CREATE: returnCode 60: No custom field found: field 'Cost Center' value '10' does not exist"
    )
    assert str(inactive.value).endswith("No custom field found: field 'Cost Center' value '10' is inactive")
    assert created


def test_a_purchase_order_naming_a_supplier_without_profile_is_rejected_and_checks_are_knobs() -> None:
    with (
        tenant() as (_, _, client),
        pytest.raises(RequestRejected, match="returnCode 61: No supplier found with supplierNumber S-4001"),
    ):
        JaggaerPurchaseOrderSink(client).write(mapped_order(), None)
    lenient = JaggaerSimSettings(validate_suppliers=False, validate_custom_fields=False)
    with tenant(lenient) as (simulator, _, client):
        JaggaerPurchaseOrderSink(client).write(mapped_order(), None)
        assert simulator.purchase_order_stats().stored == 1
