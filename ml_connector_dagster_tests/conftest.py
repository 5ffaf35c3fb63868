"""Fixtures for tests that run the connector as a user would: simulators on loopback, a real store,
a real Dagster instance."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from ml_connector_dagster.cli.runs import SyncRunResult, run_flows
from ml_connector_dagster.cli.simulators import LocalSimulators, running_simulators
from ml_connector_dagster.defs.flows.assets import post_key, pull_key
from ml_connector_dagster.flows import flow_named
from ml_connector_dagster.store import MasterKeys, Store, generate_key
from ml_connector_dagster_tests.cli_fixtures import ConnectorCli
from ml_connector_dagster_tests.fusion_write_pod import Pod, running_pod
from ml_connector_dagster_tests.netsuite_push_endpoint import Endpoint, serving
from ml_connector_dagster_tests.references import post_reference_data


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
def plain_store(connector_env: ConnectorEnv, sims: LocalSimulators) -> Iterator[Store]:
    """The store, with the `default` profiles pointing at the simulators, and nothing synced yet."""
    opened = connector_env.open_store()
    sims.store_credentials(opened)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def store(plain_store: Store, sims: LocalSimulators) -> Store:
    """The store, with the reference data and suppliers transactions need already in JAGGAER."""
    post_reference_data(plain_store, sims)
    return plain_store


@pytest.fixture
def endpoint(connector_env: ConnectorEnv) -> Iterator[Endpoint]:
    """The NetSuite push receiver on loopback over the deployment's store."""
    store = connector_env.open_store()
    try:
        with serving(store) as served:
            yield served
    finally:
        store.close()


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as test_instance:
        yield test_instance


# One clock for the whole session: a test that reads `hours_ago(5)` twice must get the same window even when
# the hour turns between the two calls (windows are an hour; the session takes minutes). The anchor is the
# newest hour whose previous window has settled (the default settle lag is 10 minutes), so `hours_ago(1)` can
# be read however early in the hour the session starts. A window that must still be open: `current_hour()`.
_SESSION_HOUR = (datetime.now(UTC) - timedelta(minutes=10)).replace(minute=0, second=0, microsecond=0)


def hours_ago(hours: int) -> datetime:
    """The start of the hour `hours` hours before the session's anchor hour (n ≥ 1: a settled window)."""
    return _SESSION_HOUR - timedelta(hours=hours)


def current_hour() -> datetime:
    """The start of the hour now, read when called: its window has not closed yet."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


PURCHASE_ORDERS = flow_named("purchase_orders")
PULL_ASSET = pull_key(PURCHASE_ORDERS)
POST_ASSET = post_key(PURCHASE_ORDERS)


def run_purchase_orders(instance: dg.DagsterInstance, start: datetime, end: datetime) -> SyncRunResult:
    """The purchase-order job alone, as `ml-connector sync purchase-orders` runs it."""
    return run_flows(instance, start, end, (PURCHASE_ORDERS,))


@pytest.fixture
def pod() -> Iterator[Pod]:
    """A simulated Fusion pod with 20 purchase orders and a connector client for it (the write-back tests)."""
    with running_pod() as running:
        yield running
