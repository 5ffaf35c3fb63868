"""Post: write staged records to the target, newest version only, never backwards, never twice."""

from datetime import datetime

from ml_connector_dagster.http.errors import AuthenticationError, ConnectorHttpError, RequestRejected
from ml_connector_dagster.store import AuditEntry, AuditStatus, LedgerEntry, RecordRef, StagedRecord, Store
from ml_connector_dagster.sync.ports import TargetSink
from ml_connector_dagster.sync.report import FlowReport, PreviewRow


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


class Post:
    def __init__(self, store: Store, sink: TargetSink, source_system: str, entity: str, run_id: str) -> None:
        self.store = store
        self.sink = sink
        self.source_system = source_system
        self.entity = entity
        self.run_id = run_id

    def run(self, lo: datetime, hi: datetime) -> FlowReport:
        report = FlowReport()
        for batch in self.store.staging.iter_between(self.source_system, self.entity, lo, hi):
            entries = self._entries([s.source_key for s in batch])
            skipped: list[AuditEntry] = []
            for staged in batch:
                reason = skip_reason(staged, entries.get(staged.source_key))
                if reason is None:
                    self._write(staged, entries.get(staged.source_key), report)
                    entries.update(self._entries([staged.source_key]))
                else:
                    skipped.append(self._audit(staged, AuditStatus.SKIPPED, reason))
                    report.counts.skipped += 1
                    report.add_preview(_row(staged, "skipped", reason))
            self.store.audit.record(skipped)
        return report

    def _entries(self, keys: list[str]) -> dict[str, LedgerEntry]:
        return self.store.ledger.get_many(self.source_system, self.sink.system, self.entity, keys)

    def _write(self, staged: StagedRecord, entry: LedgerEntry | None, report: FlowReport) -> None:
        ref = RecordRef(
            source_system=self.source_system,
            target_system=self.sink.system,
            entity=self.entity,
            source_key=staged.source_key,
        )
        record = self.sink.record_type.model_validate_json(staged.payload)
        # The intent is committed before the call: if the process dies mid-write, the next run sees it and
        # the sink resolves it by looking at the target instead of creating blindly.
        self.store.ledger.record_intent(ref, staged.natural_key, staged.version, staged.payload_hash, self.run_id)
        try:
            target_id = self.sink.write(record, entry.target_id if entry else None)
        except AuthenticationError:
            raise
        except RequestRejected as exc:
            # The target refused it: nothing was written, so the intent is closed.
            self.store.ledger.clear_intent(ref, self.run_id, self._audit(staged, AuditStatus.FAILED, str(exc)))
            self._failed(staged, str(exc), report)
            return
        except ConnectorHttpError as exc:
            # Outcome unknown or retries exhausted: the intent stays open for the next run to check.
            reason = f"{exc}; the next run checks the target before writing again"
            self.store.audit.record([self._audit(staged, AuditStatus.FAILED, reason)])
            self._failed(staged, reason, report)
            return
        self.store.ledger.record_written(
            ref,
            staged.version,
            staged.payload_hash,
            target_id,
            self.run_id,
            self._audit(staged, AuditStatus.POSTED, f"{self.sink.system} id {target_id}"),
        )
        report.counts.posted += 1
        report.add_preview(_row(staged, "posted", f"{self.sink.system} id {target_id}"))

    def _failed(self, staged: StagedRecord, reason: str, report: FlowReport) -> None:
        report.counts.failed += 1
        report.add_problem(f"{staged.natural_key}: {reason}")
        report.add_preview(_row(staged, "failed", reason))

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
