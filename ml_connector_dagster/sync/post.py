"""Post: write staged records to the target, newest version only, never backwards, never twice.

Per batch of staged records: decide what to skip, hold back what waits on a dependency (pending queue), commit
every intent in one transaction, make the writes (several in flight, never two of one key), then commit every
outcome, hold and audit row in one transaction. An intent is durable before its write is sent, so a crash
anywhere leaves a trace the next run resolves by looking at the target.
"""

import concurrent.futures
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel

from ml_connector_dagster.http.errors import AuthenticationError, ConnectorHttpError, RequestRejected
from ml_connector_dagster.records.errors import NothingToWrite, WaitsOnTarget
from ml_connector_dagster.store import (
    AuditEntry,
    AuditStatus,
    BackoffPolicy,
    Held,
    Intent,
    LedgerEntry,
    PendingEntry,
    RecordRef,
    StagedRecord,
    Store,
    Written,
)
from ml_connector_dagster.sync import progress
from ml_connector_dagster.sync.dependencies import DependencyCheck, Waiting
from ml_connector_dagster.sync.ports import TargetSink
from ml_connector_dagster.sync.report import FlowReport

# How long an interrupted run waits for writes already on the wire, so their outcomes are recorded.
_INTERRUPT_GRACE_SECONDS = 15.0
_BATCH = 500


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
    record: BaseModel
    target_id: str | None = None
    error: Exception | None = None


@dataclass
class _Decided:
    """One batch after the skip rules and the dependency check."""

    to_write: dict[str, tuple[StagedRecord, BaseModel]]
    held: list[Held]
    released: list[RecordRef]
    audit: list[AuditEntry]


