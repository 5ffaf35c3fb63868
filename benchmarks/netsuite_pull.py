"""NetSuite vendor bills pulled by the connector beside what a user would write instead, at 50 ms per request.

The account (the NetSuite simulator, default settings: 2 concurrent requests, more answered 429) runs in a
process of its own. Its window holds `bills` vendor bills of 3 expense lines each (plus the mainline and the
accounting lines); every figure counts transaction lines, body lines only, per second:
  - the connector's pull as a run does it (`netsuite_vendor_bills` flow: headers by keyset, lines, accounting lines
    and vendors by IN lists of 500 read while the next header page is read, converted, validated and staged
    into a fresh SQLite store), with its shipped connection settings (2 concurrent requests), at 50 ms and 0 ms;
  - a naive SuiteQL script: the window's bills by offset paging, then one lines query per bill, one request
    after another;
  - the REST record service as iPaaS recipes use it: the window's bill ids by SuiteQL, then one
    `GET /record/v1/vendorBill/{id}?expandSubResources=true` per bill, 2 at a time (the account's limit).
The two alternatives make a request per bill, so they read a sample of the window's first bills (300 by
default): at their rate the whole window would take minutes. Their lines per second do not depend on the
sample's size, and the table says how many lines each read.
"""

import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from types import TracebackType
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, Field

from ml_connector_dagster.cli.simulators import store_netsuite_credentials
from ml_connector_dagster.connections import netsuite_client
from ml_connector_dagster.defs.flows.engine import new_pull
from ml_connector_dagster.flows import flow_named
from ml_connector_dagster.netsuite.simulator import NetSuiteSimSettings, NetSuiteSimulator
from ml_connector_dagster.netsuite.simulator.auth import SimAuth
from ml_connector_dagster.records import Invoice
from ml_connector_dagster.store import MasterKeys, Store, generate_key
from ml_connector_dagster.sync.report import FlowReport

from results import NETSUITE_BILLS, Measurement, NetSuiteSummary, Window, windows_of
from sim_process import NetSuiteProcess

LATENCY_MS = 50
TARGET_LINES_PER_S = 5000
LINES_PER_BILL = 3
VENDORS = 200
CONNECTOR = "connector pull, lines+accounting+vendors"
NAIVE = "naive SuiteQL, one lines query per bill"
REST = "REST record GET per bill, 2 at a time"
ROW_ORDER = (CONNECTOR, NAIVE, REST)
SUITEQL_PATH = "/services/rest/query/v1/suiteql"
RECORD_PATH = "/services/rest/record/v1/vendorBill"
# SuiteQL compares datetimes as wall-clock times of the account's zone, to the second.
STAMP = "%Y-%m-%d %H:%M:%S"
Progress = Callable[[str], None]
AlternativeReader = Callable[[httpx.Client, Window, int], int]


class NetSuitePlan(BaseModel):
    bills: int = Field(ge=1)
    sample: int = Field(ge=1, le=1000)  # bills the alternatives read, one request each
    repeats: int = Field(ge=1)  # each reader timed this often; the fastest counts


class NetSuiteResult(BaseModel):
    measurements: list[Measurement]
    summary: NetSuiteSummary


class NetSuiteFlow:
    """A fresh SQLite store whose vault holds the M2M profile for the simulated account (the demo certificate),
    and the client a run builds from it; use as a context manager."""

    def __init__(self, url: str) -> None:
        self._home = tempfile.TemporaryDirectory(prefix="bench-netsuite-store-")
        self.store = Store.open(
            f"sqlite:///{Path(self._home.name) / 'store.db'}", MasterKeys.from_env_value(generate_key())
        )
        # A simulator object with the defaults the served one has, for its credentials only.
        store_netsuite_credentials(self.store, url, NetSuiteSimulator(SimAuth()))
        self.client = netsuite_client(self.store)
        self.flow = flow_named(NETSUITE_BILLS)

    def __enter__(self) -> "NetSuiteFlow":
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.client.close()
        self.store.close()
        self._home.cleanup()

    def pull(self, window: Window) -> tuple[FlowReport, float]:
        """The window's bills read, validated and staged; returns the report and its seconds."""
        pull = new_pull(self.flow, self.store, self.flow.feed(self.client), f"bench-{uuid.uuid4().hex[:12]}")
        started = time.perf_counter()
        report = pull.run(window.start, window.end)
        return report, time.perf_counter() - started

    def staged_lines(self, window: Window) -> int:
        """Invoice lines of the bills staged for the window: what the pull delivered, counted after the clock."""
        batches = self.store.staging.iter_between(self.flow.source, NETSUITE_BILLS, window.start, window.end)
        return sum(len(Invoice.model_validate_json(r.payload).lines) for batch in batches for r in batch)


