"""Two-way reference data over loopback HTTP: both simulators edited as their users would, cycles of the engine
between them, and the proof that they converge with no write that changed nothing."""

import random
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.connections import fusion_client, jaggaer_client
from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.reference_sides import FusionCostCenterSide, FusionGLValueSide, FusionSupplierSide
from ml_connector_dagster.jaggaer.client import JaggaerClient
from ml_connector_dagster.jaggaer.reference_sides import JaggaerSupplierSide, cost_centers, gl_values
from ml_connector_dagster.records.shared import SupplierView, ValueView
from ml_connector_dagster.store import AuditStatus, Store
from ml_connector_dagster.sync.ports import ReferenceSide
from ml_connector_dagster.sync.two_way import Policy, TwoWayCycle, TwoWayReport

CYCLES = 50
CITIES = ("Austin", "Boston", "Denver", "Fresno", "Reno", "Salem")


@dataclass
class Clients:
    fusion: FusionClient
    jaggaer: JaggaerClient


@pytest.fixture
def clients(plain_store: Store) -> Iterator[Clients]:
    with closing(fusion_client(plain_store)) as fusion, closing(jaggaer_client(plain_store)) as jaggaer:
        yield Clients(fusion, jaggaer)


def _cycle(
    store: Store, entity: str, fusion: ReferenceSide, jaggaer: ReferenceSide, policy: Policy, run: str
) -> TwoWayReport:
    report = TwoWayCycle(store, entity, fusion, jaggaer, policy, run).run()
    assert report.counts.failed == 0, report.problems
    return report


def _same(fusion: ReferenceSide, jaggaer: ReferenceSide) -> None:
    left = {key: held.view for key, held in fusion.read_all().items()}
    right = {key: held.view for key, held in jaggaer.read_all().items()}
    assert left == right


class Editor:
    """Users of both systems editing suppliers, each edit stamped a little later than the one before."""

    def __init__(self, sims: LocalSimulators, seed: int) -> None:
        self.sims = sims
        self.rng = random.Random(seed)
        self.clock = datetime.now(UTC) - timedelta(days=1)

    def _at(self) -> datetime:
        self.clock += timedelta(seconds=self.rng.randint(1, 90))
        return self.clock

    def supplier_in_fusion(self, view: SupplierView) -> None:
        change = self.rng.choice(("name", "status", "city"))
        if change == "name":
            name = f"{view.name.split(' #')[0]} #{self.rng.randint(1, 999)}"
            self.sims.fusion.edit_supplier_view(view.supplier_number, name=name, at=self._at())
        elif change == "status":
            status = "INACTIVE" if view.status == "ACTIVE" else "ACTIVE"
            self.sims.fusion.edit_supplier_view(view.supplier_number, status=status, at=self._at())
        elif view.addresses:
            address = self.rng.choice(view.addresses)
            city = self.rng.choice([c for c in CITIES if c != address.city])
            self.sims.fusion.edit_supplier_view(
                view.supplier_number, addresses={address.address_name: {"City": city}}, at=self._at()
            )

    def supplier_in_jaggaer(self, view: SupplierView, company: dict[str, object]) -> None:
        change = self.rng.choice(("name", "status", "city"))
        if change == "name":
            name = f"{view.name.split(' #')[0]} #{self.rng.randint(1, 999)}"
            self.sims.jaggaer.edit_company(view.supplier_number, at=self._at(), companyName=name)
        elif change == "status":
            status = "INACTIVE" if view.status == "ACTIVE" else "ACTIVE"
            self.sims.jaggaer.edit_company(view.supplier_number, at=self._at(), status=status)
        elif view.addresses:
            listed = company["addressList"]
            assert isinstance(listed, dict)
            addresses = [dict(address) for address in listed["address"]]
            chosen = self.rng.choice(addresses)
            chosen["city"] = self.rng.choice([c for c in CITIES if c != chosen.get("city")])
            self.sims.jaggaer.edit_company(view.supplier_number, at=self._at(), addressList={"address": addresses})

    def value_in_fusion(self, view: ValueView) -> None:
        if self.rng.random() < 0.5:
            self.sims.fusion.edit_value(view.value, enabled=not view.enabled, at=self._at())
        else:
            description = f"CC {view.value} rev {self.rng.randint(1, 99)}"
            self.sims.fusion.edit_value(view.value, description=description, at=self._at())

    def value_in_jaggaer(self, field: str, view: ValueView) -> None:
        if self.rng.random() < 0.5:
            self.sims.jaggaer.edit_custom_field_value(field, view.value, at=self._at(), active=not view.enabled)
        else:
            description = f"CC {view.value} J{self.rng.randint(1, 99)}"
            self.sims.jaggaer.edit_custom_field_value(field, view.value, at=self._at(), description=description)


def _companies(sims: LocalSimulators) -> dict[str, dict[str, object]]:
    return {str(doc["extCode"]): doc for doc in sims.jaggaer.companies.collection.documents()}


