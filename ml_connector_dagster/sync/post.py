"""Post: write staged records to the target, newest version only, never backwards, never twice.

Per batch of staged records: decide what to skip, commit every intent in one transaction, make the writes
(several in flight, never two of one key), then commit every outcome and audit row in one transaction. An
intent is durable before its write is sent, so a crash anywhere leaves a trace the next run resolves by
looking at the target.
"""

import concurrent.futures
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from ml_connector_dagster.http.errors import AuthenticationError, ConnectorHttpError, RequestRejected
from ml_connector_dagster.store import (
    AuditEntry,
    AuditStatus,
    Intent,
    LedgerEntry,
    RecordRef,
    StagedRecord,
    Store,
    Written,
)
from ml_connector_dagster.sync.ports import TargetSink
from ml_connector_dagster.sync.report import FlowReport, PreviewRow

# How long an interrupted run waits for writes already on the wire, so their outcomes are recorded.
_INTERRUPT_GRACE_SECONDS = 15.0


def skip_reason(staged: StagedRecord, entry: LedgerEntry | None) -> str | None:
    """Why this staged version must not be written, or None when it should be."""
    if entry is None:
        return None
    if entry.written_version is not None and staged.version < entry.written_version:
        return f"older than the version already written ({entry.written_version.isoformat()})"
    if entry.written_hash == staged.payload_hash and not entry.has_open_intent:
        return "unchanged since the version already written"
    if entry.seen_version is not None and staged.version < entry.seen_version:
        return f"superseded by a newer version at the source ({entry.seen_version.isoformat()})"
    return None


@dataclass(frozen=True)
class _Outcome:
    staged: StagedRecord
    target_id: str | None = None
    error: Exception | None = None


