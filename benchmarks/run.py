"""`make bench`: the connector beside the alternatives, against the simulators with 50 ms added per request and
with none, in one run.

Measured over one window of seeded purchase orders (5,000; `--quick`: 300), at each latency:
  - a naive loop: httpx, one header page after another (offset, limit 499), no children;
  - dlt's rest_api source reading the same headers into duckdb (the whole `pipeline.run`);
  - the connector's pull (headers and children, validated and staged into a fresh SQLite store), its post of
    those orders to an emptied JAGGAER, and end to end: the two one after the other on that store.
Then the connector end to end with no latency in a fresh process for 5,000 and 50,000 orders (`--quick`: 300
and 3,000), each against simulators holding only its window, for the process's peak RSS.

The simulators run in their own process and are steered over HTTP: requests per record are what they served
during the measurement (`GET /__sim__/stats`). The connector runs with its shipped default settings.
Progress goes to stderr; stdout gets the tables, and as its last line the figures a script reads:
`bench pull_vs_dlt=… pull_rps=… post_rps=… e2e_rps=… requests_per_po=… rss_growth_mb=…`.

    .venv/bin/python benchmarks/run.py [--quick] [--orders N] [--rss-orders SMALL LARGE]
"""

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, Field

from ml_connector_dagster.sync.report import FlowReport

from baselines import dlt_headers, fusion_token, naive_headers
from connector_flow import ConnectorFlow
from e2e_process import EndToEndResult
from results import Measurement, Summary, Window, measurements_table, targets_table
from sim_process import SimulatorProcess

LATENCIES_MS = (50, 0)
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
HeaderReader = Callable[[str, Window, str], tuple[int, float]]


class Plan(BaseModel):
    orders: int = Field(ge=1)
    rss_orders: tuple[int, int]


class Progress:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True)


def window_of(orders: int) -> Window:
    """One closed hour that ended an hour ago: the shape of a window the schedule syncs."""
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    return Window(orders=orders, start=end - timedelta(hours=1), end=end)


def read_headers(sims: SimulatorProcess, reader: HeaderReader, window: Window) -> tuple[int, float, int]:
    """Runs a headers-only reader with a fresh token; returns (records, seconds, Fusion requests it made)."""
    token = fusion_token(sims.fusion_url)
    before = sims.fusion_requests()
    records, seconds = reader(sims.fusion_url, window, token)
    return records, seconds, sims.fusion_requests() - before


def measure_baselines(sims: SimulatorProcess, window: Window, latency: int, progress: Progress) -> list[Measurement]:
    found = []
    for name, reader in ((NAIVE, naive_headers), (DLT, dlt_headers)):
        runs = [read_headers(sims, reader, window) for _ in range(READ_REPEATS)]
        records, seconds, requests = min(runs, key=lambda run: run[1])
        found.append(
            Measurement(
                name=name,
                latency_ms=latency,
                expected=window.orders,
                records=records,
                seconds=seconds,
                requests=requests,
            )
        )
        progress(f"{name}, {latency} ms: {records:,} in {', '.join(f'{run[1]:.1f}' for run in runs)} s")
    return found


def explain_shortfall(report: FlowReport, progress: Progress) -> None:
    """A flow that quarantined or failed records makes the figures invalid: say why, with its first reason."""
    counts = report.counts
    if counts.quarantined or counts.failed:
        reason = report.problems[0] if report.problems else "no reason recorded"
        progress(f"  quarantined={counts.quarantined} failed={counts.failed}; first: {reason}")


def pull_into(sims: SimulatorProcess, flow: ConnectorFlow, window: Window) -> tuple[FlowReport, float, int]:
    """The connector's pull; returns its report, seconds and the Fusion requests it made."""
    before = sims.fusion_requests()
    pulled, seconds = flow.pull(window)
    return pulled, seconds, sims.fusion_requests() - before


def measure_connector(sims: SimulatorProcess, window: Window, latency: int, progress: Progress) -> list[Measurement]:
    """Pulls into fresh stores as often as the baselines read (the fastest counts, as for them), then posts the
    last store's orders to an emptied JAGGAER; end to end is that last store's pull plus its post."""
    pull_seconds_seen = []
    for _ in range(READ_REPEATS - 1):
        with ConnectorFlow(sims.fusion_url, sims.jaggaer_url) as flow:
            pull_seconds_seen.append(pull_into(sims, flow, window)[1])
    sims.reset_jaggaer()
    with ConnectorFlow(sims.fusion_url, sims.jaggaer_url) as flow:
        pulled, pull_seconds, fusion_requests = pull_into(sims, flow, window)
        pull_seconds_seen.append(pull_seconds)
        seen = ", ".join(f"{seconds:.1f}" for seconds in pull_seconds_seen)
        progress(f"{PULL}, {latency} ms: {pulled.counts.staged:,} staged in {seen} s")
        explain_shortfall(pulled, progress)
        jaggaer_before = sims.jaggaer_requests()
        posted, post_seconds = flow.post(window)
        jaggaer_after = sims.jaggaer_requests()
        progress(f"{POST}, {latency} ms: {posted.counts.posted:,} posted in {post_seconds:.1f} s")
        explain_shortfall(posted, progress)
    stored = sims.jaggaer_stored()
    if stored != posted.counts.posted:
        progress(f"JAGGAER holds {stored:,} orders after the post reported {posted.counts.posted:,}")
    jaggaer_requests = None if jaggaer_before is None or jaggaer_after is None else jaggaer_after - jaggaer_before
    both = None if jaggaer_requests is None else fusion_requests + jaggaer_requests
    common = {"latency_ms": latency, "expected": window.orders}
    fastest_pull = min(pull_seconds_seen)
    return [
        Measurement(name=PULL, records=pulled.counts.staged, seconds=fastest_pull, requests=fusion_requests, **common),
        Measurement(name=POST, records=posted.counts.posted, seconds=post_seconds, requests=jaggaer_requests, **common),
        Measurement(
            name=END_TO_END,
            records=min(pulled.counts.staged, posted.counts.posted),
            seconds=pull_seconds + post_seconds,
            requests=both,
            **common,
        ),
    ]


