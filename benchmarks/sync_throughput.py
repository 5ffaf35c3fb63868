"""Throughput and memory of the purchase order flow, as window size grows.

Runs the sync engine against the simulators on loopback with a SQLite store, for windows of increasing
size, and prints records per second and the Python heap peak of each pull and post. The simulators run in
their own process, so their data does not count. Memory should stay flat as the window grows (pages and
store writes are batched); throughput is bounded by HTTP round trips (one per header page plus one per child
collection on the Fusion side, a lookup and a write per order on the JAGGAER side).

    .venv/bin/python benchmarks/sync_throughput.py [sizes...]      # default: 250 1000 3000
"""

import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

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


def measured(step: Callable[[], FlowReport]) -> tuple[FlowReport, float, float]:
    tracemalloc.start()
    started = time.perf_counter()
    report = step()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return report, elapsed, peak


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_simulators(fusion_port: int, jaggaer_port: int) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).parent / "ml-connector"), "simulate"]
    command += ["--fusion-port", str(fusion_port), "--jaggaer-port", str(jaggaer_port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{jaggaer_port}/__sim__/stats").raise_for_status()
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the simulators did not start")


def run(size: int) -> None:
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    start = end - timedelta(hours=1)
    fusion_port, jaggaer_port = free_port(), free_port()
    fusion_url, jaggaer_url = f"http://127.0.0.1:{fusion_port}", f"http://127.0.0.1:{jaggaer_port}"
    simulators = start_simulators(fusion_port, jaggaer_port)
    with tempfile.TemporaryDirectory() as home:
        store = Store.open(f"sqlite:///{Path(home) / 'bench.db'}", MasterKeys.from_env_value(generate_key()))
        store_simulator_credentials(store, fusion_url, jaggaer_url, FusionSimSettings(), JaggaerSimSettings())
        seed = {"count": size, "start": start.isoformat(), "end": end.isoformat(), "malformed": 0, "seed": 7}
        httpx.post(f"{fusion_url}/__sim__/seed", json=seed, timeout=120).raise_for_status()
        fusion, jaggaer = fusion_client(store), jaggaer_client(store)
        pull = Pull(store, FusionPurchaseOrderFeed(fusion), "jaggaer", "bench")
        post = Post(store, JaggaerPurchaseOrderSink(jaggaer), "fusion", "purchase_orders", "bench")
        pulled, pull_seconds, pull_peak = measured(lambda: pull.run(start, end))
        posted, post_seconds, post_peak = measured(lambda: post.run(start, end))
        fusion.close()
        jaggaer.close()
        store.close()
    simulators.terminate()
    simulators.wait(timeout=30)
    assert pulled.counts.pulled == size and posted.counts.posted == size
    print(
        f"{size:>6} orders | pull {size / pull_seconds:7.1f}/s peak {pull_peak:6.1f} MiB"
        f" | post {size / post_seconds:7.1f}/s peak {post_peak:6.1f} MiB"
    )


if __name__ == "__main__":
    sizes = [int(arg) for arg in sys.argv[1:]] or [250, 1000, 3000]
    print("window size | pull throughput, heap peak | post throughput, heap peak")
    for size in sizes:
        run(size)
