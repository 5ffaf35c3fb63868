"""A backfill launched as the UI launches one (an asset backfill the daemon carries out) of every entity over 30
days of hourly windows becomes one run."""

import logging
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from dagster._core.execution.backfill import PartitionBackfill
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG
from dagster._core.test_utils import InProcessTestWorkspaceLoadTarget, create_test_daemon_workspace_context
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._daemon.backfill import execute_backfill_iteration

from ml_connector_dagster.defs.partitions import SYNC_WINDOWS

# Runs are queued, never launched: what is asserted is how the backfill daemon splits the backfill into runs.
# The event log is kept in memory: planning the run logs one event per asset and window (32 × 720), which the
# SQLite event log commits one by one, taking minutes that say nothing about the split.
_QUEUED = {
    "run_coordinator": {"module": "dagster._core.run_coordinator", "class": "QueuedRunCoordinator"},
    "event_log_storage": {"module": "dagster._core.storage.event_log", "class": "InMemoryEventLogStorage"},
}


@pytest.fixture
def daemon_context() -> Iterator[WorkspaceProcessContext]:
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(executable_path=sys.executable, module_name="ml_connector_dagster.definitions"),
        location_name="ml_connector_dagster",
    )
    with (
        dg.instance_for_test(overrides=_QUEUED) as instance,
        create_test_daemon_workspace_context(InProcessTestWorkspaceLoadTarget(origin), instance) as context,
    ):
        yield context


def test_thirty_days_of_every_entity_backfill_as_one_run(daemon_context: WorkspaceProcessContext) -> None:
    instance = daemon_context.instance
    graph = daemon_context.create_request_context().asset_graph
    last = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    first = last - timedelta(days=30) + timedelta(hours=1)
    keys = SYNC_WINDOWS.get_partition_keys_in_range(
        dg.PartitionKeyRange(
            SYNC_WINDOWS.get_partition_key_for_timestamp(first.timestamp()),
            SYNC_WINDOWS.get_partition_key_for_timestamp(last.timestamp()),
        )
    )
    assert len(keys) == 30 * 24
    # Every asset of the sync windows: the two-way cycles read both systems whole and have no windows, and the
    # reconciliation runs by day.
    every_asset = sorted(key for key in graph.get_all_asset_keys() if graph.get(key).partitions_def == SYNC_WINDOWS)
    assert len(every_asset) == 32, (
        "sixteen entities (five from Fusion and eight from NetSuite to JAGGAER, three back to Fusion), a pull and a "
        "post each"
    )
    backfill = PartitionBackfill.from_asset_partitions(
        backfill_id="thirty-days",
        asset_graph=graph,
        partition_names=keys,
        asset_selection=every_asset,
        backfill_timestamp=time.time(),
        tags={},
        dynamic_partitions_store=instance,
        all_partitions=False,
        title=None,
        description=None,
        run_config=None,
    )
    instance.add_backfill(backfill)

    list(execute_backfill_iteration(daemon_context, logging.getLogger("backfill-test")))

    [run] = instance.get_runs()
    assert run.tags[ASSET_PARTITION_RANGE_START_TAG] == keys[0]
    assert run.tags[ASSET_PARTITION_RANGE_END_TAG] == keys[-1]
    assert sorted(run.asset_selection or ()) == every_asset
    # The checks travel with the assets they guard: the blocking ones of the way out, orders_known of the way back.
    assert {key.name for key in run.asset_check_selection or ()} == {
        "gl_mapping",
        "suppliers_in_jaggaer",
        "orders_known",
        "synced_recently",
    }
