"""The invoices sensor as Dagster evaluates it: one `limit=1` probe per window with changes, against the Fusion
simulator over loopback, with the watermark in a real store and a real Dagster instance."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import httpx
import pytest
from dagster._core.definitions.sensor_definition import SensorExecutionData

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.definitions import defs
from ml_connector_dagster.defs.fusion.resources import FusionResource
from ml_connector_dagster.defs.partitions import PARTITION_FORMAT
from ml_connector_dagster.defs.store.resources import ConnectorStoreResource
from ml_connector_dagster.store import Store

from .conftest import hours_ago

WATERMARK = "sensor:fusion:invoices"


def tick(instance: dg.DagsterInstance, cursor: str | None = None) -> SensorExecutionData:
    """One evaluation of the invoices sensor, as the daemon runs it: a fresh context with the code location's
    resources (the store named by the environment the `connector_env` fixture set)."""
    sensor = defs.resolve_sensor_def("invoices_changes")
    resources = {"store": ConnectorStoreResource(), "fusion": FusionResource()}
    repository = defs.get_repository_def()
    with dg.build_sensor_context(
        instance=instance, resources=resources, cursor=cursor, repository_def=repository
    ) as context:
        return sensor.evaluate_tick(context)


def fusion_stats(sims: LocalSimulators) -> dict[str, int]:
    return httpx.get(f"{sims.fusion_url}/__sim__/stats").json()


def probes(sims: LocalSimulators, before: dict[str, int]) -> tuple[int, int]:
    """Requests to any resource, and to the invoices collection, since `before`."""
    after = fusion_stats(sims)
    return (
        after["requests"] - before["requests"],
        after["invoice_collection_requests"] - before["invoice_collection_requests"],
    )


def invoice_ids(sims: LocalSimulators) -> list[int]:
    answer = httpx.get(
        f"{sims.fusion_url}/fscmRestApi/resources/11.13.18.05/invoices",
        params={"limit": 50, "onlyData": "true", "fields": "InvoiceId", "orderBy": "InvoiceId:asc"},
        auth=("integration.user", "Welcome1"),
        headers={"REST-Framework-Version": "6"},
    )
    return [int(item["InvoiceId"]) for item in answer.raise_for_status().json()["items"]]


def partition_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(PARTITION_FORMAT)


@pytest.fixture
def old_invoices(plain_store: Store, sims: LocalSimulators) -> list[int]:
    """Four invoices changed two days ago: before where a new sensor starts looking (one day back)."""
    sims.fusion.seed_invoices(4, hours_ago(48), hours_ago(47))
    ids = invoice_ids(sims)
    assert len(ids) == 4
    return ids


def test_a_quiet_source_costs_one_request_per_tick_and_requests_nothing(
    old_invoices: list[int], sims: LocalSimulators, instance: dg.DagsterInstance, plain_store: Store
) -> None:
    for _ in range(3):
        before = fusion_stats(sims)
        quiet = tick(instance)
        assert probes(sims, before) == (1, 1)
        assert quiet.run_requests == [] and quiet.skip_message
        assert quiet.skip_message.startswith("no closed window with changes since ")
    # The first tick set the watermark one day (plus the settle lag) back; quiet ticks leave it there.
    mark = plain_store.watermarks.get(WATERMARK)
    assert mark is not None
    assert timedelta(days=1) < datetime.now(UTC) - mark < timedelta(days=1, minutes=15)


def test_changes_in_closed_windows_are_requested_once_and_the_watermark_survives_a_reset(
    old_invoices: list[int], sims: LocalSimulators, instance: dg.DagsterInstance, plain_store: Store
) -> None:
    first, second, open_now, late = old_invoices
    changed = [
        sims.fusion.touch_invoice(first, hours_ago(5) + timedelta(minutes=10)),
        sims.fusion.touch_invoice(second, hours_ago(3) + timedelta(minutes=20, seconds=30)),
    ]
    # A change in the window that is still open: not requested until that window has closed and settled.
    sims.fusion.touch_invoice(open_now)

    before = fusion_stats(sims)
    requested = tick(instance)

    # One probe per window with changes, and one that finds the open window: three requests, no more.
    assert probes(sims, before) == (3, 3)
    assert [(r.partition_key, r.run_key) for r in requested.run_requests] == [
        (partition_key(hours_ago(5)), f"invoices:{partition_key(hours_ago(5))}:{changed[0].isoformat()}"),
        (partition_key(hours_ago(3)), f"invoices:{partition_key(hours_ago(3))}:{changed[1].isoformat()}"),
    ]
    # The watermark stands at the end of the last window requested, in the store and in the cursor.
    assert plain_store.watermarks.get(WATERMARK) == hours_ago(2)
    assert requested.cursor == hours_ago(2).isoformat()

    again = tick(instance, requested.cursor)
    assert (
        again.run_requests == []
        and again.skip_message == f"no closed window with changes since {hours_ago(2).isoformat()}"
    )
    # A fresh cursor (the sensor reset, or the code location redeployed) loses nothing: the mark is in the store.
    before = fusion_stats(sims)
    reset = tick(instance, None)
    assert reset.run_requests == [] and probes(sims, before) == (1, 1)

    # The watermark only moves forward: a change stamped in an old window after the sensor passed it is not the
    # sensor's to find. The hourly schedule re-reads each window (with its lookback overlap) and catches it.
    sims.fusion.touch_invoice(late, hours_ago(4) + timedelta(minutes=5))
    assert tick(instance, None).run_requests == []
    assert plain_store.watermarks.get(WATERMARK) == hours_ago(2)


def test_a_closed_window_still_settling_is_not_requested(
    old_invoices: list[int],
    sims: LocalSimulators,
    instance: dg.DagsterInstance,
    plain_store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With a two-hour settle lag the window that closed an hour ago still settles, the one before it does not.
    # Settling is judged against the clock, so the hours count back from now, not from the session's start.
    def ago(hours: int) -> datetime:
        return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours)

    monkeypatch.setenv("ML_CONNECTOR_SETTLE_LAG_MINUTES", "120")
    sims.fusion.touch_invoice(old_invoices[0], ago(3) + timedelta(minutes=1))
    settling = sims.fusion.touch_invoice(old_invoices[1], ago(2) + timedelta(minutes=40))

    requested = tick(instance)

    assert [r.partition_key for r in requested.run_requests] == [partition_key(ago(3))]
    assert plain_store.watermarks.get(WATERMARK) == ago(2)

    # Once the lag no longer covers it, the next tick requests the window it held back.
    monkeypatch.setenv("ML_CONNECTOR_SETTLE_LAG_MINUTES", "0")
    later = tick(instance, requested.cursor)
    assert [r.run_key for r in later.run_requests] == [f"invoices:{partition_key(ago(2))}:{settling.isoformat()}"]
