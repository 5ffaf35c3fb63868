"""Fusion's half of two-way reference data over real loopback HTTP against the simulated pod: suppliers with
their addresses, cost centers and GL values read as shared views, written back by PATCHing only what differs,
and read back equal (the engine must never see its own write as a change)."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import httpx
import pytest

from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.connection import FusionConnection
from ml_connector_dagster.fusion.reference_sides import FusionCostCenterSide, FusionGLValueSide, FusionSupplierSide
from ml_connector_dagster.fusion.simulator import FusionSimSettings, FusionSimulator
from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.records.shared import AddressView, SupplierView, ValueView
from ml_connector_dagster.simulation.server import LoopbackServer

ROOT = "/fscmRestApi/resources/11.13.18.05"
START, END = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC)
TODAY = date(2026, 6, 1)
LEE = "1001"  # base supplier: Lee Supplies, HEADQUARTERS and REMIT TO in San Jose
LEE_ID = 300100009441125


class Pod(NamedTuple):
    simulator: FusionSimulator
    url: str
    client: FusionClient


def open_pod(settings: FusionSimSettings | None = None) -> Iterator[Pod]:
    simulator = FusionSimulator(settings)
    simulator.seed_suppliers(6, START, END, malformed=2, seed=3)
    with LoopbackServer(simulator.app) as server:
        connection = FusionConnection(
            base_url=server.url, auth="basic", username="integration.user", password="Welcome1"
        )
        client = FusionClient(connection)
        try:
            yield Pod(simulator, server.url, client)
        finally:
            client.close()


@pytest.fixture
def pod() -> Iterator[Pod]:
    yield from open_pod()


@pytest.fixture
def yn_pod() -> Iterator[Pod]:
    yield from open_pod(FusionSimSettings(flag_format="yn"))


def patch(url: str, path: str, body: dict[str, Any]) -> httpx.Response:
    with httpx.Client(base_url=url, auth=("integration.user", "Welcome1"), timeout=10) as http:
        headers = {"REST-Framework-Version": "4", "Accept": "application/json"}
        return http.patch(f"{ROOT}/{path}", json=body, headers=headers)


def requests(pod: Pod) -> int:
    return pod.simulator.stats()["requests"]


def test_suppliers_read_as_views_with_sorted_addresses_and_their_change_time(pod: Pod) -> None:
    side = FusionSupplierSide(pod.client)
    records = side.read_all()

    lee = records[LEE]
    assert lee.view == SupplierView(
        supplier_number=LEE,
        name="Lee Supplies",
        status="ACTIVE",
        addresses=(
            AddressView(
                address_name="HEADQUARTERS",
                address_line1="100 Main Street",
                city="San Jose",
                postal_code="95134",
                country="US",
            ),
            AddressView(
                address_name="REMIT TO",
                address_line1="PO Box 4000",
                city="San Jose",
                postal_code="95134",
                country="US",
            ),
        ),
    )
    assert lee.changed_at is not None and START <= lee.changed_at < END
    # Every supplier with a number is either a view or a reason a person can act on, never silently dropped.
    assert len(records) + len(side.skipped) == len(pod.simulator.supplier_numbers()) + 1
    assert side.skipped and all("supplier" in reason for reason in side.skipped)
    assert set(records) <= set(pod.simulator.supplier_numbers())


@pytest.mark.parametrize(
    "change",
    [
        {"name": "Lee Supplies International"},
        {"status": "INACTIVE"},
        {"name": "Lee Supplies West", "status": "INACTIVE"},
    ],
)
def test_header_change_round_trips_in_one_patch(pod: Pod, change: dict[str, str]) -> None:
    side = FusionSupplierSide(pod.client)
    before = side.read_all()[LEE]
    wanted = before.view.model_copy(update=change)
    assert isinstance(wanted, SupplierView)

    side.write(wanted, before.view)

    after = side.read_all()[LEE]
    assert after.view == wanted
    assert after.changed_at is not None and before.changed_at is not None and after.changed_at > before.changed_at
    stats = pod.simulator.stats()
    assert (stats["reference_patches"], stats["unchanged_patches"]) == (1, 0)


def test_address_change_patches_only_that_address(pod: Pod) -> None:
    side = FusionSupplierSide(pod.client)
    before = side.read_all()[LEE]
    assert isinstance(before.view, SupplierView)
    headquarters, remit_to = before.view.addresses
    moved = headquarters.model_copy(update={"address_line1": "1 Innovation Way", "city": "Santa Clara"})
    cleared = remit_to.model_copy(update={"postal_code": None})
    wanted = before.view.model_copy(update={"addresses": (moved, cleared)})

    side.write(wanted, before.view)

    after = side.read_all()[LEE]
    assert after.view == wanted
    assert after.changed_at is not None and before.changed_at is not None and after.changed_at > before.changed_at
    assert pod.simulator.stats()["reference_patches"] == 2  # one per address, none for the unchanged header


def test_unchanged_view_sends_no_request(pod: Pod) -> None:
    side = FusionSupplierSide(pod.client)
    records = side.read_all()
    sent = requests(pod)

    for record in records.values():
        side.write(record.view, record.view)

    assert requests(pod) == sent


def test_an_address_or_supplier_fusion_lacks_is_refused_by_name_without_a_request(pod: Pod) -> None:
    side = FusionSupplierSide(pod.client)
    current = side.read_all()[LEE].view
    assert isinstance(current, SupplierView)
    extra = AddressView(address_name="WAREHOUSE", city="Fresno", country="US")
    sent = requests(pod)

    with pytest.raises(RequestRejected, match="supplier 1001 address WAREHOUSE"):
        side.write(current.model_copy(update={"addresses": (*current.addresses, extra)}), current)
    with pytest.raises(RequestRejected, match=r"supplier 1001 addresses \['REMIT TO'\]"):
        side.write(current.model_copy(update={"addresses": current.addresses[:1]}), current)
    with pytest.raises(RequestRejected, match="supplier 9999"):
        side.write(current.model_copy(update={"supplier_number": "9999"}), None)
    assert requests(pod) == sent


def test_fusion_refusal_names_the_supplier(pod: Pod) -> None:
    side = FusionSupplierSide(pod.client)
    records = side.read_all()
    current = records[LEE].view

    with pytest.raises(RequestRejected, match="supplier 1001: .*supplier names are unique") as refused:
        side.write(current.model_copy(update={"name": "Siemens AG"}), current)
    assert refused.value.status == 400
    assert side.read_all()[LEE] == records[LEE]


def test_user_edits_in_fusion_show_up_with_a_newer_change_time(pod: Pod) -> None:
    side = FusionSupplierSide(pod.client)
    before = side.read_all()[LEE]
    at = datetime(2026, 5, 2, 10, 30, tzinfo=UTC)

    stamped = pod.simulator.edit_supplier_view(
        LEE, name="Lee Supplies Inc", addresses={"REMIT TO": {"AddressLine1": "PO Box 77", "City": None}}, at=at
    )

    after = side.read_all()[LEE]
    assert stamped == at == after.changed_at
    assert isinstance(after.view, SupplierView) and isinstance(before.view, SupplierView)
    assert after.view.name == "Lee Supplies Inc"
    assert after.view.addresses[1] == before.view.addresses[1].model_copy(
        update={"address_line1": "PO Box 77", "city": None}
    )
    with pytest.raises(ValueError, match="Status"):
        pod.simulator.edit_supplier_view(LEE, status="SUSPENDED")
    with pytest.raises(KeyError):
        pod.simulator.edit_supplier_view(LEE, addresses={"WAREHOUSE": {"City": "Fresno"}})


def test_patch_refusals_and_unchanged_patches(pod: Pod) -> None:
    stamp = pod.simulator.edit_supplier_view(LEE)  # nothing changes: the stamp stays
    address = 300100009600000

    read_only = patch(pod.url, f"suppliers/{LEE_ID}", {"SupplierNumber": "1"})
    unknown = patch(pod.url, f"suppliers/{LEE_ID}/child/addresses/{address}", {"Street": "x"})
    bad_status = patch(pod.url, f"suppliers/{LEE_ID}", {"Status": "GONE"})
    no_supplier = patch(pod.url, "suppliers/1", {"Status": "ACTIVE"})
    no_address = patch(pod.url, f"suppliers/{LEE_ID}/child/addresses/1", {"City": "x"})
    same = patch(pod.url, f"suppliers/{LEE_ID}/child/addresses/{address}", {"City": "San Jose"})

    assert (read_only.status_code, read_only.json()["o:errorDetails"][0]["o:errorPath"]) == (400, "SupplierNumber")
    assert "read-only" in read_only.text
    assert (unknown.status_code, unknown.json()["o:errorDetails"][0]["o:errorPath"]) == (400, "Street")
    assert bad_status.status_code == 400 and "Status" in bad_status.text
    assert (no_supplier.status_code, no_address.status_code) == (404, 404)
    assert same.status_code == 200 and same.json()["City"] == "San Jose"
    stats = pod.simulator.stats()
    assert (stats["unchanged_patches"], stats["reference_patches"]) == (1, 0)
    assert pod.simulator.edit_supplier_view(LEE) == stamp


def test_cost_centers_round_trip_description_and_enabled(pod: Pod) -> None:
    side = FusionCostCenterSide(pod.client, today=lambda: TODAY)
    records = side.read_all()
    assert {key: record.view.enabled for key, record in records.items()} == {
        "10": True,
        "20": True,
        "30": True,
        "40": True,
        "90": False,
    }
    assert records["20"].view == ValueView(value="20", description="Sales", enabled=True)
    assert records["20"].changed_at is not None

    wanted = {
        "20": ValueView(value="20", description="Sales and Marketing", enabled=True),
        "30": ValueView(value="30", description=None, enabled=False),
        # Disabled by its flag and by an end date long past: enabling it must open both.
        "90": ValueView(value="90", description="Discontinued operations", enabled=True),
    }
    for key, view in wanted.items():
        side.write(view, records[key].view)

    after = side.read_all()
    assert {key: after[key].view for key in wanted} == wanted
    for key in wanted:
        stamp, earlier = after[key].changed_at, records[key].changed_at
        assert stamp is not None and earlier is not None and stamp > earlier
    assert after["10"] == records["10"]
    assert pod.simulator.stats()["reference_patches"] == 3


def test_cost_center_writes_keep_the_pods_flag_form_and_skip_unchanged(yn_pod: Pod) -> None:
    side = FusionCostCenterSide(yn_pod.client, today=lambda: TODAY)
    records = side.read_all()
    disabled = ValueView(value="40", description="Information Technology", enabled=False)

    side.write(disabled, records["40"].view)
    after = side.read_all()
    sent = requests(yn_pod)
    side.write(after["40"].view, after["40"].view)

    assert after["40"].view == disabled
    assert requests(yn_pod) == sent
    with pytest.raises(RequestRejected, match="cost center 77 of value set CORP_COST_CENTER"):
        side.write(ValueView(value="77", enabled=True), None)


def test_value_edits_in_fusion_show_up_with_their_change_time(pod: Pod) -> None:
    side = FusionCostCenterSide(pod.client, today=lambda: TODAY)
    at = datetime(2026, 5, 3, 8, tzinfo=UTC)

    stamped = pod.simulator.edit_value("10", description="Head office", enabled=False, at=at)

    record = side.read_all()["10"]
    assert record == (ValueView(value="10", description="Head office", enabled=False), at)
    assert stamped == at
    with pytest.raises(KeyError):
        pod.simulator.edit_value("77", description="x")


def test_gl_values_are_read_only(pod: Pod) -> None:
    side = FusionGLValueSide(pod.client)
    records = side.read_all()

    assert records["101.10.60510.120.000.000"].view == ValueView(value="101.10.60510.120.000.000", enabled=True)
    assert records["101.90.60510.120.000.000"].view.enabled is False
    assert all(record.changed_at is None for record in records.values())
    assert side.writable is False
    with pytest.raises(RequestRejected, match="101.10.60510.120.000.000: .*read-only through REST"):
        side.write(records["101.10.60510.120.000.000"].view, records["101.10.60510.120.000.000"].view)
