"""The simulators in processes of their own, steered only over HTTP, so their work never counts as ours: Fusion
and JAGGAER through `ml-connector simulate`, NetSuite through this file run as a script (`simulate` gives it no
fixed port).

    .venv/bin/python benchmarks/sim_process.py --netsuite-port PORT
"""

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from ml_connector_dagster.netsuite.simulator import NetSuiteSimulator
from ml_connector_dagster.netsuite.simulator.auth import SimAuth
from ml_connector_dagster.simulation.server import LoopbackServer

from results import Window

_START_TIMEOUT_SECONDS = 60
_CONTROL_TIMEOUT_SECONDS = 600  # seeding 50,000 orders takes a while
# The pod's seed route per entity; JAGGAER's stats name its collections after the entities.
_SEED_ROUTES = {
    "purchase_orders": "/__sim__/seed",
    "invoices": "/__sim__/invoices/seed",
    "suppliers": "/__sim__/suppliers/seed",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SimulatorControl:
    """The simulators' control routes (`/__sim__/…`): seeding, latency, reset and the requests they served."""

    def __init__(self, fusion_url: str, jaggaer_url: str) -> None:
        self.fusion_url = fusion_url
        self.jaggaer_url = jaggaer_url
        self._control = httpx.Client(timeout=_CONTROL_TIMEOUT_SECONDS)

    def close(self) -> None:
        self._control.close()

    def seed_base_suppliers(self, window: Window) -> None:
        """Stamps the pod's base suppliers (those its orders and invoices name) into `window`, and no others.
        The pod does so on its first supplier seed only: call this before seeding suppliers anywhere else."""
        self._seed("suppliers", window, 0)

    def seed(self, entity: str, window: Window) -> None:
        """The window's records of `entity`, all well formed, with LastUpdateDate in [start, end). Invoices
        are drawn from the orders seeded so far."""
        self._seed(entity, window, window.records)

    def _seed(self, entity: str, window: Window, count: int) -> None:
        body = window.model_dump(mode="json", exclude={"records"})
        seed = {"count": count, **body, "malformed": 0, "seed": 7}
        self._control.post(self.fusion_url + _SEED_ROUTES[entity], json=seed).raise_for_status()

    def set_latency(self, latency_ms: int) -> None:
        for url in (self.fusion_url, self.jaggaer_url):
            self._control.put(f"{url}/__sim__/faults", json={"latency_ms": latency_ms, "rules": []}).raise_for_status()

    def reset_jaggaer(self) -> None:
        """Empties JAGGAER: documents, company profiles and custom-field values alike."""
        self._control.post(f"{self.jaggaer_url}/__sim__/reset").raise_for_status()

    def fusion_requests(self) -> int:
        """Resource requests Fusion has served so far (token requests are counted apart)."""
        return int(self._stats(self.fusion_url)["requests"])

    def jaggaer_requests(self) -> int | None:
        """API requests JAGGAER has served so far, when the simulator counts them."""
        requests: Any = self._stats(self.jaggaer_url).get("requests")
        return None if requests is None else int(requests)

    def requests(self) -> int | None:
        """Requests both have served so far, when JAGGAER counts its own."""
        jaggaer = self.jaggaer_requests()
        return None if jaggaer is None else self.fusion_requests() + jaggaer

    def jaggaer_stored(self, entity: str) -> int:
        """Documents of `entity` JAGGAER holds."""
        return int(self._stats(self.jaggaer_url)[entity]["stored"])

    def _stats(self, url: str) -> dict[str, Any]:
        response = self._control.get(f"{url}/__sim__/stats")
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats


class _Served:
    """A command serving simulators on loopback in a process of its own, up once every probe URL answers."""

    def __init__(self, command: list[str], probes: list[str]) -> None:
        self._probes = probes
        # Its errors go to a file, not a pipe nobody drains: shown if it fails to start; closed by stop().
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self._errors)

    def wait_until_up(self, probe: httpx.Client) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while time.monotonic() < deadline and self._process.poll() is None:
            try:
                for url in self._probes:
                    probe.get(url).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        self._errors.seek(0)
        said = self._errors.read().decode(errors="replace").strip().splitlines()[-5:]
        self.stop()
        raise RuntimeError("the simulators did not start: " + (" | ".join(said) or "no output within a minute"))

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._errors.close()


