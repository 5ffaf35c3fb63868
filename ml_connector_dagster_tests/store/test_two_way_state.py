"""The agreed views of two-way reference data: set per entity and key, replaced in place, kept apart by entity."""

from ml_connector_dagster.store import Store
from ml_connector_dagster.store.two_way import Agreed


def _agreed(key: str, hash_: str) -> Agreed:
    return Agreed(natural_key=key, view_hash=hash_, view=f'{{"key": "{key}", "hash": "{hash_}"}}')


def test_agreed_views_are_replaced_in_place_and_kept_per_entity(store: Store) -> None:
    assert store.two_way.agreed("suppliers") == {}
    store.two_way.record("suppliers", [_agreed("1001", "a"), _agreed("1002", "b")], "run-1")
    store.two_way.record("cost_centers", [_agreed("1001", "c")], "run-1")

    store.two_way.record("suppliers", [_agreed("1002", "b2"), _agreed("1003", "d")], "run-2")
    store.two_way.record("suppliers", [], "run-3")

    assert store.two_way.agreed("suppliers") == {
        "1001": _agreed("1001", "a"),
        "1002": _agreed("1002", "b2"),
        "1003": _agreed("1003", "d"),
    }
    assert store.two_way.agreed("cost_centers") == {"1001": _agreed("1001", "c")}
