"""Ledger lookups by natural key and state, and a full scan in bounded batches."""

from datetime import UTC, datetime

from sqlalchemy import event

from ml_connector_dagster.store import Intent, RecordRef, SeenVersion, Store, Written

V1 = datetime(2025, 1, 1, tzinfo=UTC)


def _ref(key: str, entity: str = "cost_center", target: str = "jaggaer") -> RecordRef:
    return RecordRef(source_system="fusion", target_system=target, entity=entity, source_key=key)


def _write(store: Store, key: str, natural_key: str, state: str | None, **ref: str) -> None:
    store.ledger.record_intents(
        [Intent(ref=_ref(key, **ref), natural_key=natural_key, version=V1, payload_hash="h")], "r"
    )
    written = Written(ref=_ref(key, **ref), version=V1, payload_hash="h", target_id=f"J-{key}", target_state=state)
    store.ledger.record_outcomes("r", written=[written])


def test_written_target_state_is_kept_and_replaced_by_the_next_write(store: Store) -> None:
    _write(store, "1", "CC-10", "active")
    assert store.ledger.get_many("fusion", "jaggaer", "cost_center", ["1"])["1"].target_state == "active"
    _write(store, "1", "CC-10", "inactive")
    assert store.ledger.get_many("fusion", "jaggaer", "cost_center", ["1"])["1"].target_state == "inactive"


def test_natural_keys_with_state_only_counts_records_in_the_target(store: Store) -> None:
    _write(store, "1", "CC-10", "active")
    _write(store, "2", "CC-20", "inactive")
    _write(store, "3", "CC-30", "active")
    _write(store, "4", "CC-40", "active", entity="gl_account")
    _write(store, "5", "CC-50", "active", target="netsuite")
    # Seen but never written: not in the target, whatever its state would be.
    store.ledger.record_seen(
        "fusion",
        "jaggaer",
        "cost_center",
        [SeenVersion(source_key="6", natural_key="CC-60", version=V1, payload_hash="h")],
    )

    assert store.ledger.natural_keys_with_state("fusion", "jaggaer", "cost_center", "active") == {"CC-10", "CC-30"}
    assert store.ledger.natural_keys_with_state("fusion", "jaggaer", "cost_center", "inactive") == {"CC-20"}
    assert store.ledger.natural_keys_with_state("fusion", "jaggaer", "supplier", "active") == set()


def test_by_natural_keys_prefers_the_written_record(store: Store) -> None:
    _write(store, "1", "SUP-1005", None, entity="supplier")
    # Another source key with the same natural key, seen later but never written.
    store.ledger.record_seen(
        "fusion",
        "jaggaer",
        "supplier",
        [SeenVersion(source_key="9", natural_key="SUP-1005", version=V1, payload_hash="h")],
    )
    store.ledger.record_seen(
        "fusion",
        "jaggaer",
        "supplier",
        [SeenVersion(source_key="2", natural_key="SUP-2000", version=V1, payload_hash="h")],
    )
    keys = [f"SUP-{i}" for i in range(1200)] + ["SUP-1005", "SUP-2000", "missing"]

    found = store.ledger.by_natural_keys("fusion", "jaggaer", "supplier", keys)

    assert set(found) == {"SUP-1005", "SUP-2000"}
    assert (found["SUP-1005"].ref.source_key, found["SUP-1005"].target_id) == ("1", "J-1")
    assert found["SUP-2000"].target_id is None
    assert store.ledger.by_natural_keys("fusion", "jaggaer", "invoice", keys) == {}


def test_entries_streams_one_flow_in_bounded_batches(store: Store) -> None:
    keys = [f"K{(i * 37) % 1050:04d}" for i in range(1050)]
    store.ledger.record_seen(
        "fusion",
        "jaggaer",
        "supplier",
        [SeenVersion(source_key=key, natural_key=f"N{key}", version=V1, payload_hash="h") for key in keys],
    )
    store.ledger.record_seen(
        "fusion", "jaggaer", "invoice", [SeenVersion(source_key="X", natural_key="X", version=V1, payload_hash="h")]
    )

    queries: list[str] = []
    event.listen(
        store.engine,
        "before_cursor_execute",
        lambda *args: queries.append(args[2]) if args[2].lstrip().upper().startswith("SELECT") else None,
    )
    stream = store.ledger.entries("fusion", "jaggaer", "supplier", batch_size=100)
    next(stream)
    assert len(queries) == 1
    rest = list(stream)

    assert 1 + len(rest) == 1050
    assert len(queries) == 11
    assert [entry.ref.source_key for entry in rest] == sorted(keys)[1:]
    assert list(store.ledger.entries("fusion", "jaggaer", "purchase_order")) == []
