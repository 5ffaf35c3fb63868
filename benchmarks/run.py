"""`make bench`: the connector beside the alternatives, against the simulators with 50 ms added per request and
with none, in one run, for purchase orders, invoices and suppliers.

Measured per entity over one window of seeded records (5,000 each; `--quick`: 300), at each latency:
  - a naive loop: httpx, one header page after another (offset, limit 499), no children;
  - dlt's rest_api source reading the same resource's headers into duckdb (the whole `pipeline.run`);
  - the connector's pull (headers and children, validated and staged into a fresh SQLite store), its post of
    those records to an emptied JAGGAER, and end to end: the two one after the other on that store. The post
    and end to end at 50 ms are measured for purchase orders only: no target reads them, and each entity's
    would add a minute or more to the run.
Before a post, untimed and with no latency, the store and JAGGAER get what a run has in place before its
transactions post: the GL rule, cost centers, GL values and the suppliers orders and invoices name, pulled and
posted through the same engine. Posts are built as the Dagster step builds them, with the flow's dependency
check, so their time includes resolving each record's supplier and GL mapping.
Then purchase orders end to end with no latency in a fresh process for 5,000 and 50,000 orders (`--quick`: 300
and 3,000), each against simulators holding only its window, for the process's peak RSS.
Then a NetSuite pull (netsuite_pull.py): 5,000 vendor bills of 3 lines (`--quick`: 600) at 50 ms per request with
the connection's 2 concurrent requests, beside a naive SuiteQL script and the REST record service over a
sample of 300 bills (`--quick`: 100), in transaction lines per second; `--netsuite-only` runs this part alone.

The simulators run in their own process and are steered over HTTP: requests per record are what they served
during the measurement (`GET /__sim__/stats`). The connector runs with its shipped default settings.
Progress goes to stderr; stdout gets the tables, then one line per measured flow a script reads, purchase
orders last: `bench netsuite_pull lines_per_s=… concurrent_requests=2 latency_ms=50 target=5000 met=yes|no`,
`bench invoices pull_vs_dlt=… pull_rps=… post_rps=… e2e_rps=… requests_per_record=…`, …,
`bench pull_vs_dlt=… pull_rps=… post_rps=… e2e_rps=… requests_per_po=… rss_growth_mb=…`.

    .venv/bin/python benchmarks/run.py [--quick] [--records N] [--rss-orders SMALL LARGE] [--netsuite-bills N]
    .venv/bin/python benchmarks/run.py --netsuite-only [--quick] [--netsuite-bills N]
"""

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from ml_connector_dagster.sync.report import FlowReport

from baselines import dlt_headers, fusion_token, naive_headers
from connector_flow import ConnectorFlow
from e2e_process import EndToEndResult
from netsuite_pull import LINES_PER_BILL, NetSuitePlan, NetSuiteResult, measure_netsuite
from results import (
    PURCHASE_ORDERS,
    Measurement,
    Summary,
    Window,
    Windows,
    measurements_table,
    targets_table,
    windows_of,
)
from sim_process import SimulatorProcess

LATENCIES_MS = (50, 0)
# Purchase orders last: their line is the run's last. Invoices are drawn from the orders seeded before them.
ENTITIES = ("invoices", "suppliers", PURCHASE_ORDERS)
SEED_ORDER = (PURCHASE_ORDERS, "invoices", "suppliers")
# Entities whose post (and end to end) is measured at every latency; the others' at no latency only.
POSTED_AT_EVERY_LATENCY = {PURCHASE_ORDERS}
NAIVE = "naive loop, headers"
DLT = "dlt rest_api -> duckdb, headers"
PULL = "connector pull, headers+children"
POST = "connector post"
END_TO_END = "connector end to end"
OWN_PROCESS = "connector end to end, own process"
ROW_ORDER = (NAIVE, DLT, PULL, POST, END_TO_END, OWN_PROCESS)
# Reads take seconds, so other load on the machine shows in a single run: each is timed this often and the
# fastest counts, the same for every reader. Posts take long enough to be timed once.
READ_REPEATS = 3
# Bills the NetSuite alternatives read, one request per bill each.
NETSUITE_SAMPLE = 300
HeaderReader = Callable[[str, str, Window, str], tuple[int, float]]


class Plan(BaseModel):
    records: int = Field(ge=1)
    rss_orders: tuple[int, int]
    netsuite: NetSuitePlan
    netsuite_only: bool = False


class Progress:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True)


