"""Pull: read a window from the source, quarantine what is invalid, stage the rest by (key, version)."""

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from pydantic import BaseModel, ValidationError

from ml_connector_dagster.records import InvalidRecord, payload_hash
from ml_connector_dagster.records.errors import shortened
from ml_connector_dagster.store import (
    AuditEntry,
    AuditStatus,
    QuarantineEntry,
    SeenVersion,
    StagedRecord,
    Store,
)
from ml_connector_dagster.sync import progress
from ml_connector_dagster.sync.echoes import Echoes
from ml_connector_dagster.sync.ports import DeletingFeed, Deletion, SourceFeed
from ml_connector_dagster.sync.report import FlowReport

BATCH_SIZE = 500
# A snapshot read for window [lo, hi) stands as the state at the window's end: stamped just inside it, so the
# window's post finds it and a backfill of an older window can never overwrite a newer snapshot.
_SNAPSHOT_OFFSET = timedelta(milliseconds=1)
# A quarantined record is named by whatever its source sent, garbage included: kept within what a person reads
# and an index holds (the raw payload is kept whole, for the replay).
_KEY_CHARS, _REASON_CHARS = 200, 2000


def snapshot_version(hi: datetime) -> datetime:
    """The version a snapshot read for a window ending at `hi` is staged under."""
    return hi - _SNAPSHOT_OFFSET