def _local(moment: datetime) -> str:
    zone = ZoneInfo(NetSuiteSimSettings().account_timezone)
    return f"TO_TIMESTAMP('{moment.astimezone(zone).strftime(STAMP)}', 'YYYY-MM-DD HH24:MI:SS')"


def _query(client: httpx.Client, q: str, limit: int, offset: int = 0) -> dict[str, object]:
    response = client.post(SUITEQL_PATH, params={"limit": limit, "offset": offset}, json={"q": q})
    response.raise_for_status()
    body: dict[str, object] = response.json()
    return body


def _bill_ids(client: httpx.Client, window: Window, sample: int) -> list[str]:
    """The window's first `sample` bills, oldest first, by offset paging as a script does."""
    q = (
        "SELECT id, tranid, entity, trandate, foreigntotal FROM transaction WHERE recordtype = 'vendorbill'"
        f" AND lastmodifieddate >= {_local(window.start)} AND lastmodifieddate < {_local(window.end)}"
        " ORDER BY lastmodifieddate, id"
    )
    ids: list[str] = []
    while len(ids) < sample:
        page = _query(client, q, min(1000, sample - len(ids)), len(ids))
        items = page["items"]
        assert isinstance(items, list)
        ids += [str(item["id"]) for item in items]
        if not page["hasMore"]:
            break
    return ids


def naive_lines(client: httpx.Client, window: Window, sample: int) -> int:
    """Bills by offset paging, then each bill's lines with a query of its own, one request at a time."""
    lines = 0
    for bill in _bill_ids(client, window, sample):
        q = (
            "SELECT id, linesequencenumber, expenseaccount, netamount, department, class, location"
            f" FROM transactionline WHERE transaction = {bill} AND mainline = 'F' ORDER BY id"
        )
        items = _query(client, q, 1000)["items"]
        assert isinstance(items, list)
        lines += len(items)
    return lines


def rest_lines(client: httpx.Client, window: Window, sample: int) -> int:
    """Bill ids by SuiteQL, then each bill from the record service with its sublists, two requests in flight."""

    def expense_lines(bill: str) -> int:
        response = client.get(f"{RECORD_PATH}/{bill}", params={"expandSubResources": "true"})
        response.raise_for_status()
        return len(response.json()["expense"]["items"])

    with ThreadPoolExecutor(max_workers=2) as workers:
        return sum(workers.map(expense_lines, _bill_ids(client, window, sample)))


ALTERNATIVES: tuple[tuple[str, AlternativeReader], ...] = ((NAIVE, naive_lines), (REST, rest_lines))


