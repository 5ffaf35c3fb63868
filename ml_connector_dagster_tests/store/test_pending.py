"""Held records wait in the pending queue with growing delays, and leave it in the same transaction as the
ledger and audit changes of their batch."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from ml_connector_dagster.store import (
    AuditEntry,
    AuditStatus,
    BackoffPolicy,
    Held,
    Intent,
    PendingEntry,
    RecordRef,
    Store,
    Written,
)
from ml_connector_dagster.store import ledger as ledger_module

V1 = datetime(2025, 1, 1, tzinfo=UTC)
V2 = V1 + timedelta(hours=1)
BACKOFF = BackoffPolicy(first_delay_seconds=60, factor=3, cap_seconds=3600)
ACCOUNT = "account:101.95.60510.120.000.000"


def _ref(key: str, entity: str = "invoice", target: str = "jaggaer") -> RecordRef:
    return RecordRef(source_system="fusion", target_system=target, entity=entity, source_key=key)


def _held(key: str, waits_on: tuple[str, ...] = (ACCOUNT,), version: datetime = V1, **ref: str) -> Held:
    return Held(
        ref=_ref(key, **ref),
        natural_key=f"INV-{key}",
        version=version,
        payload_hash=f"h-{key}-{version.hour}",
        reason=f"waiting on {', '.join(waits_on)}",
        waits_on=waits_on,
    )


def _pending_audit(key: str, run_id: str) -> AuditEntry:
    return AuditEntry(
        run_id=run_id,
        system="jaggaer",
        entity="invoice",
        record_key=key,
        source_version=V1,
        payload_hash="h",
        status=AuditStatus.PENDING,
        reason="waiting on GL mapping for 101.95.60510.120.000.000",
    )


def test_backoff_grows_by_the_factor_and_stops_at_the_cap() -> None:
    assert [BACKOFF.delay(n).total_seconds() for n in range(1, 6)] == [60, 180, 540, 1620, 3600]
    default = BackoffPolicy()
    assert default.delay(1) == timedelta(minutes=5)
    assert default.delay(2) == timedelta(minutes=10)
    assert default.delay(8) == timedelta(hours=6)
    # Far past the cap, the power would overflow a float.
    assert default.delay(5000) == timedelta(hours=6)
    assert BackoffPolicy(factor=1).delay(40) == timedelta(minutes=5)
    with pytest.raises(ValueError, match="attempts"):
        default.delay(0)
    with pytest.raises(ValidationError):
        BackoffPolicy(factor=0.5)
    with pytest.raises(ValidationError):
        BackoffPolicy(first_delay_seconds=0)


def test_holding_a_record_queues_it_and_holding_it_again_counts_the_attempt(store: Store) -> None:
    before = datetime.now(UTC)
    store.ledger.record_outcomes(
        "run-1", held=[_held("1"), _held("2", waits_on=("supplier:1005", ACCOUNT))], backoff=BACKOFF
    )
    after = datetime.now(UTC)

    first = store.pending.get_many("fusion", "jaggaer", "invoice", ["1", "2", "3"])
    assert set(first) == {"1", "2"}
    entry = first["2"]
    assert entry.ref == _ref("2") and entry.natural_key == "INV-2"
    assert entry.waits_on == ("supplier:1005", ACCOUNT)
    assert (entry.attempts, entry.first_run_id, entry.last_run_id) == (1, "run-1", "run-1")
    assert before <= entry.since == entry.last_tried_at <= after
    assert entry.next_try_at - entry.last_tried_at == timedelta(seconds=60)
    assert entry.since.tzinfo is UTC

    store.ledger.record_outcomes("run-2", held=[_held("2", waits_on=("supplier:1005",), version=V2)], backoff=BACKOFF)

    again = store.pending.get_many("fusion", "jaggaer", "invoice", ["2"])["2"]
    assert (again.attempts, again.first_run_id, again.since) == (2, "run-1", entry.since)
    assert (again.last_run_id, again.version, again.payload_hash) == ("run-2", V2, "h-2-1")
    assert again.waits_on == ("supplier:1005",) and again.reason == "waiting on supplier:1005"
    assert again.last_tried_at > entry.last_tried_at
    assert again.next_try_at - again.last_tried_at == timedelta(seconds=180)
    # The token it no longer waits on does not bring it forward.
    assert store.pending.make_due([ACCOUNT]) == 1
    assert store.pending.get_many("fusion", "jaggaer", "invoice", ["2"])["2"].next_try_at == again.next_try_at


def test_released_records_leave_the_queue_with_the_write_that_released_them(store: Store) -> None:
    store.ledger.record_outcomes("run-1", held=[_held("1"), _held("2")], backoff=BACKOFF)
    store.ledger.record_intents([Intent(ref=_ref("1"), natural_key="INV-1", version=V1, payload_hash="h")], "run-2")

    store.ledger.record_outcomes(
        "run-2",
        written=[Written(ref=_ref("1"), version=V1, payload_hash="h", target_id="J-1")],
        released=[_ref("1"), _ref("never-held")],
    )

    assert [entry.ref.source_key for entry in store.pending.list()] == ["2"]
    assert store.ledger.get_many("fusion", "jaggaer", "invoice", ["1"])["1"].target_id == "J-1"
    # Its dependency rows went with it: only record 2 is still waiting on the account.
    assert store.pending.make_due([ACCOUNT]) == 1


def test_held_and_released_commit_with_the_audit_rows_or_not_at_all(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.ledger.record_outcomes("run-1", held=[_held("1")], backoff=BACKOFF)

    def failing_audit(*_args: object) -> None:
        raise RuntimeError("audit insert failed")

    monkeypatch.setattr(ledger_module, "insert_audit", failing_audit)
    with pytest.raises(RuntimeError, match="audit insert failed"):
        store.ledger.record_outcomes(
            "run-2", held=[_held("2")], released=[_ref("1")], audit=[_pending_audit("2", "run-2")], backoff=BACKOFF
        )
    monkeypatch.undo()

    assert [entry.ref.source_key for entry in store.pending.list()] == ["1"]
    assert store.audit.query() == []

    store.ledger.record_outcomes(
        "run-3", held=[_held("2")], released=[_ref("1")], audit=[_pending_audit("2", "run-3")], backoff=BACKOFF
    )
    assert [entry.ref.source_key for entry in store.pending.list()] == ["2"]
    assert [(row.record_key, row.status) for row in store.audit.query()] == [("2", AuditStatus.PENDING)]


def test_holding_needs_a_backoff_and_a_record_cannot_be_held_and_released_at_once(store: Store) -> None:
    with pytest.raises(ValueError, match="BackoffPolicy"):
        store.ledger.record_outcomes("run-1", held=[_held("1")])
    with pytest.raises(ValueError, match="both held and released.*: 1"):
        store.ledger.record_outcomes("run-1", held=[_held("1")], released=[_ref("1")], backoff=BACKOFF)
    assert store.pending.list() == []


def test_list_and_for_entity_filter_and_return_the_oldest_first(store: Store) -> None:
    store.ledger.record_outcomes("run-1", held=[_held("B"), _held("A")], backoff=BACKOFF)
    store.ledger.record_outcomes(
        "run-2",
        held=[_held("C"), _held("S", entity="supplier"), _held("N", target="netsuite")],
        backoff=BACKOFF,
    )
    # Holding A again keeps its place in line: age counts from when it was first held.
    store.ledger.record_outcomes("run-3", held=[_held("A")], backoff=BACKOFF)

    def keys(entries: list[PendingEntry]) -> list[str]:
        return [entry.ref.source_key for entry in entries]

    assert keys(store.pending.list()) == ["A", "B", "C", "S", "N"]
    assert keys(store.pending.list(entity="invoice")) == ["A", "B", "C", "N"]
    assert keys(store.pending.list(target_system="jaggaer", entity="invoice")) == ["A", "B", "C"]
    assert keys(store.pending.list(source_system="netsuite")) == []
    assert keys(store.pending.for_entity("fusion", "jaggaer", "invoice")) == ["A", "B", "C"]

    now = datetime.now(UTC)
    assert store.pending.for_entity("fusion", "jaggaer", "invoice", due_before=now) == []
    # A was tried twice, so it waits three times as long as the others.
    soon = now + timedelta(seconds=90)
    assert keys(store.pending.for_entity("fusion", "jaggaer", "invoice", due_before=soon)) == ["B", "C"]
    later = now + timedelta(seconds=200)
    assert keys(store.pending.for_entity("fusion", "jaggaer", "invoice", due_before=later)) == ["A", "B", "C"]


def test_make_due_brings_forward_only_records_waiting_on_the_tokens(store: Store) -> None:
    store.ledger.record_outcomes(
        "run-1",
        held=[
            _held("1", waits_on=("supplier:1005",)),
            _held("2", waits_on=("supplier:1005", ACCOUNT)),
            _held("3", waits_on=("supplier:2000",)),
            _held("4", waits_on=("supplier:1005",), entity="purchase_order"),
        ],
        backoff=BACKOFF,
    )

    assert store.pending.make_due([]) == 0
    assert store.pending.make_due(["supplier:9999"]) == 0
    before = datetime.now(UTC)
    assert store.pending.make_due(["supplier:1005", "supplier:1005"]) == 3
    after = datetime.now(UTC)
    # Already due: nothing more to bring forward.
    assert store.pending.make_due(["supplier:1005", ACCOUNT]) == 0

    due = store.pending.for_entity("fusion", "jaggaer", "invoice", due_before=after)
    assert [entry.ref.source_key for entry in due] == ["1", "2"]
    assert all(before <= entry.next_try_at <= after for entry in due)
    assert [e.ref.source_key for e in store.pending.for_entity("fusion", "jaggaer", "purchase_order", after)] == ["4"]


def test_many_held_records_in_one_batch(store: Store) -> None:
    held = [_held(f"K{i:04d}", waits_on=(f"supplier:{i % 7}",)) for i in range(450)]
    store.ledger.record_outcomes("run-1", held=held, backoff=BACKOFF)
    store.ledger.record_outcomes("run-2", held=held[:300], backoff=BACKOFF)

    found = store.pending.get_many("fusion", "jaggaer", "invoice", [item.ref.source_key for item in held])
    assert len(found) == 450
    assert [found[f"K{i:04d}"].attempts for i in (0, 299, 300, 449)] == [2, 2, 1, 1]
    assert store.pending.make_due(["supplier:3"]) == len([i for i in range(450) if i % 7 == 3])

    store.ledger.record_outcomes("run-3", released=[item.ref for item in held[:420]])
    assert len(store.pending.list()) == 30
