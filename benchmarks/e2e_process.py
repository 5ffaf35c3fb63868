"""One end-to-end sync of purchase orders (pull then post) in a process of its own, so its peak RSS is the
connector's alone. Reference data (GL rule, cost centers, GL values, suppliers) is put in place first, untimed.

Started by run.py; prints one JSON line (`EndToEndResult`) on stdout.
"""

import argparse
import resource
import sys
from pathlib import Path

from pydantic import BaseModel

from connector_flow import ConnectorFlow
from results import PURCHASE_ORDERS, Window
from sim_process import SimulatorControl


class EndToEndResult(BaseModel):
    staged: int
    posted: int
    pull_seconds: float
    post_seconds: float
    peak_rss_kb: int
    requests: int | None  # both simulators served during the pull and post, when JAGGAER counts its own


def peak_rss_kb() -> int:
    """This process's peak resident set size.

    Linux's VmHWM, not `ru_maxrss`: the kernel carries the parent's peak over `fork`/`exec` into the child's
    ru_maxrss, so a child of the harness (hundreds of MB after dlt and duckdb) would report the harness's peak.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage // 1024 if sys.platform == "darwin" else usage  # macOS reports bytes, Linux KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fusion-url", required=True)
    parser.add_argument("--jaggaer-url", required=True)
    parser.add_argument("--window", required=True, help="a Window as JSON")
    parser.add_argument("--references", required=True, help="the Window the base suppliers are stamped into")
    args = parser.parse_args()
    window = Window.model_validate_json(args.window)
    sims = SimulatorControl(args.fusion_url, args.jaggaer_url)
    with ConnectorFlow(args.fusion_url, args.jaggaer_url) as flow:
        flow.put_references(Window.model_validate_json(args.references))
        before = sims.requests()
        pulled, pull_seconds = flow.pull(PURCHASE_ORDERS, window)
        posted, post_seconds = flow.post(PURCHASE_ORDERS, window)
        after = sims.requests()
    sims.close()
    result = EndToEndResult(
        staged=pulled.counts.staged,
        posted=posted.counts.posted,
        pull_seconds=pull_seconds,
        post_seconds=post_seconds,
        peak_rss_kb=peak_rss_kb(),
        requests=None if before is None or after is None else after - before,
    )
    print(result.model_dump_json())


if __name__ == "__main__":
    main()
