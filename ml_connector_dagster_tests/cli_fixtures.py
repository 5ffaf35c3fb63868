"""Runs the installed `ml-connector` command in a subprocess, as a user would, in an environment of its own."""

import os
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from ml_connector_dagster.cli.main import cli as ml_connector
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.store import MasterKeys, Store, generate_key
from ml_connector_dagster_tests.references import post_reference_data

ML_CONNECTOR = str(Path(sys.executable).parent / "ml-connector")
PROJECT_DAGSTER_YAML = Path(__file__).resolve().parents[1] / "dagster.yaml"
# Variables the connector (or Dagster) reads: none may leak in from the environment running the tests.
_INHERITED_PREFIXES = ("ML_CONNECTOR_", "DAGSTER_")


@dataclass(frozen=True)
class CliResult:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        command = " ".join(self.args)
        return f"`ml-connector {command}` exited {self.code}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


@dataclass
class ConnectorCli:
    """One user's machine: a home folder, a SQLite store and a Dagster home under `root`, one master key."""

    root: Path
    master_key: str = field(default_factory=generate_key)
    results: list[CliResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.home = self.root / "home"
        self.db_path = self.root / "connector.db"
        self.dagster_home = self.root / "dagster"
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        (self.dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")

    def use_project_instance_config(self) -> None:
        """The shipped dagster.yaml (SQLite under $DAGSTER_HOME, pools limited to one step, run monitoring)
        instead of the bare default."""
        (self.dagster_home / "dagster.yaml").write_text(PROJECT_DAGSTER_YAML.read_text())

    def env(self, master_key: str | None) -> dict[str, str]:
        """The whole environment of a subprocess: the caller's, minus anything the connector or Dagster reads."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(_INHERITED_PREFIXES)}
        env.update(self._own_env(master_key))
        return env

    def _own_env(self, master_key: str | None) -> dict[str, str]:
        env = {
            "ML_CONNECTOR_HOME": str(self.home),
            "ML_CONNECTOR_DATABASE_URL": f"sqlite:///{self.db_path}",
            "DAGSTER_HOME": str(self.dagster_home),
        }
        if master_key is not None:
            env["ML_CONNECTOR_MASTER_KEY"] = master_key
        return env

    def run(
        self,
        *args: str,
        master_key: str | None = "",
        extra_env: dict[str, str] | None = None,
        unset: tuple[str, ...] = (),
        timeout: float = 120,
    ) -> CliResult:
        """`master_key=""` (the default) means this machine's key, None means the variable is unset; so are the
        variables named in `unset`."""
        env = {**self.env(self.master_key if master_key == "" else master_key), **(extra_env or {})}
        completed = subprocess.run(
            [ML_CONNECTOR, *args],
            env={name: value for name, value in env.items() if name not in unset},
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result = CliResult(tuple(args), completed.returncode, completed.stdout, completed.stderr)
        self.results.append(result)
        return result

    def start(self, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """The command started in the background, for a test that signals it mid-run; `finish` collects it."""
        return subprocess.Popen(
            [ML_CONNECTOR, *args],
            env={**self.env(self.master_key), **(extra_env or {})},
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def finish(self, process: subprocess.Popen[str], args: tuple[str, ...], timeout: float = 60) -> CliResult:
        stdout, stderr = process.communicate(timeout=timeout)
        result = CliResult(args, process.returncode, stdout, stderr)
        self.results.append(result)
        return result

    def invoke(self, *args: str, master_key: str | None = "", extra_env: dict[str, str] | None = None) -> CliResult:
        """The same command in this process, through click's runner: for setup steps and variations, where a
        second interpreter start would only cost time. The environment is patched for the call only."""
        patch: dict[str, str | None] = {k: None for k in os.environ if k.startswith(_INHERITED_PREFIXES)}
        patch.update(self._own_env(self.master_key if master_key == "" else master_key))
        patch.update(extra_env or {})
        invoked = CliRunner().invoke(ml_connector, list(args), env=patch, catch_exceptions=True)
        stderr = invoked.stderr
        if invoked.exception is not None and not isinstance(invoked.exception, SystemExit):
            # What a subprocess would print: an uncaught exception is a traceback on stderr.
            stderr += "".join(traceback.format_exception(*invoked.exc_info))
        result = CliResult(tuple(args), invoked.exit_code, invoked.stdout, stderr)
        self.results.append(result)
        return result

    def ok(self, *args: str, master_key: str | None = "", in_process: bool = False) -> CliResult:
        result = self.invoke(*args, master_key=master_key) if in_process else self.run(*args, master_key=master_key)
        assert result.code == 0, result.describe()
        assert "Traceback" not in result.output, result.describe()
        return result

    def refused(self, *args: str, master_key: str | None = "", in_process: bool = False) -> str:
        """Runs a command that must fail the way a person can act on: one `Error:` line, exit 1, no traceback."""
        result = self.invoke(*args, master_key=master_key) if in_process else self.run(*args, master_key=master_key)
        assert result.code == 1, result.describe()
        assert "Traceback" not in result.output, result.describe()
        assert result.stdout == "", result.describe()
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.describe()
        return lines[0].removeprefix("Error: ")

    def store_bytes(self) -> bytes:
        """The raw bytes of the SQLite store, with its write-ahead log and journal when they exist."""
        files = [self.db_path, *(self.db_path.with_name(self.db_path.name + s) for s in ("-wal", "-journal"))]
        return b"".join(path.read_bytes() for path in files if path.exists())

    def all_output(self) -> str:
        return "\n".join(result.output for result in self.results)

    def post_reference_data(self, sims: LocalSimulators) -> None:
        """Cost centers, GL values, suppliers and the GL rule in JAGGAER, as earlier runs would have left them."""
        store = Store.open(f"sqlite:///{self.db_path}", MasterKeys.from_env_value(self.master_key))
        try:
            post_reference_data(store, sims)
        finally:
            store.close()

    def point_at(self, sims: LocalSimulators, fusion_secret: str | None = None, in_process: bool = True) -> None:
        """Stores both `default` profiles for the simulators through `credentials set`, as a user would."""
        fusion, jaggaer = sims.fusion.settings, sims.jaggaer.settings
        self.ok(
            "credentials",
            "set",
            "fusion",
            "--base-url",
            sims.fusion_url,
            "--token-url",
            f"{sims.fusion_url}/oauth2/v1/token",
            "--client-id",
            fusion.client_id,
            "--client-secret",
            fusion_secret or fusion.client_secret,
            "--scope",
            fusion.scope,
            in_process=in_process,
        )
        self.ok(
            "credentials",
            "set",
            "jaggaer",
            "--instance-url",
            sims.jaggaer_url,
            "--api-base-url",
            sims.jaggaer_url,
            "--client-id",
            jaggaer.client_id,
            "--client-secret",
            jaggaer.client_secret,
            "--realm",
            jaggaer.realm,
            "--purchase-order-path",
            jaggaer.purchase_order_path,
            "--po-upsert-supported" if jaggaer.po_upsert_supported else "--no-po-upsert-supported",
            in_process=in_process,
        )
