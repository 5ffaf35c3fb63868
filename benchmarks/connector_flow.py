"""The connector as a run uses it: a fresh SQLite store, clients from the vault, Pull then Post over one window."""

import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType

from ml_connector_dagster.cli.simulators import store_simulator_credentials
from ml_connector_dagster.connections import fusion_client, jaggaer_client
from ml_connector_dagster.fusion.feeds import FusionPurchaseOrderFeed
from ml_connector_dagster.fusion.simulator import FusionSimSettings
from ml_connector_dagster.jaggaer.simulator import JaggaerSimSettings
from ml_connector_dagster.jaggaer.sinks import JaggaerPurchaseOrderSink
from ml_connector_dagster.store import MasterKeys, Store, generate_key
from ml_connector_dagster.sync.post import Post
from ml_connector_dagster.sync.pull import Pull
from ml_connector_dagster.sync.report import FlowReport

from results import Window


class ConnectorFlow:
    """One store, one run id, both clients with their default settings; use as a context manager."""

    def __init__(self, fusion_url: str, jaggaer_url: str) -> None:
        self._home = tempfile.TemporaryDirectory(prefix="bench-store-")
        url = f"sqlite:///{Path(self._home.name) / 'store.db'}"
        self.store = Store.open(url, MasterKeys.from_env_value(generate_key()))
        store_simulator_credentials(self.store, fusion_url, jaggaer_url, FusionSimSettings(), JaggaerSimSettings())
        self.fusion = fusion_client(self.store)
        self.jaggaer = jaggaer_client(self.store)
        self.run_id = f"bench-{uuid.uuid4().hex[:12]}"

    def __enter__(self) -> "ConnectorFlow":
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.fusion.close()
        self.jaggaer.close()
        self.store.close()
        self._home.cleanup()

    def pull(self, window: Window) -> tuple[FlowReport, float]:
        """Headers and children read, validated and staged into the store."""
        pull = Pull(self.store, FusionPurchaseOrderFeed(self.fusion), "jaggaer", self.run_id)
        return _timed(pull.run, window)

    def post(self, window: Window) -> tuple[FlowReport, float]:
        """Every staged order of the window written to JAGGAER, with its ledger and audit rows."""
        post = Post(self.store, JaggaerPurchaseOrderSink(self.jaggaer), "fusion", "purchase_orders", self.run_id)
        return _timed(post.run, window)


def _timed(step: Callable[[datetime, datetime], FlowReport], window: Window) -> tuple[FlowReport, float]:
    started = time.perf_counter()
    report = step(window.start, window.end)
    return report, time.perf_counter() - started
