"""The demo's two-way part: users edit suppliers and cost centers in both systems (some records in both within
one cycle, and GL values in JAGGAER, where Fusion's stand), cycles of the two-way job run in between, and at
the end both systems are compared record by record."""

import random
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.cli.two_way_runs import run_two_way
from ml_connector_dagster.connections import fusion_client, jaggaer_client
from ml_connector_dagster.defs.flows.two_way import held_for_others
from ml_connector_dagster.flows.two_way import TWO_WAY
from ml_connector_dagster.records.shared import SupplierView
from ml_connector_dagster.store import Store
from ml_connector_dagster.sync.ports import ReferenceSide, SideRecord
from ml_connector_dagster.sync.two_way import TwoWayCounts, without_others


@dataclass
class TwoWayOutcome:
    cycles: int
    converged: bool
    counts: TwoWayCounts

    def line(self, entity: str) -> str:
        return f"two-way {entity}: cycles={self.cycles} converged={'yes' if self.converged else 'no'}"

    def detail(self) -> str:
        done = self.counts
        written = f"to_fusion={done.to_fusion} to_jaggaer={done.to_jaggaer} conflicts={done.conflicts}"
        return f"  written over the cycles: {written}"


def two_way_rounds(
    sims: LocalSimulators, store: Store, instance: dg.DagsterInstance, rounds: int
) -> dict[str, TwoWayOutcome]:
    rng = random.Random(3)
    clock = datetime.now(UTC) - timedelta(hours=1)
    totals = {entity.entity: TwoWayCounts() for entity in TWO_WAY}
    with closing(fusion_client(store)) as fusion, closing(jaggaer_client(store)) as jaggaer:
        sides: dict[str, tuple[ReferenceSide, ReferenceSide]] = {
            entity.entity: (entity.fusion(fusion), entity.jaggaer(jaggaer)) for entity in TWO_WAY
        }
        for cycle in range(rounds + 1):
            if cycle:
                clock += timedelta(minutes=1)
                _edit(
                    sims, rng, clock, sides, jaggaer.connection.cost_center_field, jaggaer.connection.gl_account_field
                )
            result = run_two_way(instance)
            if not result.success:
                raise RuntimeError(f"two-way run {result.run_id} failed: {result.failure}")
            for entity, counts in result.by_entity.items():
                total = totals[entity]
                for name in ("compared", "to_fusion", "to_jaggaer", "conflicts", "failed"):
                    setattr(total, name, getattr(total, name) + getattr(counts, name))
        outcomes = {}
        for entity in TWO_WAY:
            fusion_side, jaggaer_side = sides[entity.entity]
            alike = _alike(fusion_side.read_all(), jaggaer_side.read_all(), held_for_others(store, entity))
            outcomes[entity.entity] = TwoWayOutcome(rounds + 1, alike, totals[entity.entity])
        return outcomes


def _edit(
    sims: LocalSimulators,
    rng: random.Random,
    at: datetime,
    sides: dict[str, tuple[ReferenceSide, ReferenceSide]],
    cost_center_field: str,
    gl_field: str,
) -> None:
    fusion_suppliers, _ = sides["suppliers"]
    suppliers = {key: held.view for key, held in fusion_suppliers.read_all().items()}
    both, fusion_only, jaggaer_only = rng.sample(sorted(suppliers), k=3)
    for number in (both, fusion_only):
        view = suppliers[number]
        assert isinstance(view, SupplierView)
        sims.fusion.edit_supplier_view(number, name=f"{view.name.split(' #')[0]} #{rng.randint(1, 99)}", at=at)
    for number in (both, jaggaer_only):
        view = suppliers[number]
        assert isinstance(view, SupplierView)
        status = "INACTIVE" if view.status == "ACTIVE" else "ACTIVE"
        sims.jaggaer.edit_company(number, at=at + timedelta(seconds=rng.choice((-30, 30))), status=status)
    fusion_values, _ = sides["cost_centers"]
    values = {key: held.view for key, held in fusion_values.read_all().items()}
    both, jaggaer_only = rng.sample(sorted(values), k=2)
    sims.fusion.edit_value(both, description=f"Cost center {both} ({rng.randint(1, 99)})", at=at)
    sims.jaggaer.edit_custom_field_value(cost_center_field, both, at=at, description=f"CC {both} J")
    sims.jaggaer.edit_custom_field_value(cost_center_field, jaggaer_only, at=at, description=f"CC {jaggaer_only} J")
    fusion_gl, _ = sides["gl_values"]
    combination = rng.choice(sorted(fusion_gl.read_all()))
    sims.jaggaer.edit_custom_field_value(gl_field, combination, at=at, active=rng.random() < 0.5)


def _alike(fusion: dict[str, SideRecord], jaggaer: dict[str, SideRecord], others: frozenset[str]) -> bool:
    """Both hold the same records alike, leaving out what JAGGAER holds for another ERP (`others`)."""
    theirs = {key: held.view for key, held in without_others(jaggaer, fusion, others).items()}
    return {key: held.view for key, held in fusion.items()} == theirs
