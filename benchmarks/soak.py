"""`make soak`: a fault-injection soak. Every entity of every direction is synced for 1,008 windows of five
minutes (`ML_CONNECTOR_PARTITION_CRON`; 3.5 days, one `ml-connector sync all` run per 4 hours of windows, each in
a process of its own) against the simulators while a background thread injects 429s with Retry-After, 5xx,
dropped connections, answers lost after a write was applied, token revocations and rows edited during paging,
and at least 20 runs are SIGKILLed at random points. A killed or failed run is run again for the same windows; a
range whose records still failed after two complete runs is run once more after the faults stop (re-running a
window is always safe). Windows that ran clean are never read again, so a record a run skipped stays lost.

A row edited during paging takes the time of the edit, after the soak's range: the soak then waits for the
window of the last edit to settle (a minute's lag) and syncs the windows since, as the schedule would, so every
edited row is judged too. Then every target is checked against its source, and `ml-connector reconcile` runs
over the whole range for every windowed entity.

Prints the faults by kind, kills, syncs, lost / duplicated / stale records per entity and the reconciliation,
then one line a script reads: `soak syncs=<n> faults=<n> kills=<n> records=<n> lost=<n> duplicated=<n> stale=<n>`
(`syncs`: window syncs of every entity, the windows each entity was synced for).

    .venv/bin/python benchmarks/soak.py [--quick] [--windows N] [--seed N]
"""

import argparse
import json
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
from ml_connector_dagster.defs.reconcile import reconciled_flows
from ml_connector_dagster.flows import FLOWS
from ml_connector_dagster.sync.reconcile_report import FindingKind, ReconcileReport

from soak_chaos import EDITED, KINDS, Chaos
from soak_world import EntityCheck, Volumes, prepare_store, seed, simulators, soak_environment, verify

_CLI = Path(sys.executable).parent / "ml-connector"
_HOME = Path(".ml-connector") / "soak"
# Exit codes of `ml-connector sync` (cli/exit_codes.py): a range is done at 0; at 3 its failed records wait for
# the range's next run.
_OK, _RECORDS_FAILED, _CONFIGURATION = 0, 3, 1
_RUNS_BEFORE_SETTLING = 2


# Five-minute windows read a minute after they close: the window of the last edit settles within six minutes
# of the faults' end. The look-back covers a commit that lands late; the simulators commit at once.
WINDOW = timedelta(minutes=5)
_WINDOW_SETTINGS = {
    "ML_CONNECTOR_PARTITION_CRON": "*/5 * * * *",
    "ML_CONNECTOR_SETTLE_LAG_MINUTES": "1",
    "ML_CONNECTOR_LOOKBACK_MINUTES": "2",
}


@dataclass(frozen=True)
class Plan:
    windows: int
    kills: int  # at least this many SIGKILLs
    volumes: Volumes
    # Windows per run: 4 hours of them, as a schedule that fell behind would catch up; a kill loses one run.
    windows_per_run: int = 48
    fault_pause_seconds: float = 3.0


FULL = Plan(windows=1008, kills=21, volumes=Volumes(1200, 400, 120, 120, 30, 300, 300))
QUICK = Plan(windows=96, kills=2, volumes=Volumes(120, 40, 20, 12, 8, 30, 30))


class Runner:
    """Runs `ml-connector sync all` for a range in a process of its own, SIGKILLing the runs it was told to."""

    def __init__(self, env: dict[str, str], rng: random.Random, plan: Plan, ranges: int) -> None:
        self._env, self._rng = env, rng
        self._kills_owed, self._ranges_left = plan.kills, ranges
        self.kills = 0
        self.runs = 0
        self.window_syncs = 0
        self.exits: Counter[int] = Counter()
        self._seconds = 40.0  # a run's expected length, refined as runs finish
        self._log = open(_HOME / "runs.log", "a")  # noqa: SIM115  # kept for the whole soak

    def range_done(self) -> None:
        self._ranges_left -= 1

    def run(self, start: datetime, end: datetime, may_kill: bool = True, counted: bool = True) -> int:
        """The run's exit code; -9 when this soak killed it. `counted`: its windows are the soak's own."""
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
        if counted and code in (_OK, _RECORDS_FAILED):
            self.window_syncs += int((end - start) / WINDOW)
        self.exits[code] += 1
        return code

    def _kill_moment(self) -> float | None:
        """Kills are spread so the ones owed are all made by the last range, at a random point of the run's
        expected length."""
        chance = min(0.85, self._kills_owed / max(self._ranges_left, 1) / 2)
        if self._kills_owed <= 0 or self._rng.random() >= chance:
            return None
        return self._rng.uniform(0.1, 0.8) * self._seconds

    def close(self) -> None:
        self._log.close()


def sync_range(runner: Runner, start: datetime, end: datetime) -> bool:
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


def settled_end(now: datetime) -> datetime:
    """The end of the last window that has settled at `now`."""
    end = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    settle = timedelta(minutes=int(_WINDOW_SETTINGS["ML_CONNECTOR_SETTLE_LAG_MINUTES"]))
    return end if end + settle <= now else end - WINDOW


def wait_until_settled(moment: datetime) -> datetime:
    """Waits until the window holding `moment` has settled; the end of that window."""
    while (end := settled_end(datetime.now(UTC))) <= moment:
        time.sleep(5)
    return end


