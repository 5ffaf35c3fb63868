"""What one measurement found, the table people read and the one line a script reads."""

from pydantic import AwareDatetime, BaseModel, Field


class Window(BaseModel):
    """The orders a measurement reads: `orders` seeded with LastUpdateDate in [start, end)."""

    orders: int = Field(ge=1)
    start: AwareDatetime
    end: AwareDatetime


class Measurement(BaseModel):
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
        """Per order of the window, so a read that quarantined what it fetched is still counted."""
        return None if self.requests is None else self.requests / self.expected


class Target(BaseModel):
    figure: str
    measured: str
    target: str
    met: bool


class Summary(BaseModel):
    pull_vs_dlt: float
    pull_rps: float
    post_rps: float
    e2e_rps: float
    requests_per_po: float
    rss_growth_mb: float

    def line(self) -> str:
        return (
            f"bench pull_vs_dlt={self.pull_vs_dlt:.2f} pull_rps={self.pull_rps:.0f} post_rps={self.post_rps:.0f}"
            f" e2e_rps={self.e2e_rps:.0f} requests_per_po={self.requests_per_po:.3f}"
            f" rss_growth_mb={self.rss_growth_mb:.0f}"
        )

    def targets(self) -> list[Target]:
        return [
            Target(
                figure="pull at 50 ms vs dlt headers-only",
                measured=f"{self.pull_vs_dlt:.2f}x",
                target=">= 3x",
                met=self.pull_vs_dlt >= 3,
            ),
            Target(
                figure="post, no latency",
                measured=f"{self.post_rps:,.0f}/s",
                target=">= 1,000/s",
                met=self.post_rps >= 1000,
            ),
            Target(
                figure="end to end, no latency",
                measured=f"{self.e2e_rps:,.0f}/s",
                target=">= 1,000/s",
                met=self.e2e_rps >= 1000,
            ),
            Target(
                figure="Fusion requests per PO (pull)",
                measured=f"{self.requests_per_po:.3f}",
                target="<= 0.1",
                met=self.requests_per_po <= 0.1,
            ),
            Target(
                figure="peak RSS growth, end to end",
                measured=f"{self.rss_growth_mb:.0f} MB",
                target="< 50 MB",
                met=self.rss_growth_mb < 50,
            ),
        ]


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
    headers = ["measured", "latency", "records", "seconds", "records/s", "requests/record", "peak RSS"]
    rows = []
    for m in measurements:
        records = f"{m.records:,}" if m.records == m.expected else f"{m.records:,} of {m.expected:,}!"
        per_record = m.requests_per_record
        rows.append(
            [
                m.name,
                f"{m.latency_ms} ms",
                records,
                f"{m.seconds:.2f}",
                f"{m.rate:,.0f}",
                "-" if per_record is None else f"{per_record:.3f}",
                "-" if m.peak_rss_mb is None else f"{m.peak_rss_mb:.1f} MB",
            ]
        )
    return _table(headers, rows, right_aligned={1, 2, 3, 4, 5, 6})


def targets_table(summary: Summary) -> str:
    rows = [[t.figure, t.measured, t.target, "met" if t.met else "NOT met"] for t in summary.targets()]
    return _table(["figure", "measured", "target", ""], rows, right_aligned={1, 2})
