"""Audit queries filter, order newest first, and count every status."""

from datetime import UTC, datetime

from ml_connector_dagster.store import AuditEntry, AuditStatus, Store

VERSION = datetime(2025, 1, 1, tzinfo=UTC)


def _entry(run_id: str, key: str, status: AuditStatus, system: str = "jaggaer", entity: str = "invoice") -> AuditEntry:
    return AuditEntry(
        run_id=run_id,
        system=system,
        entity=entity,
        record_key=key,
        source_version=VERSION,
        payload_hash=f"h-{key}",
        status=status,
        reason="unchanged" if status is AuditStatus.SKIPPED else None,
    )


def test_query_filters_and_returns_newest_first(store: Store) -> None:
    store.audit.record(
        [
            _entry("run-1", "A", AuditStatus.POSTED),
            _entry("run-1", "B", AuditStatus.SKIPPED),
            _entry("run-1", "C", AuditStatus.POSTED, entity="supplier"),
        ]
    )
    between = datetime.now(UTC)
    store.audit.record(
        [_entry("run-2", "A", AuditStatus.FAILED), _entry("run-2", "D", AuditStatus.POSTED, system="fusion")]
    )

    everything = store.audit.query()
    assert [(row.run_id, row.record_key) for row in everything] == [
        ("run-2", "D"),
        ("run-2", "A"),
        ("run-1", "C"),
        ("run-1", "B"),
        ("run-1", "A"),
    ]
    assert all(row.recorded_at.tzinfo is UTC for row in everything)
    assert (
        everything[-1].model_dump(exclude={"id", "recorded_at"})
        == _entry("run-1", "A", AuditStatus.POSTED).model_dump()
    )

    assert [r.record_key for r in store.audit.query(run_id="run-1", status=AuditStatus.POSTED)] == ["C", "A"]
    assert [r.record_key for r in store.audit.query(system="jaggaer", entity="invoice", record_key="A")] == ["A", "A"]
    assert [r.run_id for r in store.audit.query(record_key="A", status=AuditStatus.FAILED)] == ["run-2"]
    assert [r.record_key for r in store.audit.query(since=between)] == ["D", "A"]
    assert [r.record_key for r in store.audit.query(limit=2)] == ["D", "A"]
    assert store.audit.query(run_id="no-such-run") == []


def test_counts_every_status_for_a_run(store: Store) -> None:
    store.audit.record(
        [
            _entry("run-1", "A", AuditStatus.POSTED),
            _entry("run-1", "B", AuditStatus.POSTED),
            _entry("run-1", "C", AuditStatus.SKIPPED),
            _entry("run-1", "D", AuditStatus.POSTED, entity="supplier"),
            _entry("run-2", "E", AuditStatus.FAILED),
        ]
    )
    store.audit.record([])

    assert store.audit.counts("run-1") == {
        AuditStatus.POSTED: 3,
        AuditStatus.SKIPPED: 1,
        AuditStatus.QUARANTINED: 0,
        AuditStatus.FAILED: 0,
        AuditStatus.PENDING: 0,
    }
    assert store.audit.counts("run-1", system="jaggaer", entity="invoice")[AuditStatus.POSTED] == 2
    assert store.audit.counts("run-1", system="fusion") == dict.fromkeys(AuditStatus, 0)
