"""`make soak`: a fault-injection soak. Every entity of every direction is synced for 1,008 hourly windows (42 days,
one `ml-connector sync all` run per day of windows, each in a process of its own) against the simulators while a
background thread injects 429s with Retry-After, 5xx, dropped connections, answers lost after a write was applied,
token revocations and rows edited during paging, and at least 20 runs are SIGKILLed at random points. A killed
or failed run is run again for the same windows; a day whose records still failed after three runs is run once
more after the faults stop (re-running a window is always safe). Windows that ran clean are never read again,
so a record a run skipped stays lost. Then every target is checked against its source, and a reconciliation runs
when `ml-connector reconcile` exists.

Prints the faults by kind, kills, syncs, and lost / duplicated / stale records per entity, then one line a script
reads: `soak syncs=<n> faults=<n> kills=<n> records=<n> lost=<n> duplicated=<n> stale=<n>`.

    .venv/bin/python benchmarks/soak.py [--quick] [--days N] [--seed N]
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.flows import FLOWS
from ml_connector_dagster.settings import ConnectorSettings

from soak_chaos import EDITED, KINDS, Chaos
from soak_world import EntityCheck, Volumes, prepare_store, seed, simulators, soak_environment, verify

_CLI = Path(sys.executable).parent / "ml-connector"
_HOME = Path(".ml-connector") / "soak"
# Exit codes of `ml-connector sync` (cli/exit_codes.py): a day is done at 0; at 3 its failed records wait for
# the next run of the day.
_OK, _RECORDS_FAILED, _CONFIGURATION = 0, 3, 1
_RUNS_BEFORE_SETTLING = 2


@dataclass(frozen=True)
class Plan:
    days: int
    kills: int  # at least this many SIGKILLs
    volumes: Volumes
    # Windows per run: a run's fixed cost (a process, a Dagster run of every flow) dominates on a small machine.
    chunk_hours: int = 14 * 24
    fault_pause_seconds: float = 3.0


FULL = Plan(days=42, kills=21, volumes=Volumes(1200, 400, 120, 120, 30, 300, 300))
QUICK = Plan(days=2, kills=2, volumes=Volumes(120, 40, 20, 12, 8, 30, 30), chunk_hours=24)


class Runner:
    """Runs `ml-connector sync all` for a range in a process of its own, SIGKILLing the runs it was told to."""

    def __init__(self, env: dict[str, str], rng: random.Random, plan: Plan, chunks: int) -> None:
        self._env, self._rng = env, rng
        self._kills_owed, self._chunks_left = plan.kills, chunks
        self.kills = 0
        self.runs = 0
        self.window_syncs = 0
        self.exits: Counter[int] = Counter()
        self._seconds = 40.0  # a run's expected length, refined as runs finish
        self._log = open(_HOME / "runs.log", "a")  # noqa: SIM115  # kept for the whole soak

    def day_done(self) -> None:
        self._chunks_left -= 1

    def run(self, start: datetime, end: datetime, may_kill: bool = True) -> int:
        """The run's exit code; -9 when this soak killed it."""
        command = [str(_CLI), "sync", "all", "--start", start.isoformat(), "--end", end.isoformat()]
        began = time.monotonic()
        process = subprocess.Popen(command, env=self._env, stdout=self._log, stderr=self._log)
        self.runs += 1
        kill_at = self._kill_moment() if may_kill else None
        try:
            code = process.wait(timeout=kill_at)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            code = process.wait()
            self.kills += 1
            self._kills_owed -= 1
        self._log.write(f"--- {start.isoformat()} .. {end.isoformat()}: exit {code}\n")
        self._log.flush()
        if code >= 0:
            self._seconds = 0.7 * self._seconds + 0.3 * (time.monotonic() - began)
        if code in (_OK, _RECORDS_FAILED):
            self.window_syncs += int((end - start) / timedelta(hours=1))
        self.exits[code] += 1
        return code

    def _kill_moment(self) -> float | None:
        """Kills are spread so the ones owed are all made by the last range, at a random point of the run's
        expected length."""
        chance = min(0.85, self._kills_owed / max(self._chunks_left, 1) / 2)
        if self._kills_owed <= 0 or self._rng.random() >= chance:
            return None
        return self._rng.uniform(0.1, 0.8) * self._seconds

    def close(self) -> None:
        self._log.close()


def sync_day(runner: Runner, start: datetime, end: datetime) -> bool:
    """Runs the range until a run ends clean; False when its records still failed after two complete runs."""
    complete = 0
    while True:
        code = runner.run(start, end)
        if code == _CONFIGURATION:
            raise SystemExit(f"ml-connector sync refused its configuration: see {_HOME / 'runs.log'}")
        if code == _OK:
            return True
        if code == _RECORDS_FAILED:
            complete += 1
            if complete >= _RUNS_BEFORE_SETTLING:
                return False


def soak_range(days: int) -> tuple[datetime, datetime]:
    """The last `days` of hourly windows that have settled."""
    settle = ConnectorSettings().settle_lag
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    if end + settle > datetime.now(UTC):
        end -= timedelta(hours=1)
    return end - timedelta(days=days), end