def edited_rows(sims: LocalSimulators, since: datetime) -> int:
    """Source rows whose change time moved past the soak's start: only the edits during paging move them."""
    orders = (sims.fusion.order(number) for number in sims.fusion.order_numbers())
    moved = sum(1 for order in orders if order and datetime.fromisoformat(str(order["LastUpdateDate"])) >= since)
    for collection in (sims.jaggaer.receipts.collection, sims.jaggaer.acknowledgments.collection):
        stamps = (document.get("lastUpdate") for document in collection.documents())
        moved += sum(1 for stamp in stamps if stamp and datetime.fromisoformat(str(stamp)) >= since)
    return moved


def reconcile(env: dict[str, str], start: datetime, end: datetime) -> list[ReconcileReport]:
    """`ml-connector reconcile` of every windowed entity over the soak's range: a second, independent look at the
    targets (the ledger against both systems); any finding fails the soak."""
    reports = []
    for flow in reconciled_flows(FLOWS):
        command = [str(_CLI), "reconcile", flow.entity, "--start", start.isoformat(), "--end", end.isoformat()]
        done = subprocess.run([*command, "--json"], env=env, capture_output=True, text=True)
        if done.returncode not in (_OK, _RECORDS_FAILED):
            raise SystemExit(f"ml-connector reconcile {flow.entity} failed (exit {done.returncode}): {done.stderr}")
        reports.append(ReconcileReport.model_validate(json.loads(done.stdout)["before"]))
    return reports


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    render = [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        for r in [headers, *rows]
    ]
    return "\n".join([render[0], "  ".join("-" * w for w in widths), *render[1:]])


def report(
    runner: Runner, faults: Counter[str], checks: list[EntityCheck], reconciled: list[ReconcileReport], seconds: float
) -> None:
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
    print("\nreconciliation (`ml-connector reconcile`) of the range afterwards:")
    rows = [[r.entity, *(f"{count:,}" for count in r.counts().values())] for r in reconciled]
    print(table(["entity", *reconciled[0].counts()], rows))
    for r in reconciled:
        for finding in r.findings[:3]:
            print(f"  {r.entity} {finding.kind.value} {finding.natural_key}: {finding.detail}")
    entities = len(FLOWS)
    print(f"\nwindow syncs: {runner.window_syncs:,} windows x {entities} entities = {runner.window_syncs * entities:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="96 windows, 2 kills, fewer records: a fast check")
    parser.add_argument("--windows", type=int, help="windows of five minutes (default 1008)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server's admin URL: the soak's Dagster instance gets a database there (SQLite if none)",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    windows = args.windows or plan.windows
    rng = random.Random(args.seed)
    began, started = time.monotonic(), datetime.now(UTC)
    end = settled_end(started)
    start = end - windows * WINDOW
    shutil.rmtree(_HOME, ignore_errors=True)
    _HOME.mkdir(parents=True)
    env = {**soak_environment(_HOME.resolve(), start, args.postgres), **_WINDOW_SETTINGS}
    ranges = [
        (start + first * WINDOW, start + min(first + plan.windows_per_run, windows) * WINDOW)
        for first in range(0, windows, plan.windows_per_run)
    ]
    with simulators() as sims:
        prepare_store(sims, env)
        seeded = seed(sims, plan.volumes, start, end, rng)
        print(f"seeded over [{start:%Y-%m-%d %H:%M}, {end:%Y-%m-%d %H:%M}) UTC: {plan.volumes}", file=sys.stderr)
        runner = Runner(env, rng, plan, len(ranges))
        chaos = Chaos(sims, args.seed, plan.fault_pause_seconds)
        chaos.start()
        unsettled = []
        try:
            for number, (lo, hi) in enumerate(ranges, 1):
                if not sync_range(runner, lo, hi):
                    unsettled.append((lo, hi))
                runner.range_done()
                fired = sum(chaos.fired().values())
                done = f"range {number}/{len(ranges)}: {runner.runs} runs, {runner.kills} kills, {fired} faults"
                print(done, file=sys.stderr)
        finally:
            chaos.stop()
        faults = chaos.fired()
        # After the faults: the ranges whose records still failed, and the windows since the soak's range, where
        # the rows edited during paging moved, once the last of them has settled.
        for lo, hi in unsettled:
            runner.run(lo, hi, may_kill=False)
        caught_up = wait_until_settled(datetime.now(UTC))
        runner.run(end, caught_up, may_kill=False, counted=False)
        faults[EDITED] = edited_rows(sims, started)
        checks = verify(sims, seeded, caught_up)
        runner.close()
        # While the simulators still serve: the reconciliation reads both sides.
        reconciled = reconcile(env, start, caught_up)
    report(runner, faults, checks, reconciled, time.monotonic() - began)
    records = sum(c.records for c in checks)
    lost, duplicated, stale = (sum(getattr(c, name) for c in checks) for name in ("lost", "duplicated", "stale"))
    counts = f"records={records} lost={lost} duplicated={duplicated} stale={stale}"
    print(f"soak syncs={runner.window_syncs} faults={sum(faults.values())} kills={runner.kills} {counts}")
    # A version the post declined, saying why (J1P cannot change an imported invoice), is printed above; any other
    # finding fails the soak.
    drift = [f for r in reconciled for f in r.findings if f.kind is not FindingKind.DECLINED]
    if lost or duplicated or stale or drift:
        sys.exit(1)


if __name__ == "__main__":
    main()
