"""Two-way reference data: one cycle reads both systems whole, judges every key against the view both last
agreed on, and writes each change to the system that lacks it.

Per key, with F and J the views Fusion and JAGGAER hold and A the agreed one:
- F == J: nothing to write (A catches up if it lagged);
- only one side differs from A: it changed; the other side is written;
- both differ from A (and from each other), or there is no A yet: a conflict, settled by the entity's policy
  (a system of record, or the newest change) and audited with both versions.
A write is recorded as the new A as soon as it is made, so reading it back on the next cycle is no change:
that is the echo suppression. A side that cannot be written (`writable` False) never wins a conflict and its
own changes are overwritten from the other side. A key held by one side only is created on the other when
that side can; a record the other side refuses is audited as failed and judged again next cycle.

JAGGAER can also hold records another ERP's one-way flow put there (a NetSuite vendor beside Fusion's suppliers):
they are that ERP's, so a key only JAGGAER holds among `others` is left out of the cycle, never created in Fusion.
"""

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from ml_connector_dagster.http.errors import AuthenticationError, ConnectorHttpError
from ml_connector_dagster.records.shared import view_hash
from ml_connector_dagster.store import AuditEntry, AuditStatus, Store
from ml_connector_dagster.store.two_way import Agreed
from ml_connector_dagster.sync.ports import ReferenceSide, SideRecord

Policy = Literal["fusion", "jaggaer", "newest"]
POLICIES: tuple[Policy, ...] = ("fusion", "jaggaer", "newest")


@dataclass
class TwoWayCounts:
    compared: int = 0
    to_fusion: int = 0
    to_jaggaer: int = 0
    conflicts: int = 0
    failed: int = 0

    @property
    def written(self) -> int:
        return self.to_fusion + self.to_jaggaer

    def line(self) -> str:
        return (
            f"compared={self.compared} to_fusion={self.to_fusion} to_jaggaer={self.to_jaggaer} "
            f"conflicts={self.conflicts} failed={self.failed}"
        )


@dataclass
class TwoWayReport:
    entity: str
    counts: TwoWayCounts = field(default_factory=TwoWayCounts)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Write:
    key: str
    view: BaseModel
    to: ReferenceSide
    current: BaseModel | None
    # Why this write goes against a change (a conflict, or a side that cannot be written), for the audit trail.
    note: str | None = None
    conflict: bool = False


