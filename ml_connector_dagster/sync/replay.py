"""Replay: after a fix, send again what failed, was quarantined or waits, chosen by run, entity, key or time.

Quarantined records are converted again from the payload kept when they were quarantined (a fixed attribute
mapping now reads them) and staged; failed records resend their newest staged version; pending records are
tried now, whatever their backoff says. Every write goes through the post's version rules, so replaying what
was already written is a no-op, and every audit row names the replay and the run it repairs.
"""

import json
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel

from ml_connector_dagster.store import AuditStatus, Store
from ml_connector_dagster.sync.post import Post
from ml_connector_dagster.sync.pull import Pull
from ml_connector_dagster.sync.report import FlowReport

ReplayKind = Literal["failed", "quarantined", "pending"]
_EVERY_ROW = 1_000_000


class ReplaySelection(BaseModel):
    run_id: str | None = None
    keys: list[str] = []
    start: AwareDatetime | None = None  # when the failure was recorded, inclusive
    end: AwareDatetime | None = None  # exclusive
    kinds: list[ReplayKind] = ["failed", "quarantined", "pending"]

    def label(self) -> str:
        return f"replay of run {self.run_id}" if self.run_id else "replay"

    def in_range(self, moment: datetime) -> bool:
        return (self.start is None or moment >= self.start) and (self.end is None or moment < self.end)

    def wants_key(self, key: str) -> bool:
        return not self.keys or key in self.keys


class Replay:
    def __init__(self, store: Store, pull: Pull, post: Post, selection: ReplaySelection) -> None:
        self.store = store
        self.pull = pull
        self.post = post
        self.selection = selection

    def run(self) -> FlowReport:
        selection, post = self.selection, self.post
        if "quarantined" in selection.kinds:
            self._requarantined()
        if "failed" in selection.kinds:
            keys = self._failed_keys()
            latest = self.store.staging.latest(post.source_system, post.entity, keys)
            post.replay([latest[key] for key in keys if key in latest], selection.label())
        if "pending" in selection.kinds:
            post.retry_pending(selection.keys or None)
        report = post.report
        pulled = self.pull.report.counts
        report.counts.pulled, report.counts.quarantined = pulled.pulled, pulled.quarantined
        return report

    def _requarantined(self) -> None:
        feed = self.pull.feed
        rows = self.store.quarantine.list_open(feed.system, feed.entity, limit=_EVERY_ROW)
        # By the audit trail, not the quarantine row: a later run that quarantined the record again (a replay
        # before the fix) has taken the row over, yet the record is still the one the chosen run quarantined.
        in_run = self._keys_with(AuditStatus.QUARANTINED, feed.system) if self.selection.run_id else None
        chosen = [
            row
            for row in rows
            if self.selection.wants_key(row.record_key)
            and (in_run is None or row.record_key in in_run)
            and (in_run is not None or self.selection.in_range(row.last_seen_at))
        ]
        self.pull.run_raws(json.loads(row.raw_payload) for row in chosen)
        staged_keys = [row.record_key for row in chosen]
        latest = self.store.staging.latest(feed.system, feed.entity, staged_keys)
        fixed = [latest[key] for key in staged_keys if key in latest and latest[key].pulled_run_id == self.pull.run_id]
        self.post.replay(fixed, self.selection.label())

    def _failed_keys(self) -> list[str]:
        return list(self._keys_with(AuditStatus.FAILED, self.post.sink.system))

    def _keys_with(self, status: AuditStatus, system: str) -> dict[str, None]:
        """Keys of the entity's records audited with `status` by `system`, within the selection, in order."""
        selection = self.selection
        rows = self.store.audit.query(
            run_id=selection.run_id, system=system, entity=self.post.entity, status=status, limit=_EVERY_ROW
        )
        return dict.fromkeys(
            row.record_key
            for row in rows
            if selection.wants_key(row.record_key) and selection.in_range(row.recorded_at)
        )