def read_headers(sims: SimulatorProcess, reader: HeaderReader, entity: str, window: Window) -> tuple[int, float, int]:
    """Runs a headers-only reader with a fresh token; returns (records, seconds, Fusion requests it made)."""
    token = fusion_token(sims.fusion_url)
    before = sims.fusion_requests()
    records, seconds = reader(sims.fusion_url, entity, window, token)
    return records, seconds, sims.fusion_requests() - before


def measure_baselines(
    sims: SimulatorProcess, entity: str, window: Window, latency: int, progress: Progress
) -> list[Measurement]:
    found = []
    for name, reader in ((NAIVE, naive_headers), (DLT, dlt_headers)):
        runs = [read_headers(sims, reader, entity, window) for _ in range(READ_REPEATS)]
        records, seconds, requests = min(runs, key=lambda run: run[1])
        found.append(
            Measurement(
                entity=entity,
                name=name,
                latency_ms=latency,
                expected=window.records,
                records=records,
                seconds=seconds,
                requests=requests,
            )
        )
        progress(f"{entity}, {name}, {latency} ms: {records:,} in {', '.join(f'{run[1]:.1f}' for run in runs)} s")
    return found


def explain_shortfall(report: FlowReport, progress: Progress) -> None:
    """A flow that quarantined, failed or held back records makes the figures invalid: say why, with its first
    reason."""
    counts = report.counts
    if counts.quarantined or counts.failed or counts.pending:
        reason = report.problems[0] if report.problems else "no reason recorded"
        progress(f"  quarantined={counts.quarantined} failed={counts.failed} pending={counts.pending}; first: {reason}")


def pull_into(
    sims: SimulatorProcess, flow: ConnectorFlow, entity: str, window: Window
) -> tuple[FlowReport, float, int]:
    """The connector's pull; returns its report, seconds and the Fusion requests it made."""
    before = sims.fusion_requests()
    pulled, seconds = flow.pull(entity, window)
    return pulled, seconds, sims.fusion_requests() - before


def put_references(sims: SimulatorProcess, flow: ConnectorFlow, windows: Windows, latency: int) -> None:
    """Reference data into the flow's store and JAGGAER, untimed and with no latency (it is not measured)."""
    sims.set_latency(0)
    flow.put_references(windows.references)
    sims.set_latency(latency)


def measure_pulls(
    sims: SimulatorProcess, entity: str, window: Window, latency: int, progress: Progress
) -> list[Measurement]:
    """Pulls into fresh stores as often as the baselines read; the fastest counts, as for them."""
    runs = []
    for _ in range(READ_REPEATS):
        with ConnectorFlow(sims.fusion_url, sims.jaggaer_url) as flow:
            runs.append(pull_into(sims, flow, entity, window))
    pulled, _, requests = runs[-1]
    progress(f"{entity}, {PULL}, {latency} ms: {pulled.counts.staged:,} staged in {_seconds(runs)} s")
    explain_shortfall(pulled, progress)
    fastest = min(seconds for _, seconds, _ in runs)
    return [_measured(entity, PULL, window, latency, pulled.counts.staged, fastest, requests)]


def measure_connector(
    sims: SimulatorProcess, entity: str, windows: Windows, latency: int, progress: Progress
) -> list[Measurement]:
    """Pulls into fresh stores as often as the baselines read (the fastest counts, as for them), then posts the
    last store's records to an emptied JAGGAER; end to end is that last store's pull plus its post."""
    window = windows.measured
    if entity not in POSTED_AT_EVERY_LATENCY and latency != 0:
        return measure_pulls(sims, entity, window, latency, progress)
    runs = []
    for _ in range(READ_REPEATS - 1):
        with ConnectorFlow(sims.fusion_url, sims.jaggaer_url) as flow:
            runs.append(pull_into(sims, flow, entity, window))
    sims.reset_jaggaer()
    with ConnectorFlow(sims.fusion_url, sims.jaggaer_url) as flow:
        put_references(sims, flow, windows, latency)
        pulled, pull_seconds, fusion_requests = pull_into(sims, flow, entity, window)
        runs.append((pulled, pull_seconds, fusion_requests))
        progress(f"{entity}, {PULL}, {latency} ms: {pulled.counts.staged:,} staged in {_seconds(runs)} s")
        explain_shortfall(pulled, progress)
        stored_before, jaggaer_before = sims.jaggaer_stored(entity), sims.jaggaer_requests()
        posted, post_seconds = flow.post(entity, window)
        jaggaer_after = sims.jaggaer_requests()
        progress(f"{entity}, {POST}, {latency} ms: {posted.counts.posted:,} posted in {post_seconds:.1f} s")
        explain_shortfall(posted, progress)
    stored = sims.jaggaer_stored(entity) - stored_before
    if stored != posted.counts.posted:
        progress(f"JAGGAER holds {stored:,} more {entity} after the post reported {posted.counts.posted:,}")
    jaggaer_requests = None if jaggaer_before is None or jaggaer_after is None else jaggaer_after - jaggaer_before
    both = None if jaggaer_requests is None else fusion_requests + jaggaer_requests
    fastest = min(seconds for _, seconds, _ in runs)
    done = min(pulled.counts.staged, posted.counts.posted)
    return [
        _measured(entity, PULL, window, latency, pulled.counts.staged, fastest, fusion_requests),
        _measured(entity, POST, window, latency, posted.counts.posted, post_seconds, jaggaer_requests),
        _measured(entity, END_TO_END, window, latency, done, pull_seconds + post_seconds, both),
    ]