class TwoWayCycle:
    def __init__(
        self,
        store: Store,
        entity: str,
        fusion: ReferenceSide,
        jaggaer: ReferenceSide,
        policy: Policy,
        run_id: str,
        others: frozenset[str] = frozenset(),
    ) -> None:
        if policy not in POLICIES:
            raise ValueError(f"two-way policy for {entity} must be one of {', '.join(POLICIES)}, not {policy!r}")
        self.store = store
        self.entity = entity
        self.fusion = fusion
        self.jaggaer = jaggaer
        self.policy = policy
        self.run_id = run_id
        self.others = others

    def run(self) -> TwoWayReport:
        report = TwoWayReport(self.entity)
        in_fusion = self.fusion.read_all()
        in_jaggaer = without_others(self.jaggaer.read_all(), in_fusion, self.others)
        held = {self.fusion.system: in_fusion, self.jaggaer.system: in_jaggaer}
        agreed = self.store.two_way.agreed(self.entity)
        writes: list[_Write] = []
        caught_up: list[Agreed] = []
        for key in sorted(set(held[self.fusion.system]) | set(held[self.jaggaer.system])):
            report.counts.compared += 1
            fusion, jaggaer = held[self.fusion.system].get(key), held[self.jaggaer.system].get(key)
            base = agreed.get(key)
            decided = self._decide(key, fusion, jaggaer, base.view_hash if base is not None else None)
            if isinstance(decided, _Write):
                writes.append(decided)
            elif decided is not None and (base is None or base.view_hash != view_hash(decided)):
                caught_up.append(_agreed(key, decided))
        self.store.two_way.record(self.entity, caught_up, self.run_id)
        self._apply(writes, report)
        return report

    def _decide(
        self, key: str, fusion: SideRecord | None, jaggaer: SideRecord | None, base: str | None
    ) -> _Write | BaseModel | None:
        """A write to make, or the view both hold alike (to agree on), or None when neither holds it."""
        if fusion is None and jaggaer is None:
            return None
        if fusion is not None and jaggaer is not None and fusion.view == jaggaer.view:
            return fusion.view
        if jaggaer is None:
            assert fusion is not None
            return _Write(key, fusion.view, self.jaggaer, None)
        if fusion is None:
            return _Write(key, jaggaer.view, self.fusion, None)
        fusion_changed = view_hash(fusion.view) != base
        jaggaer_changed = view_hash(jaggaer.view) != base
        if fusion_changed and not jaggaer_changed:
            return _Write(key, fusion.view, self.jaggaer, jaggaer.view)
        if jaggaer_changed and not fusion_changed:
            if not self.fusion.writable:
                return _Write(key, fusion.view, self.jaggaer, jaggaer.view, _read_only(self.fusion, key))
            return _Write(key, jaggaer.view, self.fusion, fusion.view)
        winner = self._winner(fusion, jaggaer)
        loser_view = jaggaer.view if winner is self.fusion else fusion.view
        winning = fusion if winner is self.fusion else jaggaer
        to = self.jaggaer if winner is self.fusion else self.fusion
        note = (
            f"conflict: both systems changed {self.entity} {key} since they last agreed; policy {self.policy} keeps "
            f"{winner.system}'s version; fusion held {fusion.view.model_dump_json()}, jaggaer held "
            f"{jaggaer.view.model_dump_json()}"
        )
        return _Write(key, winning.view, to, loser_view, note, conflict=True)

    def _winner(self, fusion: SideRecord, jaggaer: SideRecord) -> ReferenceSide:
        if not self.fusion.writable:
            return self.fusion
        if not self.jaggaer.writable:
            return self.jaggaer
        if self.policy == "fusion":
            return self.fusion
        if self.policy == "jaggaer":
            return self.jaggaer
        # Newest change wins; a side that does not say when it changed loses to one that does, and a tie goes to
        # Fusion, the ERP.
        if jaggaer.changed_at is not None and (fusion.changed_at is None or jaggaer.changed_at > fusion.changed_at):
            return self.jaggaer
        return self.fusion

    def _apply(self, writes: list[_Write], report: TwoWayReport) -> None:
        agreed: list[Agreed] = []
        audit: list[AuditEntry] = []
        try:
            for write in writes:
                if write.conflict:
                    report.counts.conflicts += 1
                try:
                    write.to.write(write.view, write.current)
                except AuthenticationError:
                    raise
                except ConnectorHttpError as error:
                    report.counts.failed += 1
                    reason = f"{error}; {write.note}" if write.note else str(error)
                    report.problems.append(f"{write.key}: {reason}")
                    audit.append(self._audit(write, AuditStatus.FAILED, reason))
                    continue
                agreed.append(_agreed(write.key, write.view))
                if write.to is self.fusion:
                    report.counts.to_fusion += 1
                else:
                    report.counts.to_jaggaer += 1
                detail = f"written to {write.to.system}"
                audit.append(
                    self._audit(write, AuditStatus.POSTED, f"{detail}; {write.note}" if write.note else detail)
                )
        finally:
            # What was written is agreed before anything else happens, so it never reads back as a change.
            self.store.two_way.record(self.entity, agreed, self.run_id)
            self.store.audit.record(audit)

    def _audit(self, write: _Write, status: AuditStatus, reason: str) -> AuditEntry:
        return AuditEntry(
            run_id=self.run_id,
            system=write.to.system,
            entity=self.entity,
            record_key=write.key,
            source_version=None,
            payload_hash=view_hash(write.view),
            status=status,
            reason=reason,
        )


def without_others(
    jaggaer: dict[str, SideRecord], fusion: dict[str, SideRecord], others: frozenset[str]
) -> dict[str, SideRecord]:
    """JAGGAER's records less those another ERP's flow holds there that Fusion does not hold too."""
    return {key: record for key, record in jaggaer.items() if key not in others or key in fusion}


def _agreed(key: str, view: BaseModel) -> Agreed:
    return Agreed(natural_key=key, view_hash=view_hash(view), view=view.model_dump_json())


def _read_only(side: ReferenceSide, key: str) -> str:
    return (
        f"changed in the other system, but {side.system} cannot be written for this entity: {side.system}'s "
        f"version of {key} is kept"
    )
