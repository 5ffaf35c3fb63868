"""The connector as a run uses it: a fresh SQLite store, clients from the vault, each entity's Pull then Post
over one window, built as the Dagster steps build them (the post with its flow's dependency check)."""

import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType

from ml_connector_dagster.cli.simulators import store_simulator_credentials
from ml_connector_dagster.connections import fusion_client, jaggaer_client
from ml_connector_dagster.defs.flows.engine import new_post, new_pull
from ml_connector_dagster.flows import flow_named
from ml_connector_dagster.fusion.simulator import FusionSimSettings
from ml_connector_dagster.jaggaer.simulator import JaggaerSimSettings
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.store import MappingRule, MasterKeys, Store, generate_key
from ml_connector_dagster.sync.report import FlowReport

from results import Window

# The common case: cost center = segment 2, JAGGAER's GL field holds the whole combination.
GL_RULE = MappingRule(cost_center_segment=2, gl_account="combination")
# What orders and invoices need in JAGGAER before they post, in the order a run posts it.
REFERENCE_ENTITIES = ("cost_centers", "gl_accounts", "suppliers")


class ReferenceDataError(RuntimeError):
    """Reference data did not all reach JAGGAER: the posts measured after it would wait or fail."""


class ConnectorFlow:
    """One store, one run id, both clients and the connector's settings as shipped; use as a context manager."""

    def __init__(self, fusion_url: str, jaggaer_url: str) -> None:
        self._home = tempfile.TemporaryDirectory(prefix="bench-store-")
        url = f"sqlite:///{Path(self._home.name) / 'store.db'}"
        self.store = Store.open(url, MasterKeys.from_env_value(generate_key()))
        store_simulator_credentials(self.store, fusion_url, jaggaer_url, FusionSimSettings(), JaggaerSimSettings())
        self.fusion = fusion_client(self.store)
        self.jaggaer = jaggaer_client(self.store)
        self.settings = ConnectorSettings()
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

    def put_references(self, window: Window) -> None:
        """The GL rule, then cost centers, GL values and the suppliers of `window` pulled and posted, as a run
        leaves them before its transactions post. Raises ReferenceDataError when any of them did not post."""
        self.store.gl_mappings.set_rule(GL_RULE, "bench", "benchmarks")
        for entity in REFERENCE_ENTITIES:
            pulled, _ = self.pull(entity, window)
            posted, _ = self.post(entity, window)
            short = pulled.counts.quarantined + posted.counts.failed + posted.counts.pending
            if short or not pulled.counts.staged:
                reason = (pulled.problems + posted.problems + ["none staged"])[0]
                raise ReferenceDataError(f"{entity} did not all reach JAGGAER ({posted.counts.line()}): {reason}")

    def pull(self, entity: str, window: Window) -> tuple[FlowReport, float]:
        """The entity's records read, validated and staged into the store."""
        flow = flow_named(entity)
        return _timed(new_pull(flow, self.store, flow.feed(self.fusion), self.run_id).run, window)

    def post(self, entity: str, window: Window) -> tuple[FlowReport, float]:
        """Every staged record of the window resolved against the store (supplier, GL mapping) and written to
        JAGGAER, with its ledger and audit rows."""
        flow = flow_named(entity)
        post = new_post(flow, self.store, flow.sink(self.jaggaer), self.run_id, self.settings)
        return _timed(post.run, window)


def _timed(step: Callable[[datetime, datetime], FlowReport], window: Window) -> tuple[FlowReport, float]:
    started = time.perf_counter()
    report = step(window.start, window.end)
    return report, time.perf_counter() - started