def _measured(
    entity: str, name: str, window: Window, latency: int, records: int, seconds: float, requests: int | None
) -> Measurement:
    return Measurement(
        entity=entity,
        name=name,
        latency_ms=latency,
        expected=window.records,
        records=records,
        seconds=seconds,
        requests=requests,
    )


def _seconds(runs: list[tuple[FlowReport, float, int]]) -> str:
    return ", ".join(f"{seconds:.1f}" for _, seconds, _ in runs)


def warm_up(sims: SimulatorProcess, windows: Windows) -> None:
    """Runs every reader once per entity, untimed, on the small warm-up window, so no measurement pays one-off
    costs (lazy imports and caches, dlt's first pipeline, the simulators' first requests)."""
    warm = windows.warm
    for entity in SEED_ORDER:
        sims.seed(entity, warm)
    with ConnectorFlow(sims.fusion_url, sims.jaggaer_url) as flow:
        flow.put_references(windows.references)
        for entity in ENTITIES:
            for reader in (naive_headers, dlt_headers):
                reader(sims.fusion_url, entity, warm, fusion_token(sims.fusion_url))
            flow.pull(entity, warm)
            flow.post(entity, warm)


def side_by_side(records: int, progress: Progress) -> list[Measurement]:
    found: list[Measurement] = []
    with SimulatorProcess() as sims:
        windows = windows_of(records)
        sims.seed_base_suppliers(windows.references)
        for entity in SEED_ORDER:
            sims.seed(entity, windows.measured)
        warm_up(sims, windows)
        progress(f"simulators up, {records:,} records of each entity seeded, every reader warmed up")
        for latency in LATENCIES_MS:
            sims.set_latency(latency)
            for entity in ENTITIES:
                found += measure_baselines(sims, entity, windows.measured, latency, progress)
                found += measure_connector(sims, entity, windows, latency, progress)
    return found


def own_process_end_to_end(orders: int, progress: Progress) -> Measurement:
    with SimulatorProcess() as sims:
        windows = windows_of(orders)
        sims.seed_base_suppliers(windows.references)
        sims.seed(PURCHASE_ORDERS, windows.measured)
        progress(f"simulators up, {orders:,} orders seeded for the own-process run")
        command = [sys.executable, str(Path(__file__).with_name("e2e_process.py"))]
        command += ["--fusion-url", sims.fusion_url, "--jaggaer-url", sims.jaggaer_url]
        command += ["--window", windows.measured.model_dump_json()]
        command += ["--references", windows.references.model_dump_json()]
        finished = subprocess.run(command, stdout=subprocess.PIPE, text=True)
        if finished.returncode != 0:
            raise SystemExit(f"the end-to-end process for {orders:,} orders exited with {finished.returncode}")
        result = EndToEndResult.model_validate_json(finished.stdout.strip().splitlines()[-1])
    measured = Measurement(
        entity=PURCHASE_ORDERS,
        name=OWN_PROCESS,
        latency_ms=0,
        expected=orders,
        records=min(result.staged, result.posted),
        seconds=result.pull_seconds + result.post_seconds,
        requests=result.requests,
        peak_rss_mb=result.peak_rss_kb / 1024,
    )
    progress(f"{OWN_PROCESS}: {measured.records:,} in {measured.seconds:.1f} s, peak RSS {measured.peak_rss_mb:.0f} MB")
    return measured


def one(measurements: list[Measurement], entity: str, name: str, latency: int) -> Measurement:
    return next(m for m in measurements if m.entity == entity and m.name == name and m.latency_ms == latency)