class NetSuiteBench:
    def __init__(self, account: NetSuiteProcess, plan: NetSuitePlan, progress: Progress) -> None:
        self.account = account
        self.plan = plan
        self.progress = progress

    def pull(self, window: Window) -> tuple[FlowReport, float, int, int]:
        """One pull into a fresh store: (report, seconds, lines staged, requests served)."""
        before = self.account.requests()
        with NetSuiteFlow(self.account.url) as flow:
            report, seconds = flow.pull(window)
            requests = self.account.requests() - before
            return report, seconds, flow.staged_lines(window), requests

    def measure_connector(self, window: Window, latency: int) -> Measurement:
        runs = [self.pull(window) for _ in range(self.plan.repeats)]
        report, _, lines, requests = runs[-1]
        counts = report.counts
        times = ", ".join(f"{run[1]:.2f}" for run in runs)
        self.progress(f"{CONNECTOR}, {latency} ms: {counts.staged:,} bills, {lines:,} lines staged in {times} s")
        if counts.quarantined or counts.failed:
            self.progress(f"  quarantined={counts.quarantined}; first: {(report.problems or ['none recorded'])[0]}")
        fastest = min(run[1] for run in runs)
        return _measured(CONNECTOR, latency, window.records * LINES_PER_BILL, lines, fastest, requests)

    def measure_alternative(self, name: str, reader: AlternativeReader, window: Window, token: str) -> Measurement:
        sample = min(self.plan.sample, window.records)
        runs = []
        with _user_client(self.account.url, token) as client:
            for _ in range(self.plan.repeats):
                before = self.account.requests()
                started = time.perf_counter()
                lines = reader(client, window, sample)
                runs.append((lines, time.perf_counter() - started, self.account.requests() - before))
        lines, seconds, requests = min(runs, key=lambda run: run[1])
        times = ", ".join(f"{run[1]:.2f}" for run in runs)
        self.progress(f"{name}, {LATENCY_MS} ms: {lines:,} lines of {sample:,} bills in {times} s")
        return _measured(name, LATENCY_MS, sample * LINES_PER_BILL, lines, seconds, requests)

    def warm_up(self, warm: Window, token: str) -> None:
        """Every reader once on the small warm-up window, untimed: no measurement pays one-off costs."""
        self.pull(warm)
        with _user_client(self.account.url, token) as client:
            for _, read in ALTERNATIVES:
                read(client, warm, warm.records)


def _user_client(url: str, token: str) -> httpx.Client:
    """What the alternatives read with: httpx, the bearer token, `Prefer: transient` for SuiteQL."""
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}", "Prefer": "transient"}, timeout=120)


def _measured(name: str, latency: int, expected: int, lines: int, seconds: float, requests: int) -> Measurement:
    return Measurement(
        entity=NETSUITE_BILLS,
        name=name,
        latency_ms=latency,
        expected=expected,
        records=lines,
        seconds=seconds,
        requests=requests,
    )


def measure_netsuite(plan: NetSuitePlan, progress: Progress) -> NetSuiteResult:
    """Seeds the account, warms every reader up, then measures the connector at 50 ms and 0 ms and the
    alternatives at 50 ms. Rows count transaction lines; `expected` is the lines the window (or sample) holds."""
    windows = windows_of(plan.bills)
    with NetSuiteProcess() as account:
        references = windows.references
        account.seed_references(Window(records=VENDORS, start=references.start, end=references.end))
        for window in (windows.measured, windows.warm):
            account.seed_vendor_bills(window, LINES_PER_BILL)
        bench = NetSuiteBench(account, plan, progress)
        with NetSuiteFlow(account.url) as flow:
            token = flow.client.tokens.bearer() if flow.client.tokens else ""
            concurrent = flow.client.connection.max_concurrent_requests
        bench.warm_up(windows.warm, token)
        progress(f"netsuite up, {plan.bills:,} vendor bills of {LINES_PER_BILL} lines seeded, every reader warmed up")
        account.set_latency(LATENCY_MS)
        found = [bench.measure_connector(windows.measured, LATENCY_MS)]
        found += [bench.measure_alternative(name, read, windows.measured, token) for name, read in ALTERNATIVES]
        account.set_latency(0)
        found.append(bench.measure_connector(windows.measured, 0))
        stats = account.stats()
        progress(f"netsuite: at most {stats['most_in_flight']} requests in flight, {stats['throttled']} answered 429")
    found.sort(key=lambda m: (ROW_ORDER.index(m.name), -m.latency_ms))
    pull = found[0]
    summary = NetSuiteSummary(
        lines_per_s=pull.rate, concurrent_requests=concurrent, latency_ms=LATENCY_MS, target=TARGET_LINES_PER_S
    )
    return NetSuiteResult(measurements=found, summary=summary)
