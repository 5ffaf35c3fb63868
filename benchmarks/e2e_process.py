"""One end-to-end sync (pull then post) in a process of its own, so its peak RSS is the connector's alone.

Started by run.py; prints one JSON line (`EndToEndResult`) on stdout.
"""

import argparse
import resource
import sys
from pathlib import Path

from pydantic import BaseModel

from connector_flow import ConnectorFlow
from results import Window


class EndToEndResult(BaseModel):
    staged: int
    posted: int
    pull_seconds: float
    post_seconds: float
    peak_rss_kb: int


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
    args = parser.parse_args()
    window = Window.model_validate_json(args.window)
    with ConnectorFlow(args.fusion_url, args.jaggaer_url) as flow:
        pulled, pull_seconds = flow.pull(window)
        posted, post_seconds = flow.post(window)
    result = EndToEndResult(
        staged=pulled.counts.staged,
        posted=posted.counts.posted,
        pull_seconds=pull_seconds,
        post_seconds=post_seconds,
        peak_rss_kb=peak_rss_kb(),
    )
    print(result.model_dump_json())


if __name__ == "__main__":
    main()