def summarize(measurements: list[Measurement], entity: str, rss_growth_mb: float | None) -> Summary:
    dlt, pull = one(measurements, entity, DLT, 50), one(measurements, entity, PULL, 50)
    return Summary(
        entity=entity,
        pull_vs_dlt=pull.rate / dlt.rate if dlt.rate else 0.0,
        pull_rps=pull.rate,
        post_rps=one(measurements, entity, POST, 0).rate,
        e2e_rps=one(measurements, entity, END_TO_END, 0).rate,
        requests_per_record=float("nan") if pull.requests_per_record is None else pull.requests_per_record,
        rss_growth_mb=rss_growth_mb,
    )


def plan_from_arguments() -> Plan:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    quick = "small windows (300; 300 and 3,000; 600 bills, a sample of 100): a fast check"
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--records", type=int, help="records of each entity in the side-by-side window")
    parser.add_argument("--rss-orders", type=int, nargs=2, metavar=("SMALL", "LARGE"), help="own-process windows")
    parser.add_argument("--netsuite-bills", type=int, help="vendor bills (3 lines each) in the NetSuite window")
    parser.add_argument("--netsuite-only", action="store_true", help="the NetSuite pull and its alternatives only")
    args = parser.parse_args()
    if args.quick:
        plan = Plan(
            records=300, rss_orders=(300, 3000), netsuite=NetSuitePlan(bills=600, sample=100, repeats=READ_REPEATS)
        )
    else:
        netsuite = NetSuitePlan(bills=5000, sample=NETSUITE_SAMPLE, repeats=READ_REPEATS)
        plan = Plan(records=5000, rss_orders=(5000, 50000), netsuite=netsuite)
    bills = args.netsuite_bills or plan.netsuite.bills
    return Plan(
        records=args.records or plan.records,
        rss_orders=tuple(args.rss_orders or plan.rss_orders),
        netsuite=plan.netsuite.model_copy(update={"bills": bills, "sample": min(plan.netsuite.sample, bills)}),
        netsuite_only=args.netsuite_only,
    )


def print_netsuite(plan: NetSuitePlan, result: NetSuiteResult) -> None:
    print(
        f"\nNetSuite: {plan.bills:,} vendor bills of {LINES_PER_BILL} lines in one window, the account in a process of"
        " its own; records = transaction lines (body lines, not the mainline); the alternatives read the window's"
        f" first {plan.sample:,} bills; fastest of {plan.repeats}"
    )
    print(measurements_table(result.measurements))
    print()
    print(targets_table([result.summary]))


def fusion_side_by_side(plan: Plan, progress: Progress) -> tuple[list[Measurement], list[Summary]]:
    """Fusion and JAGGAER: every entity side by side, then the own-process runs; prints their tables."""
    measurements = side_by_side(plan.records, progress)
    small, large = (own_process_end_to_end(orders, progress) for orders in plan.rss_orders)
    measurements += [small, large]
    measurements.sort(key=lambda m: (ENTITIES.index(m.entity), ROW_ORDER.index(m.name), -m.latency_ms, m.expected))
    rss_growth = (large.peak_rss_mb or 0.0) - (small.peak_rss_mb or 0.0)
    summaries = [summarize(measurements, e, rss_growth if e == PURCHASE_ORDERS else None) for e in ENTITIES]
    print(
        f"{plan.records:,} records of each entity side by side, {os.cpu_count()} CPUs, simulators in a process of"
        f" their own; reads: fastest of {READ_REPEATS}, posts: one run"
    )
    print(measurements_table(measurements))
    print()
    print(targets_table(summaries))
    return measurements, summaries


def main() -> None:
    plan = plan_from_arguments()
    progress = Progress()
    measurements: list[Measurement] = []
    summaries: list[Summary] = []
    if not plan.netsuite_only:
        measurements, summaries = fusion_side_by_side(plan, progress)
    netsuite = measure_netsuite(plan.netsuite, progress)
    print_netsuite(plan.netsuite, netsuite)
    measurements += netsuite.measurements
    print(f"\nran in {time.monotonic() - progress.started:.0f} s")
    short = [m for m in measurements if not m.complete]
    incomplete = [f"{m.entity}, {m.name}, {m.latency_ms} ms: {m.records:,} of {m.expected:,}" for m in short]
    if incomplete:
        print("INVALID: these did not process every record of their window: " + "; ".join(incomplete))
    # Purchase orders' line stays the run's last: a script reads it there.
    print(netsuite.summary.line())
    for summary in summaries:
        print(summary.line())
    if incomplete:
        sys.exit(1)


if __name__ == "__main__":
    main()
