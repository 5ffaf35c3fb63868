"""The ledger never goes backwards, and a write's outcome and audit row commit together."""

from datetime import UTC, datetime, timedelta

import pytest

from ml_connector_dagster.store import (
    AuditEntry,
    AuditStatus,
    Intent,
    LedgerEntry,
    RecordRef,
    SeenVersion,
    Store,
    Written,
)
from ml_connector_dagster.store import ledger as ledger_module

V1 = datetime(2025, 1, 1, tzinfo=UTC)
V2 = V1 + timedelta(hours=1)
V3 = V1 + timedelta(hours=2)
REF = RecordRef(source_system="fusion", target_system="jaggaer", entity="purchase_order", source_key="300")


def _seen(key: str, version: datetime, payload_hash: str) -> SeenVersion:
    return SeenVersion(source_key=key, natural_key=f"PO-{key}", version=version, payload_hash=payload_hash)


def _audit(status: AuditStatus, run_id: str = "run-1", reason: str | None = None) -> AuditEntry:
    return AuditEntry(
        run_id=run_id,
        system="jaggaer",
        entity="purchase_order",
        record_key=REF.source_key,
        source_version=V2,
        payload_hash="h2",
        status=status,
        reason=reason,
    )


def _get(store: Store, key: str = REF.source_key) -> LedgerEntry:
    return store.ledger.get_many("fusion", "jaggaer", "purchase_order", [key])[key]


def test_record_seen_only_moves_forward(store: Store) -> None:
    record_seen = store.ledger.record_seen
    record_seen("fusion", "jaggaer", "purchase_order", [_seen("300", V2, "h2")])
    # An old window re-pulled: must not pull the ledger back.
    record_seen("fusion", "jaggaer", "purchase_order", [_seen("300", V1, "h1")])
    assert (_get(store).seen_version, _get(store).seen_hash) == (V2, "h2")

    # Within one batch the newest version of a key wins, whatever the order.
    record_seen("fusion", "jaggaer", "purchase_order", [_seen("300", V3, "h3"), _seen("300", V1, "h1")])
    entry = _get(store)
    assert (entry.seen_version, entry.seen_hash, entry.natural_key) == (V3, "h3", "PO-300")
    assert entry.written_version is None and not entry.has_open_intent


def test_get_many_chunks_large_key_lists_and_omits_unknown_keys(store: Store) -> None:
    keys = [f"K{i:04d}" for i in range(1100)]
    store.ledger.record_seen("fusion", "jaggaer", "supplier", [_seen(key, V1, "h") for key in keys])
    store.ledger.record_seen("fusion", "netsuite", "supplier", [_seen("K0000", V2, "other-target")])

    found = store.ledger.get_many("fusion", "jaggaer", "supplier", [*keys, "missing"])

    assert set(found) == set(keys)
    assert found["K0000"].seen_hash == "h"
    assert found["K1099"].ref == RecordRef(
        source_system="fusion", target_system="jaggaer", entity="supplier", source_key="K1099"
    )


def _intent(ref: RecordRef = REF, version: datetime = V2, payload_hash: str = "h2") -> Intent:
    return Intent(ref=ref, natural_key=f"PO-{ref.source_key}", version=version, payload_hash=payload_hash)


def _written(ref: RecordRef = REF, version: datetime = V2, payload_hash: str = "h2", target: str = "JAG-1") -> Written:
    return Written(ref=ref, version=version, payload_hash=payload_hash, target_id=target)


def test_intents_then_outcomes_clear_them_and_audit_the_writes(store: Store) -> None:
    other = REF.model_copy(update={"source_key": "301"})
    store.ledger.record_intents([_intent(), _intent(other)], "run-1")
    entry = _get(store)
    assert entry.has_open_intent
    assert (entry.intent_version, entry.intent_hash, entry.intent_run_id) == (V2, "h2", "run-1")
    assert [e.ref for e in store.ledger.open_intents("fusion", "jaggaer", "purchase_order")] == [REF, other]

    store.ledger.record_outcomes("run-1", written=[_written()], audit=[_audit(AuditStatus.POSTED)])

    entry = _get(store)
    assert not entry.has_open_intent
    assert (entry.intent_version, entry.intent_hash, entry.intent_run_id) == (None, None, None)
    assert (entry.written_version, entry.written_hash, entry.target_id, entry.last_run_id) == (
        V2,
        "h2",
        "JAG-1",
        "run-1",
    )
    # A write whose outcome is unknown keeps its intent for the next run to check.
    assert [e.ref for e in store.ledger.open_intents("fusion", "jaggaer", "purchase_order")] == [other]
    [row] = store.audit.query(run_id="run-1")
    assert (row.status, row.record_key, row.source_version) == (AuditStatus.POSTED, "300", V2)


def test_an_intent_without_an_outcome_survives_a_crash(store: Store, store_url: str) -> None:
    store.ledger.record_intents([_intent()], "run-1")
    # The process dies here, mid-call to the target; the next run opens the store afresh.
    store.close()
    reopened = Store.open(store_url)
    try:
        [entry] = reopened.ledger.open_intents("fusion", "jaggaer", "purchase_order")
        assert entry.ref == REF and entry.intent_run_id == "run-1" and entry.written_version is None
        assert reopened.audit.query() == []
    finally:
        reopened.close()


def test_outcomes_and_audit_rows_are_one_transaction(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.ledger.record_intents([_intent()], "run-1")

    def failing_audit(*_args: object) -> None:
        raise RuntimeError("audit insert failed")

    monkeypatch.setattr(ledger_module, "insert_audit", failing_audit)
    with pytest.raises(RuntimeError, match="audit insert failed"):
        store.ledger.record_outcomes("run-1", written=[_written()], audit=[_audit(AuditStatus.POSTED)])

    entry = _get(store)
    assert entry.has_open_intent and entry.written_version is None and entry.target_id is None


def test_a_cleared_intent_keeps_the_last_write_and_has_an_audit_row(store: Store) -> None:
    store.ledger.record_intents([_intent(version=V1, payload_hash="h1")], "run-0")
    store.ledger.record_outcomes("run-0", written=[_written(version=V1, payload_hash="h1")])
    store.ledger.record_intents([_intent()], "run-1")

    store.ledger.record_outcomes("run-2", cleared=[REF], audit=[_audit(AuditStatus.FAILED, "run-2", "rejected: 422")])

    entry = _get(store)
    assert not entry.has_open_intent
    assert (entry.written_version, entry.target_id, entry.last_run_id) == (V1, "JAG-1", "run-2")
    [row] = store.audit.query(run_id="run-2")
    assert (row.status, row.reason) == (AuditStatus.FAILED, "rejected: 422")
