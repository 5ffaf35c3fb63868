"""Both simulators in a process of their own, steered only over HTTP, so their work never counts as ours."""

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from results import Window

_START_TIMEOUT_SECONDS = 60
_CONTROL_TIMEOUT_SECONDS = 600  # seeding 50,000 orders takes a while


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SimulatorProcess:
    """`ml-connector simulate` on two free loopback ports; use as a context manager."""

    def __init__(self) -> None:
        fusion_port, jaggaer_port = _free_port(), _free_port()
        self.fusion_url = f"http://127.0.0.1:{fusion_port}"
        self.jaggaer_url = f"http://127.0.0.1:{jaggaer_port}"
        command = [str(Path(sys.executable).parent / "ml-connector"), "simulate"]
        command += ["--fusion-port", str(fusion_port), "--jaggaer-port", str(jaggaer_port)]
        # Its errors go to a file, not a pipe nobody drains: shown if it fails to start; closed by close().
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=self._errors)
        self._control = httpx.Client(timeout=_CONTROL_TIMEOUT_SECONDS)

    def __enter__(self) -> "SimulatorProcess":
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while time.monotonic() < deadline and self._process.poll() is None:
            try:
                self._control.get(f"{self.fusion_url}/__sim__/stats").raise_for_status()
                self._control.get(f"{self.jaggaer_url}/__sim__/stats").raise_for_status()
                return self
            except httpx.HTTPError:
                time.sleep(0.2)
        self._errors.seek(0)
        said = self._errors.read().decode(errors="replace").strip().splitlines()[-5:]
        self.close()
        raise RuntimeError("the simulators did not start: " + (" | ".join(said) or "no output within a minute"))

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._control.close()
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._errors.close()

    def seed(self, window: Window) -> None:
        """The window's orders, all well formed, with LastUpdateDate in [start, end)."""
        body = window.model_dump(mode="json")
        seed = {"count": body["orders"], "start": body["start"], "end": body["end"], "malformed": 0, "seed": 7}
        self._control.post(f"{self.fusion_url}/__sim__/seed", json=seed).raise_for_status()

    def set_latency(self, latency_ms: int) -> None:
        for url in (self.fusion_url, self.jaggaer_url):
            self._control.put(f"{url}/__sim__/faults", json={"latency_ms": latency_ms, "rules": []}).raise_for_status()

    def reset_jaggaer(self) -> None:
        self._control.post(f"{self.jaggaer_url}/__sim__/reset").raise_for_status()

    def fusion_requests(self) -> int:
        """Resource requests Fusion has served so far (token requests are counted apart)."""
        return int(self._stats(self.fusion_url)["requests"])

    def jaggaer_requests(self) -> int | None:
        """API requests JAGGAER has served so far, when the simulator counts them."""
        requests: Any = self._stats(self.jaggaer_url).get("requests")
        return None if requests is None else int(requests)

    def jaggaer_stored(self) -> int:
        return int(self._stats(self.jaggaer_url)["purchase_orders"]["stored"])

    def _stats(self, url: str) -> dict[str, Any]:
        response = self._control.get(f"{url}/__sim__/stats")
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats
