"""What one measurement found, the table people read and the lines a script reads."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import AwareDatetime, BaseModel, Field

# The entity whose line a script reads as the run's last: its format predates the other entities.
PURCHASE_ORDERS = "purchase_orders"
# The NetSuite flow measured, its rows counting transaction lines, not bills.
NETSUITE_BILLS = "netsuite_vendor_bills"


class Window(BaseModel):
    """The records a measurement reads: `records` of each measured entity seeded with LastUpdateDate in
    [start, end)."""

    records: int = Field(ge=1)
    start: AwareDatetime
    end: AwareDatetime


class Windows(BaseModel):
    """The measured window, a small one just before it for warming up, and one before that holding the
    reference records the measured ones name (suppliers, vendors)."""

    measured: Window
    warm: Window
    references: Window


def windows_of(records: int) -> Windows:
    """The measured window is one closed hour that ended an hour ago: the shape of a window the schedule syncs."""
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    hour = timedelta(hours=1)
    return Windows(
        measured=Window(records=records, start=end - hour, end=end),
        warm=Window(records=min(records, 50), start=end - 2 * hour, end=end - hour),
        references=Window(records=1, start=end - 3 * hour, end=end - 2 * hour),
    )


class Measurement(BaseModel):
    entity: str
    name: str
    latency_ms: int
    expected: int  # the records the window holds; fewer done is shown, never hidden
    records: int
    seconds: float
    requests: int | None = None  # served by the simulators during the measurement, when they count them
    peak_rss_mb: float | None = None

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    @property
    def complete(self) -> bool:
        return self.records == self.expected

    @property
    def requests_per_record(self) -> float | None:
        """Per record of the window, so a read that quarantined what it fetched is still counted."""
        return None if self.requests is None else self.requests / self.expected


class Target(BaseModel):
    entity: str
    figure: str
    measured: str
    target: str
    met: bool


class Summary(BaseModel):
    """One entity's figures beside the targets; `rss_growth_mb` only where the own-process runs measured it."""

    entity: str
    pull_vs_dlt: float
    pull_rps: float
    post_rps: float
    e2e_rps: float
    requests_per_record: float
    rss_growth_mb: float | None = None

    def line(self) -> str:
        """`bench <entity> pull_vs_dlt=… requests_per_record=…`; for purchase orders the line's first format
        (no entity, `requests_per_po`), which a script reads."""
        rates = (
            f"pull_vs_dlt={self.pull_vs_dlt:.2f} pull_rps={self.pull_rps:.0f} post_rps={self.post_rps:.0f}"
            f" e2e_rps={self.e2e_rps:.0f}"
        )
        rss = "" if self.rss_growth_mb is None else f" rss_growth_mb={self.rss_growth_mb:.0f}"
        if self.entity == PURCHASE_ORDERS:
            return f"bench {rates} requests_per_po={self.requests_per_record:.3f}{rss}"
        return f"bench {self.entity} {rates} requests_per_record={self.requests_per_record:.3f}{rss}"

    def targets(self) -> list[Target]:
        # (figure, measured, target, met)
        rows = [
            ("pull at 50 ms vs dlt headers-only", f"{self.pull_vs_dlt:.2f}x", ">= 3x", self.pull_vs_dlt >= 3),
            ("post, no latency", f"{self.post_rps:,.0f}/s", ">= 1,000/s", self.post_rps >= 1000),
            ("end to end, no latency", f"{self.e2e_rps:,.0f}/s", ">= 1,000/s", self.e2e_rps >= 1000),
            (
                "Fusion requests per record (pull)",
                f"{self.requests_per_record:.3f}",
                "<= 0.1",
                self.requests_per_record <= 0.1,
            ),
        ]
        if self.rss_growth_mb is not None:
            growth = self.rss_growth_mb
            rows.append(("peak RSS growth, end to end", f"{growth:.0f} MB", "< 50 MB", growth < 50))
        return [
            Target(entity=self.entity, figure=figure, measured=measured, target=target, met=met)
            for figure, measured, target, met in rows
        ]


class NetSuiteSummary(BaseModel):
    """The NetSuite vendor-bill pull at `latency_ms`: transaction lines (body lines, not the mainline) per second
    with the connection's `concurrent_requests`."""

    lines_per_s: float
    concurrent_requests: int
    latency_ms: int
    target: int

    @property
    def met(self) -> bool:
        # On the figure as printed, so a line never says 5000 beside met=no.
        return round(self.lines_per_s) >= self.target

    def line(self) -> str:
        """`bench netsuite_pull lines_per_s=… concurrent_requests=… latency_ms=… target=… met=yes|no`, read by
        a script."""
        return (
            f"bench netsuite_pull lines_per_s={self.lines_per_s:.0f} concurrent_requests={self.concurrent_requests}"
            f" latency_ms={self.latency_ms} target={self.target} met={'yes' if self.met else 'no'}"
        )

    def targets(self) -> list[Target]:
        figure = f"pull lines at {self.latency_ms} ms, {self.concurrent_requests} concurrent requests"
        measured, target = f"{self.lines_per_s:,.0f}/s", f">= {self.target:,}/s"
        return [Target(entity=NETSUITE_BILLS, figure=figure, measured=measured, target=target, met=self.met)]


def _table(headers: list[str], rows: list[list[str]], right_aligned: set[int]) -> str:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def render(row: list[str]) -> str:
        cells = [
            cell.rjust(width) if i in right_aligned else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([render(headers), rule, *(render(row) for row in rows)])


def measurements_table(measurements: list[Measurement]) -> str:
    headers = ["entity", "measured", "latency", "records", "seconds", "records/s", "requests/record", "peak RSS"]
    rows = []
    for m in measurements:
        records = f"{m.records:,}" if m.records == m.expected else f"{m.records:,} of {m.expected:,}!"
        per_record = m.requests_per_record
        rows.append(
            [
                m.entity,
                m.name,
                f"{m.latency_ms} ms",
                records,
                f"{m.seconds:.2f}",
                f"{m.rate:,.0f}",
                "-" if per_record is None else f"{per_record:.3f}",
                "-" if m.peak_rss_mb is None else f"{m.peak_rss_mb:.1f} MB",
            ]
        )
    return _table(headers, rows, right_aligned={2, 3, 4, 5, 6, 7})


def targets_table(summaries: Sequence[Summary | NetSuiteSummary]) -> str:
    rows = [
        [t.entity, t.figure, t.measured, t.target, "met" if t.met else "NOT met"]
        for summary in summaries
        for t in summary.targets()
    ]
    return _table(["entity", "figure", "measured", "target", ""], rows, right_aligned={2, 3})
