"""Watermarks only move forward."""

from datetime import UTC, datetime, timedelta, timezone

from ml_connector_dagster.store import Store

T1 = datetime(2025, 1, 1, tzinfo=UTC)


def test_advance_moves_forward_never_back_and_returns_the_stored_mark(store: Store) -> None:
    assert store.watermarks.get("fusion.invoice") is None

    assert store.watermarks.advance("fusion.invoice", T1) == T1
    later = T1 + timedelta(hours=2)
    assert store.watermarks.advance("fusion.invoice", later) == later
    assert store.watermarks.advance("fusion.invoice", T1) == later
    assert store.watermarks.advance("fusion.invoice", later) == later
    assert store.watermarks.advance("fusion.supplier", T1) == T1

    assert store.watermarks.get("fusion.invoice") == later
    assert store.watermarks.get("fusion.supplier") == T1


def test_marks_are_compared_and_returned_in_utc(store: Store) -> None:
    store.watermarks.advance("m", T1)
    # 03:00 at UTC+5 is 22:00 UTC the day before: earlier, so the mark stays.
    east = datetime(2025, 1, 1, 3, 0, tzinfo=timezone(timedelta(hours=5)))
    assert store.watermarks.advance("m", east) == T1
    # 20:00 at UTC-5 is 01:00 UTC: later.
    west = datetime(2024, 12, 31, 20, 0, tzinfo=timezone(timedelta(hours=-5)))
    stored = store.watermarks.advance("m", west)
    assert stored == T1 + timedelta(hours=1) and stored.tzinfo is UTC
    assert store.watermarks.get("m") == stored