class _OwnProcess:
    """Mixed in before a control class: its simulators served by `_served`, up on entering, stopped on closing."""

    _served: _Served
    _control: httpx.Client

    def __enter__(self) -> Self:
        try:
            self._served.wait_until_up(self._control)
        except RuntimeError:
            self._control.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        super().close()  # type: ignore[misc]  # the control class this is mixed into
        self._served.stop()


class SimulatorProcess(_OwnProcess, SimulatorControl):
    """`ml-connector simulate` on two free loopback ports; use as a context manager."""

    def __init__(self) -> None:
        fusion_port, jaggaer_port = _free_port(), _free_port()
        super().__init__(f"http://127.0.0.1:{fusion_port}", f"http://127.0.0.1:{jaggaer_port}")
        command = [str(Path(sys.executable).parent / "ml-connector"), "simulate"]
        command += ["--fusion-port", str(fusion_port), "--jaggaer-port", str(jaggaer_port)]
        self._served = _Served(command, [f"{url}/__sim__/stats" for url in (self.fusion_url, self.jaggaer_url)])


class NetSuiteControl:
    """The NetSuite account's control routes (`/__sim__/…`): seeding, latency and the requests it served."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._control = httpx.Client(base_url=url, timeout=_CONTROL_TIMEOUT_SECONDS)

    def close(self) -> None:
        self._control.close()

    def seed_references(self, window: Window) -> None:
        """The chart of accounts and GL dimensions, and `window.records` vendors, changed in `window`."""
        self._control.post("/__sim__/reference/seed", json={"at": window.start.isoformat()}).raise_for_status()
        self._post_seed("/__sim__/vendors/seed", window, {})

    def seed_vendor_bills(self, window: Window, lines: int) -> None:
        """The window's vendor bills of the seeded vendors, each with `lines` expense lines, a mainline and their
        accounting lines, lastmodifieddate in [start, end)."""
        self._post_seed("/__sim__/vendor-bills/seed", window, {"lines": lines})

    def _post_seed(self, route: str, window: Window, extra: dict[str, Any]) -> None:
        body = {"count": window.records, **window.model_dump(mode="json", exclude={"records"}), "seed": 7, **extra}
        self._control.post(route, json=body).raise_for_status()

    def set_latency(self, latency_ms: int) -> None:
        self._control.put("/__sim__/faults", json={"latency_ms": latency_ms, "rules": []}).raise_for_status()

    def stats(self) -> dict[str, Any]:
        """`requests` (SuiteQL and record service), `throttled` (429s), `most_in_flight`, rows per table, …"""
        response = self._control.get("/__sim__/stats")
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    def requests(self) -> int:
        """REST requests the account has served so far (token requests are not counted)."""
        return int(self.stats()["requests"])


class NetSuiteProcess(_OwnProcess, NetSuiteControl):
    """The NetSuite simulator (default settings: demo M2M certificate, 2 concurrent requests) on a free loopback
    port; use as a context manager."""

    def __init__(self) -> None:
        port = _free_port()
        super().__init__(f"http://127.0.0.1:{port}")
        command = [sys.executable, str(Path(__file__).resolve()), "--netsuite-port", str(port)]
        self._served = _Served(command, [f"{self.url}/__sim__/stats"])


def serve_netsuite(port: int) -> None:
    """Serves a NetSuite simulator with its default settings on `port` until the process is terminated."""
    simulator = NetSuiteSimulator(SimAuth())
    with LoopbackServer(simulator.app, port):
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--netsuite-port", type=int, required=True)
    serve_netsuite(parser.parse_args().netsuite_port)
