"""Staging dedupes by (key, version) and streams a window back in keyset-paginated batches."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError
from sqlalchemy import event

from ml_connector_dagster.store import StagedRecord, Store

BASE = datetime(2025, 1, 1, tzinfo=UTC)


def _record(key: str, version: datetime, entity: str = "purchase_order", system: str = "fusion") -> StagedRecord:
    return StagedRecord(
        source_system=system,
        entity=entity,
        source_key=key,
        natural_key=f"PO-{key}",
        version=version,
        payload_hash=f"hash-{key}-{version.isoformat()}",
        payload=f'{{"key":"{key}"}}',
        pulled_run_id="run-1",
    )


def test_stage_ignores_a_key_and_version_already_staged(store: Store) -> None:
    first = [_record("A", BASE), _record("B", BASE), _record("A", BASE)]
    assert store.staging.stage(first) == 2
    # An overlapping re-pull: A and B again at the same versions, A at a newer one.
    assert store.staging.stage([_record("A", BASE), _record("B", BASE), _record("A", BASE + timedelta(1))]) == 1
    assert store.staging.stage([]) == 0

    batches = list(store.staging.iter_between("fusion", "purchase_order", BASE, BASE + timedelta(2)))
    assert [(r.source_key, r.version) for batch in batches for r in batch] == [
        ("A", BASE),
        ("B", BASE),
        ("A", BASE + timedelta(1)),
    ]
    assert batches[0][0] == first[0]


def test_iter_between_streams_a_half_open_window_in_version_then_key_order(store: Store) -> None:
    # Many keys share each version, so ties straddle batch boundaries; keys are staged out of order.
    records = [_record(f"K{(i * 7919) % 1203:05d}", BASE + timedelta(seconds=i // 7)) for i in range(1203)]
    store.staging.stage(records)
    lo, hi = BASE + timedelta(seconds=1), BASE + timedelta(seconds=170)
    # Same window, other entity and other system: must not leak in.
    store.staging.stage([_record("X", lo, entity="invoice"), _record("Y", lo, system="netsuite")])

    queries: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: queries.append(args[2]))
    stream = store.staging.iter_between("fusion", "purchase_order", lo, hi, batch_size=100)
    first = next(stream)
    # Lazy: one page read, not the window.
    assert len([q for q in queries if q.lstrip().upper().startswith("SELECT")]) == 1
    batches = [first, *stream]

    expected = sorted(((r.version, r.source_key) for r in records if lo <= r.version < hi), key=lambda pair: pair)
    got = [(r.version, r.source_key) for batch in batches for r in batch]
    assert got == expected
    assert len(got) == 169 * 7
    assert all(len(batch) == 100 for batch in batches[:-1]) and 0 < len(batches[-1]) <= 100
    assert got[0][0] == lo and max(version for version, _ in got) < hi


def test_iter_between_on_an_empty_window_yields_nothing(store: Store) -> None:
    store.staging.stage([_record("A", BASE)])
    assert list(store.staging.iter_between("fusion", "purchase_order", BASE - timedelta(1), BASE)) == []
    with pytest.raises(ValueError, match="batch_size"):
        next(store.staging.iter_between("fusion", "purchase_order", BASE, BASE, batch_size=0))


def test_staged_versions_must_be_timezone_aware() -> None:
    with pytest.raises(ValidationError):
        _record("A", datetime(2025, 1, 1))


def test_get_many_finds_records_by_key_and_version(store: Store) -> None:
    later = BASE + timedelta(hours=1)
    store.staging.stage(
        [_record("A", BASE), _record("A", later), _record("B", BASE), _record("A", BASE, entity="invoice")]
    )
    # The same instant in another zone is the same version.
    same_instant = later.astimezone(timezone(timedelta(hours=-7)))
    wanted = [("A", same_instant), ("B", BASE), ("B", later), ("C", BASE)]

    found = store.staging.get_many("fusion", "purchase_order", wanted)

    assert set(found) == {("A", later), ("B", BASE)}
    assert found[("A", same_instant)] == _record("A", later)
    assert store.staging.get_many("fusion", "purchase_order", []) == {}
    many = [(f"K{i}", BASE) for i in range(1200)]
    store.staging.stage([_record(key, version) for key, version in many])
    assert len(store.staging.get_many("fusion", "purchase_order", many)) == 1200


def test_latest_returns_the_newest_version_of_each_key(store: Store) -> None:
    store.staging.stage(
        [
            _record("A", BASE + timedelta(hours=2)),
            _record("A", BASE),
            _record("A", BASE + timedelta(hours=1)),
            _record("B", BASE),
            _record("A", BASE + timedelta(hours=5), entity="invoice"),
            _record("A", BASE + timedelta(hours=6), system="netsuite"),
        ]
    )

    latest = store.staging.latest("fusion", "purchase_order", ["A", "B", "C", "A"])

    assert latest == {"A": _record("A", BASE + timedelta(hours=2)), "B": _record("B", BASE)}
    keys = [f"K{i:04d}" for i in range(1100)]
    store.staging.stage([_record(key, BASE + timedelta(minutes=minute)) for key in keys for minute in (3, 1)])
    found = store.staging.latest("fusion", "purchase_order", keys)
    assert len(found) == 1100 and {record.version for record in found.values()} == {BASE + timedelta(minutes=3)}
