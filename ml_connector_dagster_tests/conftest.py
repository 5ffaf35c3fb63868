"""Fixtures for tests that run the connector as a user would: simulators on loopback, a real store,
a real Dagster instance."""

from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from ml_connector_dagster.cli.runs import SyncRunResult, run_flows
from ml_connector_dagster.cli.simulators import LocalSimulators, running_simulators
from ml_connector_dagster.connections import fusion_client, jaggaer_client
from ml_connector_dagster.defs.flows.assets import post_key, pull_key
from ml_connector_dagster.flows import flow_named
from ml_connector_dagster.store import MappingRule, MasterKeys, Store, generate_key
from ml_connector_dagster.sync.post import Post
from ml_connector_dagster.sync.pull import Pull
from ml_connector_dagster_tests.cli_fixtures import ConnectorCli


@dataclass
class ConnectorEnv:
    store_url: str
    master_key: str

    def open_store(self) -> Store:
        return Store.open(self.store_url, MasterKeys.from_env_value(self.master_key))


@pytest.fixture
def connector_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ConnectorEnv:
    """The environment a deployment sets: its own home, store URL and master key."""
    env = ConnectorEnv(store_url=f"sqlite:///{tmp_path / 'connector.db'}", master_key=generate_key())
    monkeypatch.setenv("ML_CONNECTOR_HOME", str(tmp_path))
    monkeypatch.setenv("ML_CONNECTOR_DATABASE_URL", env.store_url)
    monkeypatch.setenv("ML_CONNECTOR_MASTER_KEY", env.master_key)
    return env


@pytest.fixture
def sims() -> Iterator[LocalSimulators]:
    with running_simulators() as running:
        yield running


@pytest.fixture(scope="module")
def simulators() -> Iterator[LocalSimulators]:
    """Both simulators shared by a module's tests, for tests that only read or add their own records."""
    with running_simulators() as running:
        yield running


@pytest.fixture
def cli(tmp_path: Path) -> ConnectorCli:
    """One user's machine for the installed `ml-connector` command."""
    return ConnectorCli(tmp_path)


@pytest.fixture
def store(connector_env: ConnectorEnv, sims: LocalSimulators) -> Iterator[Store]:
    """The store, with the `default` profiles pointing at the simulators, and the reference data and suppliers
    transactions need already in JAGGAER."""
    opened = connector_env.open_store()
    sims.store_credentials(opened)
    post_reference_data(opened, sims)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as test_instance:
        yield test_instance


# One clock for the whole session: a test that reads `hours_ago(5)` twice must get the same window even when
# the hour turns between the two calls (windows are an hour; the session takes minutes).
_SESSION_HOUR = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def hours_ago(hours: int) -> datetime:
    """The start of the hour `hours` hours before the one the session started in (n ≥ 1: a settled window)."""
    return _SESSION_HOUR - timedelta(hours=hours)


PURCHASE_ORDERS = flow_named("purchase_orders")
PULL_ASSET = pull_key(PURCHASE_ORDERS)
POST_ASSET = post_key(PURCHASE_ORDERS)
# The common case: cost center = segment 2, and JAGGAER's GL field holds the whole combination.
RULE = MappingRule(delimiter=".", cost_center_segment=2, gl_account="combination")
_REFERENCE_WINDOW_HOURS = 40


def run_purchase_orders(instance: dg.DagsterInstance, start: datetime, end: datetime) -> SyncRunResult:
    """The purchase-order job alone, as `ml-connector sync purchase-orders` runs it."""
    return run_flows(instance, start, end, (PURCHASE_ORDERS,))


def post_reference_data(store: Store, sims: LocalSimulators) -> None:
    """What transactions need in JAGGAER before they post (cost centers, GL values, the suppliers they name,
    and the GL rule), put there through the same engine a run uses, without a Dagster run of its own."""
    store.gl_mappings.set_rule(RULE, "tests", "conftest")
    start = hours_ago(_REFERENCE_WINDOW_HOURS)
    end = start + timedelta(hours=1)
    sims.fusion.seed_suppliers(0, start, end)
    with closing(fusion_client(store)) as source, closing(jaggaer_client(store)) as target:
        for entity in ("cost_centers", "gl_accounts", "suppliers"):
            flow = flow_named(entity)
            Pull(store, flow.feed(source), flow.target, "test-setup").run(start, end)
            Post(store, flow.sink(target), flow.source, flow.entity, "test-setup").run(start, end)