class Post:
    def __init__(self, store: Store, sink: TargetSink, source_system: str, entity: str, run_id: str) -> None:
        self.store = store
        self.sink = sink
        self.source_system = source_system
        self.entity = entity
        self.run_id = run_id
        # Counts so far: still true when the run is interrupted part-way.
        self.report = FlowReport()

    def run(self, lo: datetime, hi: datetime) -> FlowReport:
        workers = max(1, self.sink.concurrency)
        with ThreadPoolExecutor(workers, thread_name_prefix=f"{self.sink.system}-write") as pool:
            for batch in self.store.staging.iter_between(self.source_system, self.entity, lo, hi):
                self._post(batch, pool)
        return self.report

    def _post(self, batch: list[StagedRecord], pool: ThreadPoolExecutor) -> None:
        entries = self.store.ledger.get_many(
            self.source_system, self.sink.system, self.entity, [s.source_key for s in batch]
        )
        to_write: dict[str, StagedRecord] = {}
        skipped: list[AuditEntry] = []
        for staged in batch:
            reason = skip_reason(staged, entries.get(staged.source_key))
            earlier = to_write.get(staged.source_key)
            if reason is None and earlier is not None:
                # Two versions of one key in one batch: only the newest is written, and never side by side.
                older, staged = (earlier, staged) if earlier.version < staged.version else (staged, earlier)
                skipped.append(self._skipped(older, f"superseded by a newer version ({staged.version.isoformat()})"))
            elif reason is not None:
                skipped.append(self._skipped(staged, reason))
                continue
            to_write[staged.source_key] = staged
        self.store.ledger.record_intents(
            [
                Intent(ref=self._ref(s), natural_key=s.natural_key, version=s.version, payload_hash=s.payload_hash)
                for s in to_write.values()
            ],
            self.run_id,
        )
        known = {key: entry.target_id for key, entry in entries.items() if entry.target_id is not None}
        found = self._look_up([s for s in to_write.values() if s.source_key not in known])
        futures = [
            pool.submit(
                self._write,
                staged,
                known.get(staged.source_key) or (found or {}).get(staged.natural_key),
                found is not None,
            )
            for staged in to_write.values()
        ]
        try:
            concurrent.futures.wait(futures)
        finally:
            # Interrupted or not, every write that was made is recorded before this batch is left.
            for future in futures:
                future.cancel()
            concurrent.futures.wait(futures, timeout=_INTERRUPT_GRACE_SECONDS)
            outcomes = [f.result() for f in futures if f.done() and not f.cancelled()]
            self._record(outcomes, skipped)
        refused = next((o.error for o in outcomes if isinstance(o.error, AuthenticationError)), None)
        if refused is not None:
            raise refused

    def _look_up(self, unknown: list[StagedRecord]) -> dict[str, str] | None:
        """Target ids of records the ledger has none for, in few requests; None when each write must look for
        itself (the target has native upserts, or the lookup failed: then each record fails on its own)."""
        if not self.sink.bulk_lookup or not unknown:
            return None
        try:
            return self.sink.find_ids([staged.natural_key for staged in unknown])
        except ConnectorHttpError:
            return None

    def _write(self, staged: StagedRecord, known_id: str | None, looked_up: bool) -> _Outcome:
        """Runs on a worker thread: whatever happens becomes this record's outcome, never the window's."""
        try:
            record = self.sink.record_type.model_validate_json(staged.payload)
            return _Outcome(staged, target_id=self.sink.write(record, known_id, looked_up))
        except Exception as exc:  # one record's surprise must not stop its window
            return _Outcome(staged, error=exc)

    def _record(self, outcomes: list[_Outcome], skipped: list[AuditEntry]) -> None:
        written: list[Written] = []
        cleared: list[RecordRef] = []
        audit = list(skipped)
        report = self.report
        for outcome in outcomes:
            staged, error = outcome.staged, outcome.error
            if error is None and outcome.target_id is not None:
                written.append(
                    Written(
                        ref=self._ref(staged),
                        version=staged.version,
                        payload_hash=staged.payload_hash,
                        target_id=outcome.target_id,
                    )
                )
                detail = f"{self.sink.system} id {outcome.target_id}"
                audit.append(self._audit(staged, AuditStatus.POSTED, detail))
                report.counts.posted += 1
                report.add_preview(_row(staged, "posted", detail))
                continue
            if isinstance(error, RequestRejected | AuthenticationError):
                # The target refused it: nothing was written, so the intent is closed.
                cleared.append(self._ref(staged))
                reason = str(error)
            elif isinstance(error, ConnectorHttpError):
                # Outcome unknown or retries exhausted: the intent stays open for the next run to check.
                reason = f"{error}; the next run checks the target before writing again"
            else:
                unexpected = f"{self.sink.system}: unexpected {type(error).__name__}: {error}"
                reason = f"{unexpected}; the next run checks the target before writing again"
            audit.append(self._audit(staged, AuditStatus.FAILED, reason))
            report.counts.failed += 1
            report.add_problem(f"{staged.natural_key}: {reason}")
            report.add_preview(_row(staged, "failed", reason))
        self.store.ledger.record_outcomes(self.run_id, written=written, cleared=cleared, audit=audit)

    def _skipped(self, staged: StagedRecord, reason: str) -> AuditEntry:
        self.report.counts.skipped += 1
        self.report.add_preview(_row(staged, "skipped", reason))
        return self._audit(staged, AuditStatus.SKIPPED, reason)

    def _ref(self, staged: StagedRecord) -> RecordRef:
        return RecordRef(
            source_system=self.source_system,
            target_system=self.sink.system,
            entity=self.entity,
            source_key=staged.source_key,
        )

    def _audit(self, staged: StagedRecord, status: AuditStatus, reason: str) -> AuditEntry:
        return AuditEntry(
            run_id=self.run_id,
            system=self.sink.system,
            entity=self.entity,
            record_key=staged.source_key,
            source_version=staged.version,
            payload_hash=staged.payload_hash,
            status=status,
            reason=reason,
        )


def _row(staged: StagedRecord, outcome: str, detail: str) -> PreviewRow:
    return PreviewRow(
        key=staged.source_key,
        natural_key=staged.natural_key,
        version=staged.version.isoformat(),
        outcome=outcome,
        detail=detail,
    )
