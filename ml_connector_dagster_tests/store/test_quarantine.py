"""Quarantine entries are refreshed on repeat, resolved once, and reopened if the record fails again."""

from datetime import UTC, datetime

from ml_connector_dagster.store import QuarantineEntry, Store

VERSION = datetime(2025, 1, 1, tzinfo=UTC)


def _entry(key: str, reason: str, run_id: str = "run-1", entity: str = "invoice") -> QuarantineEntry:
    return QuarantineEntry(
        source_system="fusion",
        entity=entity,
        record_key=key,
        source_version=VERSION,
        reason=reason,
        raw_payload=f'{{"key":"{key}"}}',
        run_id=run_id,
    )


def test_put_refreshes_an_entry_and_keeps_when_it_was_first_seen(store: Store) -> None:
    store.quarantine.put([_entry("A", "missing supplier"), _entry("B", "bad currency"), _entry("C", "x", entity="po")])
    [first_a] = [row for row in store.quarantine.list_open() if row.record_key == "A"]

    store.quarantine.put([_entry("A", "stale", run_id="run-2"), _entry("A", "negative amount", run_id="run-2")])

    open_rows = store.quarantine.list_open(source_system="fusion", entity="invoice")
    assert [row.record_key for row in open_rows] == ["A", "B"]
    a = open_rows[0]
    assert (a.reason, a.run_id) == ("negative amount", "run-2")
    assert a.first_seen_at == first_a.first_seen_at < a.last_seen_at
    assert a.resolved_at is None and a.first_seen_at.tzinfo is UTC
    assert [row.record_key for row in store.quarantine.list_open(limit=1)] == ["A"]


def test_resolve_closes_open_entries_and_a_new_failure_reopens_them(store: Store) -> None:
    store.quarantine.put([_entry("A", "missing supplier"), _entry("B", "bad currency")])

    assert store.quarantine.resolve("fusion", "invoice", ["A", "unknown"], "run-2") == 1
    assert store.quarantine.resolve("fusion", "invoice", ["A"], "run-3") == 0
    assert [row.record_key for row in store.quarantine.list_open()] == ["B"]

    store.quarantine.put([_entry("A", "missing supplier again", run_id="run-4")])
    reopened = {row.record_key: row for row in store.quarantine.list_open()}
    assert set(reopened) == {"A", "B"}
    assert reopened["A"].resolved_at is None and reopened["A"].resolved_run_id is None