def warm_up(sims: SimulatorProcess, window: Window) -> None:
    """Runs every reader once, untimed, on a small window of its own just before `window`, so no measurement
    pays one-off costs (lazy imports and caches, dlt's first pipeline, the simulators' first requests)."""
    warm = Window(orders=min(window.orders, 50), start=window.start - timedelta(hours=1), end=window.start)
    sims.seed(warm)
    for reader in (naive_headers, dlt_headers):
        reader(sims.fusion_url, warm, fusion_token(sims.fusion_url))
    with ConnectorFlow(sims.fusion_url, sims.jaggaer_url) as flow:
        flow.pull(warm)
        flow.post(warm)


def side_by_side(orders: int, progress: Progress) -> list[Measurement]:
    found: list[Measurement] = []
    with SimulatorProcess() as sims:
        window = window_of(orders)
        sims.seed(window)
        warm_up(sims, window)
        progress(f"simulators up, {orders:,} orders seeded, every reader warmed up")
        for latency in LATENCIES_MS:
            sims.set_latency(latency)
            found += measure_baselines(sims, window, latency, progress)
            found += measure_connector(sims, window, latency, progress)
    return found


def own_process_end_to_end(orders: int, progress: Progress) -> Measurement:
    with SimulatorProcess() as sims:
        window = window_of(orders)
        sims.seed(window)
        progress(f"simulators up, {orders:,} orders seeded for the own-process run")
        fusion_before, jaggaer_before = sims.fusion_requests(), sims.jaggaer_requests()
        command = [sys.executable, str(Path(__file__).with_name("e2e_process.py"))]
        command += ["--fusion-url", sims.fusion_url, "--jaggaer-url", sims.jaggaer_url]
        command += ["--window", window.model_dump_json()]
        finished = subprocess.run(command, stdout=subprocess.PIPE, text=True)
        if finished.returncode != 0:
            raise SystemExit(f"the end-to-end process for {orders:,} orders exited with {finished.returncode}")
        result = EndToEndResult.model_validate_json(finished.stdout.strip().splitlines()[-1])
        fusion_requests = sims.fusion_requests() - fusion_before
        jaggaer_after = sims.jaggaer_requests()
    requests = (
        None if jaggaer_before is None or jaggaer_after is None else (fusion_requests + jaggaer_after - jaggaer_before)
    )
    measured = Measurement(
        name=OWN_PROCESS,
        latency_ms=0,
        expected=orders,
        records=min(result.staged, result.posted),
        seconds=result.pull_seconds + result.post_seconds,
        requests=requests,
        peak_rss_mb=result.peak_rss_kb / 1024,
    )
    progress(f"{OWN_PROCESS}: {measured.records:,} in {measured.seconds:.1f} s, peak RSS {measured.peak_rss_mb:.0f} MB")
    return measured


def one(measurements: list[Measurement], name: str, latency: int) -> Measurement:
    return next(m for m in measurements if m.name == name and m.latency_ms == latency)


def summarize(measurements: list[Measurement], small: Measurement, large: Measurement) -> Summary:
    dlt, pull = one(measurements, DLT, 50), one(measurements, PULL, 50)
    return Summary(
        pull_vs_dlt=pull.rate / dlt.rate if dlt.rate else 0.0,
        pull_rps=pull.rate,
        post_rps=one(measurements, POST, 0).rate,
        e2e_rps=one(measurements, END_TO_END, 0).rate,
        requests_per_po=float("nan") if pull.requests_per_record is None else pull.requests_per_record,
        rss_growth_mb=(large.peak_rss_mb or 0.0) - (small.peak_rss_mb or 0.0),
    )


def plan_from_arguments() -> Plan:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small windows (300; 300 and 3,000): a fast check")
    parser.add_argument("--orders", type=int, help="orders in the side-by-side window")
    parser.add_argument("--rss-orders", type=int, nargs=2, metavar=("SMALL", "LARGE"), help="own-process windows")
    args = parser.parse_args()
    plan = Plan(orders=300, rss_orders=(300, 3000)) if args.quick else Plan(orders=5000, rss_orders=(5000, 50000))
    return Plan(orders=args.orders or plan.orders, rss_orders=tuple(args.rss_orders or plan.rss_orders))


def main() -> None:
    plan = plan_from_arguments()
    progress = Progress()
    measurements = side_by_side(plan.orders, progress)
    small, large = (own_process_end_to_end(orders, progress) for orders in plan.rss_orders)
    measurements += [small, large]
    measurements.sort(key=lambda m: (ROW_ORDER.index(m.name), -m.latency_ms, m.expected))
    summary = summarize(measurements, small, large)
    print(
        f"{plan.orders:,} orders side by side, {os.cpu_count()} CPUs, simulators in a process of their own;"
        f" reads: fastest of {READ_REPEATS}, posts: one run"
    )
    print(measurements_table(measurements))
    print()
    print(targets_table(summary))
    print(f"\nran in {time.monotonic() - progress.started:.0f} s")
    short = [m for m in measurements if not m.complete]
    incomplete = [f"{m.name}, {m.latency_ms} ms: {m.records:,} of {m.expected:,}" for m in short]
    if incomplete:
        print("INVALID: these did not process every order of their window: " + "; ".join(incomplete))
    print(summary.line())
    if incomplete:
        sys.exit(1)


if __name__ == "__main__":
    main()
