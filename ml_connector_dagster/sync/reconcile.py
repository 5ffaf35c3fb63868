"""Reconciliation: what the source holds for a range, compared with what the ledger says was written and with
what the target holds, record by record and day by day; and the repair that re-sends what is missing or stale.

The source is read through the flow's own feed and the target asked through its sink's `find_ids`, many keys
at a time, so reconciling a range costs about what syncing it did. Targets offer no uniform way to read a
document's amount back, so amounts are compared between the source and the payload the ledger says was written.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ml_connector_dagster.records import InvalidRecord, Invoice, PurchaseOrder, payload_hash
from ml_connector_dagster.store import AuditStatus, LedgerEntry, Store
from ml_connector_dagster.sync import progress
from ml_connector_dagster.sync.echoes import Echoes
from ml_connector_dagster.sync.ports import Deletion, SourceFeed, TargetSink
from ml_connector_dagster.sync.post import Post
from ml_connector_dagster.sync.pull import Pull
from ml_connector_dagster.sync.reconcile_report import DayTotals, Finding, FindingKind, ReconcileReport
from ml_connector_dagster.sync.report import FlowReport

_BATCH = 500


def amount_of(record: BaseModel) -> Decimal | None:
    """The amount a record carries; reference data and receipts have none."""
    if isinstance(record, PurchaseOrder):
        return record.total
    if isinstance(record, Invoice):
        return record.amount
    return None


@dataclass(frozen=True)
class _SourceItem:
    key: str
    natural_key: str | None  # None for a deletion: the ledger knows it
    version: datetime
    payload_hash: str | None
    amount: Decimal | None

    @property
    def deleted(self) -> bool:
        return self.payload_hash is None


@dataclass(frozen=True)
class _Known:
    """What the store and the target say about one batch of source records."""

    entries: Mapping[str, LedgerEntry]
    pending: frozenset[str]
    in_target: frozenset[str]  # natural keys the target holds
    written_amounts: Mapping[str, Decimal | None]  # by source key, where the written payload differs


class Reconciliation:
    """One flow's comparison; `source_system`, `target_system` and `entity` name its ledger entries."""

    def __init__(
        self, store: Store, feed: SourceFeed, sink: TargetSink, entity: str, echoes: Echoes | None = None
    ) -> None:
        self.store = store
        self.feed = feed
        self.sink = sink
        self.entity = entity
        # What the connector wrote to the source from the target's side: not the source's own records.
        self.echoes = echoes
        self.source_system = feed.system
        self.target_system = sink.system

    def run(self, lo: datetime, hi: datetime) -> ReconcileReport:
        report = ReconcileReport(
            entity=self.entity, source_system=self.source_system, target_system=self.target_system, start=lo, end=hi
        )
        days: dict[date, DayTotals] = {}
        returned: set[str] = set()
        for batch in self._source_batches(lo, hi, report, returned):
            self._compare(batch, self._known(batch), report, days)
            progress.advanced(self.source_system, self.entity, "reconcile", report.checked)
        self._extras(lo, hi, returned, report)
        report.days = [days[day] for day in sorted(days)]
        return report

    def _source_batches(
        self, lo: datetime, hi: datetime, report: ReconcileReport, returned: set[str]
    ) -> Iterator[list[_SourceItem]]:
        raws: list[dict[str, Any] | Deletion] = []
        for raw in self.feed.changed(lo, hi):
            raws.append(raw)
            if len(raws) >= _BATCH:
                yield self._items(raws, report, returned)
                raws = []
        if raws:
            yield self._items(raws, report, returned)

    def _items(
        self, raws: list[dict[str, Any] | Deletion], report: ReconcileReport, returned: set[str]
    ) -> list[_SourceItem]:
        records = [raw for raw in raws if not isinstance(raw, Deletion)]
        echoed = {id(records[position]) for position in (self.echoes.of(records) if self.echoes else {})}
        items = []
        for raw in raws:
            if id(raw) in echoed:
                report.echoes += 1
                continue
            item = self._item(raw, report)
            # A record edited while the range was read can come twice: its first reading stands.
            if item is None or item.key in returned:
                continue
            returned.add(item.key)
            items.append(item)
        return items

    def _item(self, raw: dict[str, Any] | Deletion, report: ReconcileReport) -> _SourceItem | None:
        feed = self.feed
        if isinstance(raw, Deletion):
            report.deleted += 1
            return _SourceItem(raw.source_key, None, raw.at, None, None)
        try:
            record, _ = feed.convert(raw)
        except InvalidRecord:
            report.invalid += 1
            return None
        key = feed.record_key(raw)
        return _SourceItem(key, feed.natural_key(record), feed.version(record), payload_hash(record), amount_of(record))

    def _known(self, batch: list[_SourceItem]) -> _Known:
        keys = [item.key for item in batch]
        flow = (self.source_system, self.target_system, self.entity)
        entries = self.store.ledger.get_many(*flow, keys)
        pending = frozenset(self.store.pending.get_many(*flow, keys))
        natural = [item.natural_key for item in batch if item.natural_key is not None]
        in_target = frozenset(self.sink.find_ids(natural)) if natural else frozenset()
        drifted = [
            (item.key, entry.written_version)
            for item in batch
            if (entry := entries.get(item.key)) is not None
            and entry.written_version is not None
            and entry.written_hash not in (None, item.payload_hash)
            and not item.deleted
        ]
        staged = self.store.staging.get_many(self.source_system, self.entity, drifted)
        record_type = self.sink.record_type
        written_amounts = {
            key: amount_of(record_type.model_validate_json(staged[(key, version)].payload))
            for key, version in drifted
            if (key, version) in staged
        }
        return _Known(entries, pending, in_target, written_amounts)

    def _compare(
        self, batch: list[_SourceItem], known: _Known, report: ReconcileReport, days: dict[date, DayTotals]
    ) -> None:
        for item in batch:
            report.checked += 1
            day = item.version.astimezone(UTC).date()
            totals = days.setdefault(day, DayTotals(day=day))
            totals.source_records += 1
            totals.source_total += item.amount or 0
            entry = known.entries.get(item.key)
            if item.deleted:
                self._deletion(item, entry, report)
                continue
            if item.key in known.pending:
                report.pending += 1
                continue
            finding = self._judge(item, entry, known)
            if finding is None or finding.kind != FindingKind.MISSING:
                totals.target_records += 1
                totals.written_total += self._written_amount(item, entry, known) or 0
            if finding is not None:
                report.findings.append(finding)
                drift = self._amount_drift(item, entry, known)
                if drift is not None:
                    report.findings.append(drift)

    def _judge(self, item: _SourceItem, entry: LedgerEntry | None, known: _Known) -> Finding | None:
        target = self.target_system
        natural = item.natural_key or item.key
        written = entry.written_version if entry is not None else None
        if natural not in known.in_target:
            if entry is not None and entry.target_id is not None:
                detail = (
                    f"the ledger says version {_shown(written)} was written as {target} id {entry.target_id}, "
                    f"but {target} has no {natural}: deleted there by hand?"
                )
            else:
                detail = f"never written to {target}"
            return self._finding(FindingKind.MISSING, item, entry, detail)
        if entry is None or entry.target_id is None or entry.written_hash is None:
            detail = (
                f"{target} holds {natural} but the ledger has no record of writing it: a ledger restored from an "
                "older backup?"
            )
            return self._finding(FindingKind.STALE, item, entry, detail)
        if entry.written_hash != item.payload_hash:
            declined = self._declined(item)
            if declined is not None:
                detail = f"{target} holds version {_shown(written)}; the post did not write {_shown(item.version)}: "
                return self._finding(FindingKind.DECLINED, item, entry, detail + declined)
            detail = f"the ledger's written version {_shown(written)} is not the source's {_shown(item.version)}"
            return self._finding(FindingKind.STALE, item, entry, detail)
        return None

    def _declined(self, item: _SourceItem) -> str | None:
        """Why the post skipped the source's newest version, when its newest audit row says it did."""
        rows = self.store.audit.query(system=self.target_system, entity=self.entity, record_key=item.key, limit=1)
        if rows and rows[0].status == AuditStatus.SKIPPED and rows[0].source_version == item.version:
            return rows[0].reason
        return None

    def _deletion(self, item: _SourceItem, entry: LedgerEntry | None, report: ReconcileReport) -> None:
        """A record the source deleted: the target must hold the deletion (cancelled, deactivated) if it ever
        held the record."""
        if entry is None or entry.written_version is None or entry.written_version >= item.version:
            return
        detail = (
            f"deleted in {self.source_system} at {_shown(item.version)}; {self.target_system} still holds "
            f"version {_shown(entry.written_version)}"
        )
        natural = entry.natural_key or item.key
        stale = self._finding(FindingKind.STALE, item, entry, detail)
        report.findings.append(stale.model_copy(update={"natural_key": natural}))

    def _amount_drift(self, item: _SourceItem, entry: LedgerEntry | None, known: _Known) -> Finding | None:
        written = known.written_amounts.get(item.key)
        if written is None or item.amount is None or written == item.amount:
            return None
        detail = f"{self.source_system} says {item.amount}, the version written to {self.target_system} {written}"
        return self._finding(FindingKind.AMOUNT_DRIFT, item, entry, detail, written)

    @staticmethod
    def _written_amount(item: _SourceItem, entry: LedgerEntry | None, known: _Known) -> Decimal | None:
        if entry is not None and entry.written_hash == item.payload_hash:
            return item.amount
        return known.written_amounts.get(item.key)

    def _finding(
        self,
        kind: FindingKind,
        item: _SourceItem,
        entry: LedgerEntry | None,
        detail: str,
        written_amount: Decimal | None = None,
    ) -> Finding:
        return Finding(
            kind=kind,
            source_key=item.key,
            natural_key=item.natural_key or item.key,
            source_version=item.version,
            written_version=entry.written_version if entry is not None else None,
            source_amount=item.amount,
            written_amount=written_amount,
            detail=detail,
        )

    def _extras(self, lo: datetime, hi: datetime, returned: set[str], report: ReconcileReport) -> None:
        """Ledger entries whose newest source version lies in the range but that the source no longer returned
        there, when the ledger says they were written or the target holds them; less those the source changed or
        deleted after the range, which later windows sync."""
        flow = (self.source_system, self.target_system, self.entity)
        extras: list[Finding] = []
        batch: list[LedgerEntry] = []
        for entry in self.store.ledger.seen_between(*flow, lo, hi):
            if entry.ref.source_key not in returned and entry.natural_key is not None:
                batch.append(entry)
            if len(batch) >= _BATCH:
                extras += self._extra_batch(batch)
                batch = []
        if batch:
            extras += self._extra_batch(batch)
        later = set(self._changed_after(hi, {finding.source_key for finding in extras}))
        report.changed_later += len(later)
        report.findings += [finding for finding in extras if finding.source_key not in later]

    def _changed_after(self, hi: datetime, keys: set[str]) -> Iterator[str]:
        """The keys among `keys` the source changed or deleted after `hi`, read forward from there until all are
        found or the source has nothing newer: usually a few, so the read stops early."""
        left = set(keys)
        if not left:
            return
        for raw in self.feed.changed(hi, datetime.now(UTC)):
            key = raw.source_key if isinstance(raw, Deletion) else self.feed.record_key(raw)
            if key in left:
                left.discard(key)
                yield key
                if not left:
                    return

    def _extra_batch(self, batch: list[LedgerEntry]) -> list[Finding]:
        held = self.sink.find_ids([entry.natural_key for entry in batch if entry.natural_key is not None])
        source, target = self.source_system, self.target_system
        findings = []
        for entry in batch:
            natural = entry.natural_key or entry.ref.source_key
            in_target = natural in held
            if entry.target_id is None and not in_target:
                continue  # seen but never written: nothing of it reached the target
            where = f"{target} holds it" if in_target else f"{target} does not hold it"
            detail = (
                f"the ledger's newest version {_shown(entry.seen_version)} lies in the range but {source} no longer "
                f"returns it, there or since (deleted at the source without a deletion it reports); {where}"
            )
            findings.append(
                Finding(
                    kind=FindingKind.EXTRA,
                    source_key=entry.ref.source_key,
                    natural_key=natural,
                    source_version=entry.seen_version,
                    written_version=entry.written_version,
                    detail=detail,
                )
            )
        return findings


def repair(store: Store, report: ReconcileReport, pull: Pull, post: Post) -> FlowReport:
    """Re-sends every missing or stale record of the report through the normal pull and post.

    The ledger forgets what it believes was written for them, the range is read from the source again (after a
    ledger restored from a backup, staging lacks the newer versions too), and the newest staged version of each
    goes through the post's rules: looked up by natural key before any create, so never written twice. Each
    audit row the post writes names the run and carries why the record was re-sent.
    """
    chosen = report.repairable
    if not chosen:
        return post.report
    keys = [finding.source_key for finding in chosen]
    store.ledger.forget_written(report.source_system, report.target_system, report.entity, keys)
    pull.run(report.start, report.end)
    latest = store.staging.latest(report.source_system, report.entity, keys)
    for kind in (FindingKind.MISSING, FindingKind.STALE):
        staged = [latest[f.source_key] for f in chosen if f.kind == kind and f.source_key in latest]
        if staged:
            post.replay(staged, f"re-sent by the reconciliation of {report.label()}: {kind.value}")
    return post.report


def _shown(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else "none"