@pytest.mark.parametrize("policy", ["fusion", "newest"])
def test_fifty_cycles_of_edits_on_both_sides_converge_with_no_idle_write(
    policy: Policy, plain_store: Store, sims: LocalSimulators, clients: Clients
) -> None:
    fusion, jaggaer = FusionSupplierSide(clients.fusion), JaggaerSupplierSide(clients.jaggaer)
    first = _cycle(plain_store, "suppliers", fusion, jaggaer, policy, "cycle-0")
    assert first.counts.to_jaggaer == first.counts.compared > 0, "every Fusion supplier is created in JAGGAER"
    editor = Editor(sims, seed=11)
    both_sides = conflicts = 0
    for cycle in range(1, CYCLES + 1):
        views = {key: held.view for key, held in fusion.read_all().items()}
        companies = _companies(sims)
        keys = editor.rng.sample(sorted(views), k=4)
        # One supplier edited on both sides within the cycle, one on each side alone, one left alone.
        editor.supplier_in_fusion(views[keys[0]])  # type: ignore[arg-type]
        editor.supplier_in_jaggaer(views[keys[0]], companies[keys[0]])  # type: ignore[arg-type]
        editor.supplier_in_fusion(views[keys[1]])  # type: ignore[arg-type]
        editor.supplier_in_jaggaer(views[keys[2]], companies[keys[2]])  # type: ignore[arg-type]
        both_sides += 1
        report = _cycle(plain_store, "suppliers", fusion, jaggaer, policy, f"cycle-{cycle}")
        conflicts += report.counts.conflicts
        assert report.counts.written <= 3

    _same(fusion, jaggaer)
    quiet = _cycle(plain_store, "suppliers", fusion, jaggaer, policy, "quiet")
    assert quiet.counts.written == 0, "our own writes never come back as changes"
    assert 0 < conflicts <= both_sides
    assert sims.fusion.stats()["unchanged_patches"] == 0, "no PATCH that changed nothing"
    assert sims.jaggaer.collection_stats()["suppliers"].unchanged_writes == 0, "no company write that changed nothing"
    recorded = plain_store.audit.query(entity="suppliers", status=AuditStatus.POSTED, limit=10_000)
    conflict_rows = [row for row in recorded if row.reason and "conflict:" in row.reason]
    assert len(conflict_rows) == conflicts
    assert all("fusion held {" in row.reason and "jaggaer held {" in row.reason for row in conflict_rows)  # type: ignore[operator]


def test_cost_centers_converge_and_a_conflict_follows_the_system_of_record(
    plain_store: Store, sims: LocalSimulators, clients: Clients
) -> None:
    field = clients.jaggaer.connection.cost_center_field
    fusion, jaggaer = FusionCostCenterSide(clients.fusion), cost_centers(clients.jaggaer)
    _cycle(plain_store, "cost_centers", fusion, jaggaer, "fusion", "cc-0")
    editor = Editor(sims, seed=5)
    for cycle in range(1, CYCLES + 1):
        views = {key: held.view for key, held in fusion.read_all().items()}
        first, second = editor.rng.sample(sorted(views), k=2)
        editor.value_in_fusion(views[first])  # type: ignore[arg-type]
        editor.value_in_jaggaer(field, views[first])  # type: ignore[arg-type]
        editor.value_in_jaggaer(field, views[second])  # type: ignore[arg-type]
        _cycle(plain_store, "cost_centers", fusion, jaggaer, "fusion", f"cc-{cycle}")
    _same(fusion, jaggaer)
    assert _cycle(plain_store, "cost_centers", fusion, jaggaer, "fusion", "cc-quiet").counts.written == 0

    # Both change one value: Fusion, the system of record, keeps its version, and JAGGAER gets it.
    value = sorted(fusion.read_all())[0]
    sims.fusion.edit_value(value, description="set in Fusion")
    sims.jaggaer.edit_custom_field_value(field, value, description="set in JAGGAER")
    report = _cycle(plain_store, "cost_centers", fusion, jaggaer, "fusion", "cc-conflict")
    assert (report.counts.conflicts, report.counts.to_jaggaer, report.counts.to_fusion) == (1, 1, 0)
    held = jaggaer.read_all()[value].view
    assert isinstance(held, ValueView) and held.description == "set in Fusion"


def test_gl_values_changed_in_jaggaer_are_set_back_from_fusion_which_rest_cannot_write(
    plain_store: Store, sims: LocalSimulators, clients: Clients
) -> None:
    field = clients.jaggaer.connection.gl_account_field
    fusion, jaggaer = FusionGLValueSide(clients.fusion), gl_values(clients.jaggaer)
    assert not fusion.writable
    _cycle(plain_store, "gl_values", fusion, jaggaer, "newest", "gl-0")
    combination = sorted(fusion.read_all())[0]
    before = fusion.read_all()[combination].view
    assert isinstance(before, ValueView)
    sims.jaggaer.edit_custom_field_value(field, combination, active=not before.enabled)

    report = _cycle(plain_store, "gl_values", fusion, jaggaer, "newest", "gl-1")

    assert (report.counts.to_fusion, report.counts.to_jaggaer) == (0, 1)
    assert jaggaer.read_all()[combination].view == before
    [row] = plain_store.audit.query(run_id="gl-1")
    assert row.reason is not None and "fusion cannot be written for this entity" in row.reason