class Post:
    def __init__(
        self,
        store: Store,
        sink: TargetSink,
        source_system: str,
        entity: str,
        run_id: str,
        needs: DependencyCheck[BaseModel] | None = None,
        backoff: BackoffPolicy | None = None,
    ) -> None:
        self.store = store
        self.sink = sink
        self.source_system = source_system
        self.entity = entity
        self.run_id = run_id
        self.needs = needs
        self.backoff = backoff or BackoffPolicy()
        # Counts so far: still true when the run is interrupted part-way.
        self.report = FlowReport()
        # Whether records already pending are tried again even before their next try is due.
        self._force = False
        # Set by a replay: why these records are sent again, on every audit row it writes.
        self._replay_reason: str | None = None

    def run(self, lo: datetime, hi: datetime) -> FlowReport:
        """The window's staged records, then every record still pending from earlier runs."""
        with self._pool() as pool:
            for batch in self.store.staging.iter_between(self.source_system, self.entity, lo, hi):
                self._post(batch, pool)
            self._post_pending(pool, keys=None)
        return self.report

    def retry_pending(self, keys: Sequence[str] | None = None) -> FlowReport:
        """Pending records (all, or those of `keys`) tried now, whatever their backoff says."""
        self._force = True
        with self._pool() as pool:
            self._post_pending(pool, keys)
        return self.report

    def replay(self, staged: Sequence[StagedRecord], reason: str) -> FlowReport:
        """Sends these staged versions again; versions already written are skipped, so a replay is a no-op
        for them. `reason` goes on every audit row, linking the replay to the run it repairs."""
        self._force = True
        self._replay_reason = reason
        with self._pool() as pool:
            for start in range(0, len(staged), _BATCH):
                self._post(list(staged[start : start + _BATCH]), pool)
        return self.report

    def _pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max(1, self.sink.concurrency), thread_name_prefix=f"{self.sink.system}-write")

    def _post_pending(self, pool: ThreadPoolExecutor, keys: Sequence[str] | None) -> None:
        """Pending records are looked at on every run: one whose supplier or mapping now exists posts at once;
        one still waiting is counted again only when its backoff says it is due."""
        waiting = self.store.pending.for_entity(self.source_system, self.sink.system, self.entity)
        if keys is not None:
            wanted = set(keys)
            waiting = [entry for entry in waiting if entry.ref.source_key in wanted]
        if self.needs is None and not self._force:
            # What these wait on is only found by asking the target: asked when the backoff says, not every run.
            now = datetime.now(UTC)
            waiting = [entry for entry in waiting if entry.next_try_at <= now]
        for start in range(0, len(waiting), _BATCH):
            chunk = waiting[start : start + _BATCH]
            found = self.store.staging.get_many(
                self.source_system, self.entity, [(entry.ref.source_key, entry.version) for entry in chunk]
            )
            batch = [found[(e.ref.source_key, e.version)] for e in chunk if (e.ref.source_key, e.version) in found]
            if batch:
                self._post(batch, pool)

    def _post(self, batch: list[StagedRecord], pool: ThreadPoolExecutor) -> None:
        keys = [s.source_key for s in batch]
        entries = self.store.ledger.get_many(self.source_system, self.sink.system, self.entity, keys)
        pending = self.store.pending.get_many(self.source_system, self.sink.system, self.entity, keys)
        decided = self._decide(batch, entries, pending)
        to_write = decided.to_write
        self.store.ledger.record_intents(
            [
                Intent(ref=self._ref(s), natural_key=s.natural_key, version=s.version, payload_hash=s.payload_hash)
                for s, _ in to_write.values()
            ],
            self.run_id,
        )
        known = {key: entry.target_id for key, entry in entries.items() if entry.target_id is not None}
        found = self._look_up([s for s, _ in to_write.values() if s.source_key not in known])
        futures = [
            pool.submit(
                self._write,
                staged,
                record,
                known.get(staged.source_key) or (found or {}).get(staged.natural_key),
                found is not None,
            )
            for staged, record in to_write.values()
        ]
        try:
            concurrent.futures.wait(futures)
        finally:
            # Interrupted or not, every write that was made is recorded before this batch is left.
            for future in futures:
                future.cancel()
            concurrent.futures.wait(futures, timeout=_INTERRUPT_GRACE_SECONDS)
            outcomes = [f.result() for f in futures if f.done() and not f.cancelled()]
            self._record(outcomes, decided, pending)
            counts = self.report.counts
            done = counts.posted + counts.skipped + counts.failed + counts.pending
            progress.advanced(self.sink.system, self.entity, "post", done)
        refused = next((o.error for o in outcomes if isinstance(o.error, AuthenticationError)), None)
        if refused is not None:
            raise refused

    def _decide(
        self, batch: list[StagedRecord], entries: dict[str, LedgerEntry], pending: dict[str, PendingEntry]
    ) -> _Decided:
        chosen: dict[str, StagedRecord] = {}
        decided = _Decided({}, [], [], [])
        for staged in batch:
            entry = entries.get(staged.source_key)
            reason = skip_reason(staged, entry)
            earlier = chosen.get(staged.source_key)
            if reason is None and earlier is not None:
                # Two versions of one key in one batch: only the newest is written, and never side by side.
                older, staged = (earlier, staged) if earlier.version < staged.version else (staged, earlier)
                decided.audit.append(
                    self._skipped(older, f"superseded by a newer version ({staged.version.isoformat()})")
                )
            elif reason is not None:
                waiting = pending.get(staged.source_key)
                if waiting is not None and self._written_since(waiting, entry):
                    decided.released.append(self._ref(staged))
                decided.audit.append(self._skipped(staged, reason))
                continue
            chosen[staged.source_key] = staged
        records = {key: self.sink.record_type.model_validate_json(s.payload) for key, s in chosen.items()}
        verdicts = self.needs.decide(list(records.values())) if self.needs is not None else None
        now = datetime.now(UTC)
        for index, (key, staged) in enumerate(chosen.items()):
            verdict = verdicts[index] if verdicts is not None else None
            if isinstance(verdict, Waiting):
                self._hold(staged, verdict, pending.get(key), now, decided)
                continue
            decided.to_write[key] = (staged, verdict.record if verdict is not None else records[key])
        return decided

    def _hold(
        self, staged: StagedRecord, waiting: Waiting, earlier: PendingEntry | None, now: datetime, decided: _Decided
    ) -> None:
        report = self.report
        if earlier is not None and earlier.last_run_id == self.run_id and earlier.version >= staged.version:
            # Held by this very run already (its window, then its look at the queue): counted once per run.
            return
        if earlier is not None and not self._force and earlier.next_try_at > now and earlier.version >= staged.version:
            # Still waiting and not due again yet: left as it is, not counted twice.
            return
        decided.held.append(
            Held(
                ref=self._ref(staged),
                natural_key=staged.natural_key,
                version=staged.version,
                payload_hash=staged.payload_hash,
                reason=waiting.reason,
                waits_on=waiting.waits_on,
            )
        )
        attempt = 1 if earlier is None else earlier.attempts + 1
        detail = f"{waiting.reason} (attempt {attempt})"
        decided.audit.append(self._audit(staged, AuditStatus.PENDING, self._with_replay(detail)))
        report.counts.pending += 1
        report.add_problem(f"{staged.natural_key}: {waiting.reason}")
        _preview(report, staged, "pending", waiting.reason)

    @staticmethod
    def _written_since(pending: PendingEntry, entry: LedgerEntry | None) -> bool:
        return entry is not None and entry.written_version is not None and pending.version <= entry.written_version

    def _look_up(self, unknown: list[StagedRecord]) -> dict[str, str] | None:
        """Target ids of records the ledger has none for, in few requests; None when each write must look for
        itself (the target has native upserts, or the lookup failed: then each record fails on its own)."""
        if not self.sink.bulk_lookup or not unknown:
            return None
        try:
            return self.sink.find_ids([staged.natural_key for staged in unknown])
        except ConnectorHttpError:
            return None

    def _write(self, staged: StagedRecord, record: BaseModel, known_id: str | None, looked_up: bool) -> _Outcome:
        """Runs on a worker thread: whatever happens becomes this record's outcome, never the window's."""
        try:
            return _Outcome(staged, record, target_id=self.sink.write(record, known_id, looked_up))
        except Exception as exc:  # one record's surprise must not stop its window
            return _Outcome(staged, record, error=exc)

    def _record(self, outcomes: list[_Outcome], decided: _Decided, pending: dict[str, PendingEntry]) -> None:
        written: list[Written] = []
        cleared: list[RecordRef] = []
        # Records the target said they wait on join those the dependency check held.
        late = _Decided({}, list(decided.held), list(decided.released), list(decided.audit))
        released, audit = late.released, late.audit
        report = self.report
        now = datetime.now(UTC)
        for outcome in outcomes:
            staged, error = outcome.staged, outcome.error
            waited = pending.get(staged.source_key)
            if isinstance(error, WaitsOnTarget):
                # Nothing was written: the intent is closed and the record waits for what the target lacks.
                cleared.append(self._ref(staged))
                self._hold(staged, Waiting(error.reason, error.waits_on), waited, now, late)
                continue
            if error is None and outcome.target_id is not None:
                written.append(
                    Written(
                        ref=self._ref(staged),
                        version=staged.version,
                        payload_hash=staged.payload_hash,
                        target_id=outcome.target_id,
                        target_state=self.sink.target_state(outcome.record),
                    )
                )
                detail = f"{self.sink.system} id {outcome.target_id}"
                if waited is not None:
                    released.append(self._ref(staged))
                    detail += (
                        f"; waited since {waited.since.isoformat(timespec='seconds')}, "
                        f"first held by run {waited.first_run_id}"
                    )
                audit.append(self._audit(staged, AuditStatus.POSTED, self._with_replay(detail)))
                report.counts.posted += 1
                _preview(report, staged, "posted", detail)
                continue
            if isinstance(error, NothingToWrite):
                cleared.append(self._ref(staged))
                if waited is not None:
                    released.append(self._ref(staged))
                audit.append(self._skipped(staged, str(error)))
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
            audit.append(self._audit(staged, AuditStatus.FAILED, self._with_replay(reason)))
            report.counts.failed += 1
            report.add_problem(f"{staged.natural_key}: {reason}")
            _preview(report, staged, "failed", reason)
        self.store.ledger.record_outcomes(
            self.run_id,
            written=written,
            cleared=cleared,
            audit=audit,
            held=late.held,
            released=released,
            backoff=self.backoff,
        )

    def _with_replay(self, detail: str) -> str:
        return f"{detail}; {self._replay_reason}" if self._replay_reason else detail

    def _skipped(self, staged: StagedRecord, reason: str) -> AuditEntry:
        self.report.counts.skipped += 1
        _preview(self.report, staged, "skipped", reason)
        return self._audit(staged, AuditStatus.SKIPPED, self._with_replay(reason))

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


def _preview(report: FlowReport, staged: StagedRecord, outcome: str, detail: str) -> None:
    report.add_preview(staged.source_key, staged.natural_key, staged.version.isoformat(), outcome, detail)