def edited_rows(sims: LocalSimulators, since: datetime) -> int:
    """Source rows whose change time moved past the soak's start: only the edits during paging move them."""
    orders = (sims.fusion.order(number) for number in sims.fusion.order_numbers())
    moved = sum(1 for order in orders if order and datetime.fromisoformat(str(order["LastUpdateDate"])) >= since)
    for collection in (sims.jaggaer.receipts.collection, sims.jaggaer.acknowledgments.collection):
        stamps = (document.get("lastUpdate") for document in collection.documents())
        moved += sum(1 for stamp in stamps if stamp and datetime.fromisoformat(str(stamp)) >= since)
    return moved


def reconcile(env: dict[str, str], start: datetime, end: datetime) -> str:
    """The reconciliation over the soak's range, when this build has `ml-connector reconcile`."""
    probe = subprocess.run([str(_CLI), "reconcile", "--help"], env=env, capture_output=True, text=True)
    if probe.returncode != 0:
        return "reconciliation: `ml-connector reconcile` is not in this build; skipped"
    lines = []
    for entity in ("purchase_orders", "invoices", "suppliers"):
        command = [str(_CLI), "reconcile", entity, "--start", start.isoformat(), "--end", end.isoformat()]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        lines.append(f"reconcile {entity} (exit {done.returncode}):\n{done.stdout.strip() or done.stderr.strip()}")
    return "\n".join(lines)


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    render = [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in [headers, *rows]
    ]
    return "\n".join([render[0], "  ".join("-" * w for w in widths), *render[1:]])


def report(runner: Runner, faults: Counter[str], checks: list[EntityCheck], seconds: float, entities: int) -> None:
    print(
        f"\nsoak: {runner.runs} runs of `ml-connector sync all`, {seconds / 60:.1f} min, load {os.getloadavg()[0]:.1f}"
        f" on {os.cpu_count()} CPUs; exits {dict(sorted(runner.exits.items()))} (-9: killed by the soak)"
    )
    print(
        table(
            ["fault injected", "count"],
            [[kind, f"{faults[kind]:,}"] for kind in KINDS] + [["SIGKILL of a run", f"{runner.kills}"]],
        )
    )
    print()
    rows = [[c.entity, f"{c.records:,}", str(c.lost), str(c.duplicated), str(c.stale), str(c.not_due)] for c in checks]
    print(table(["entity", "records", "lost", "duplicated", "stale", "not due yet"], rows))
    for check in checks:
        if check.examples:
            print(f"  {check.entity}: {', '.join(check.examples)}")
    print(f"\nwindow syncs: {runner.window_syncs:,} windows x {entities} entities = {runner.window_syncs * entities:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 days of windows, 3 kills: a fast check")
    parser.add_argument("--days", type=int, help="days of hourly windows (default 42)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server's admin URL: the soak's Dagster instance gets a database there (SQLite if none)",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    days = args.days or plan.days
    rng = random.Random(args.seed)
    began, started = time.monotonic(), datetime.now(UTC)
    start, end = soak_range(days)
    shutil.rmtree(_HOME, ignore_errors=True)
    _HOME.mkdir(parents=True)
    env = soak_environment(_HOME.resolve(), start, args.postgres)
    days_list = [
        (start + timedelta(hours=h), start + timedelta(hours=h + plan.chunk_hours))
        for h in range(0, days * 24, plan.chunk_hours)
    ]
    with simulators() as sims:
        prepare_store(sims, env)
        seeded = seed(sims, plan.volumes, start, end, rng)
        print(f"seeded over [{start:%Y-%m-%d %H:%M}, {end:%Y-%m-%d %H:%M}) UTC: {plan.volumes}", file=sys.stderr)
        runner = Runner(env, rng, plan, len(days_list))
        chaos = Chaos(sims, args.seed, plan.fault_pause_seconds)
        chaos.start()
        unsettled = []
        try:
            for number, (lo, hi) in enumerate(days_list, 1):
                if not sync_day(runner, lo, hi):
                    unsettled.append((lo, hi))
                runner.day_done()
                fired = sum(chaos.fired().values())
                done = f"range {number}/{len(days_list)}: {runner.runs} runs, {runner.kills} kills, {fired} faults"
                print(done, file=sys.stderr)
        finally:
            chaos.stop()
        faults = chaos.fired()
        # After the faults: the days whose records still failed, and the windows closed since the soak began (the
        # rows edited during paging moved there).
        for lo, hi in unsettled:
            runner.run(lo, hi, may_kill=False)
        caught_up, _ = soak_range(0)
        if caught_up > end:
            runner.run(end, caught_up, may_kill=False)
        faults[EDITED] = edited_rows(sims, started)
        checks = verify(sims, seeded, caught_up)
        runner.close()
        # While the simulators still serve: the reconciliation reads both sides.
        print(reconcile(env, start, end), file=sys.stderr)
    entities = len(FLOWS)
    report(runner, faults, checks, time.monotonic() - began, entities)
    records = sum(c.records for c in checks)
    lost, duplicated, stale = (sum(getattr(c, name) for c in checks) for name in ("lost", "duplicated", "stale"))
    counts = f"records={records} lost={lost} duplicated={duplicated} stale={stale}"
    print(f"soak syncs={runner.window_syncs} faults={sum(faults.values())} kills={runner.kills} {counts}")
    if lost or duplicated or stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