class Pull:
    def __init__(
        self, store: Store, feed: SourceFeed, target_system: str, run_id: str, echoes: Echoes | None = None
    ) -> None:
        self.store = store
        self.feed = feed
        self.target_system = target_system
        self.run_id = run_id
        self.echoes = echoes
        # Counts so far: still true when the run is interrupted part-way.
        self.report = FlowReport()
        self._snapshot_version: datetime | None = None

    def run(self, lo: datetime, hi: datetime) -> FlowReport:
        report = self.report
        self._snapshot_version = snapshot_version(hi) if self.feed.snapshot else None
        batch = _Batch()
        try:
            for raw in self.feed.changed(lo, hi):
                report.counts.pulled += 1
                if isinstance(raw, Deletion):
                    batch.deletions.append(raw)
                else:
                    batch.raws.append(raw)
                if len(batch) >= BATCH_SIZE:
                    self._flush(batch, report)
                    batch = _Batch()
        finally:
            # Interrupted or failed mid-read: what was read is kept, so the counts reported are what happened.
            self._flush(batch, report)
        return report

    def run_raws(self, raws: Iterable[dict[str, Any]]) -> FlowReport:
        """Converts and stages records already read (a replay of quarantined ones, after a fix). A snapshot
        record is stamped with the time of the replay."""
        report = self.report
        self._snapshot_version = datetime.now(UTC) if self.feed.snapshot else None
        batch = _Batch()
        try:
            for raw in raws:
                report.counts.pulled += 1
                batch.raws.append(raw)
                if len(batch) >= BATCH_SIZE:
                    self._flush(batch, report)
                    batch = _Batch()
        finally:
            self._flush(batch, report)
        return report

    def _take(self, raw: dict[str, Any], batch: "_Batch", report: FlowReport) -> None:
        feed = self.feed
        try:
            record, missing = self._convert(raw)
        except InvalidRecord as bad:
            key, reason = _storable(bad.record_key, _KEY_CHARS), _storable(bad.reason, _REASON_CHARS)
            batch.quarantined.append(
                QuarantineEntry(
                    source_system=feed.system,
                    entity=feed.entity,
                    record_key=key,
                    source_version=None,
                    reason=reason,
                    # ASCII JSON: text the source sent with unpaired surrogates is kept as escapes, never refused.
                    raw_payload=json.dumps(raw, default=str),
                    run_id=self.run_id,
                )
            )
            report.counts.quarantined += 1
            report.add_problem(reason)
            report.add_preview(key, "", "", "quarantined", reason)
            return
        report.count_missing(missing)
        self._stage(feed.record_key(raw), record, self._snapshot_version or feed.version(record), batch, report)

    def _convert(self, raw: dict[str, Any]) -> tuple[BaseModel, list[str]]:
        """The feed's conversion; a canonical record built without its own checks (a NetSuite row's) that
        refuses a value is invalid too, named by the record's fields."""
        feed = self.feed
        try:
            return feed.convert(raw)
        except ValidationError as error:
            key = feed.record_key(raw)
            raise InvalidRecord.refused(key, f"{feed.system} {feed.entity} {key}", error) from None

    def _stage(self, key: str, record: BaseModel, version: datetime, batch: "_Batch", report: FlowReport) -> None:
        feed = self.feed
        natural, digest = feed.natural_key(record), payload_hash(record)
        batch.staged.append(
            StagedRecord(
                source_system=feed.system,
                entity=feed.entity,
                source_key=key,
                natural_key=natural,
                version=version,
                payload_hash=digest,
                payload=record.model_dump_json(),
                pulled_run_id=self.run_id,
            )
        )
        batch.seen.append(SeenVersion(source_key=key, natural_key=natural, version=version, payload_hash=digest))
        report.add_preview(key, natural, version.isoformat(), "staged")

    def _tombstones(self, batch: "_Batch", report: FlowReport) -> None:
        """Stages each deleted record's last version as deleted; a record deleted before the connector ever
        read it has nothing to undo at the target, and is audited as skipped."""
        feed = cast(DeletingFeed, self.feed)
        last = self.store.staging.latest(feed.system, feed.entity, [d.source_key for d in batch.deletions])
        unknown: list[AuditEntry] = []
        for deletion in batch.deletions:
            staged = last.get(deletion.source_key)
            if staged is None:
                reason = f"deleted in {feed.system} before the connector read it: nothing to undo"
                unknown.append(self._audit(deletion.source_key, deletion.at, AuditStatus.SKIPPED, reason))
                report.counts.skipped += 1
                report.add_preview(deletion.source_key, "", deletion.at.isoformat(), "skipped", reason)
            elif staged.version < deletion.at:
                self._stage(deletion.source_key, feed.tombstone(staged.payload, deletion), deletion.at, batch, report)
        if unknown:
            self.store.audit.record(unknown)
        batch.deletions.clear()

    def _take_raws(self, batch: "_Batch", report: FlowReport) -> None:
        echoes = self.echoes.of(batch.raws) if self.echoes is not None else {}
        skipped: list[AuditEntry] = []
        for position, raw in enumerate(batch.raws):
            writer = echoes.get(position)
            if writer is None:
                self._take(raw, batch, report)
                continue
            key, reason = self.feed.record_key(raw), writer.reason(self.feed.system)
            skipped.append(self._audit(key, None, AuditStatus.SKIPPED, reason))
            report.counts.skipped += 1
            report.add_preview(key, "", "", "skipped", reason)
        batch.raws.clear()
        if skipped:
            self.store.audit.record(skipped)

    def _flush(self, batch: "_Batch", report: FlowReport) -> None:
        feed, store = self.feed, self.store
        if batch.raws:
            self._take_raws(batch, report)
        progress.advanced(feed.system, feed.entity, "pull", report.counts.pulled)
        if batch.deletions:
            self._tombstones(batch, report)
        if batch.staged:
            report.counts.staged += store.staging.stage(batch.staged, replace_changed=feed.snapshot)
            store.ledger.record_seen(feed.system, self.target_system, feed.entity, batch.seen)
            store.quarantine.resolve(feed.system, feed.entity, [r.source_key for r in batch.staged], self.run_id)
        if batch.quarantined:
            store.quarantine.put(batch.quarantined)
            store.audit.record(
                [
                    self._audit(q.record_key, q.source_version, AuditStatus.QUARANTINED, q.reason)
                    for q in batch.quarantined
                ]
            )

    def _audit(self, key: str, version: datetime | None, status: AuditStatus, reason: str) -> AuditEntry:
        return AuditEntry(
            run_id=self.run_id,
            system=self.feed.system,
            entity=self.feed.entity,
            record_key=key,
            source_version=version,
            payload_hash=None,
            status=status,
            reason=reason,
        )


class _Batch:
    def __init__(self) -> None:
        # Read, not yet converted: converted together, once the batch's echoes are known.
        self.raws: list[dict[str, Any]] = []
        self.staged: list[StagedRecord] = []
        self.seen: list[SeenVersion] = []
        self.quarantined: list[QuarantineEntry] = []
        self.deletions: list[Deletion] = []

    def __len__(self) -> int:
        return len(self.raws) + len(self.staged) + len(self.quarantined) + len(self.deletions)


def _storable(text: str, limit: int) -> str:
    """`text` as any store holds it: unpaired surrogates and NUL (which PostgreSQL text refuses) escaped, cut to
    `limit` characters."""
    return shortened(text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00"), limit)
