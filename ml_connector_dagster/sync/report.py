"""What a flow did, in the shape people read: counts per outcome and a few example records."""

from pydantic import BaseModel


class SyncCounts(BaseModel):
    pulled: int = 0
    staged: int = 0
    posted: int = 0
    skipped: int = 0
    quarantined: int = 0
    failed: int = 0
    pending: int = 0  # held back waiting on a supplier or a GL mapping; retried on later runs

    def line(self) -> str:
        return (
            f"pulled={self.pulled} posted={self.posted} skipped={self.skipped} "
            f"quarantined={self.quarantined} failed={self.failed} pending={self.pending}"
        )


class PreviewRow(BaseModel):
    key: str
    natural_key: str
    version: str
    outcome: str
    detail: str = ""


class FlowReport(BaseModel):
    counts: SyncCounts = SyncCounts()
    preview: list[PreviewRow] = []
    problems: list[str] = []  # the first few quarantine/failure reasons, verbatim
    # Optional source attributes that never arrived: `<resource>.<attribute>` → rows lacking it.
    missing: dict[str, int] = {}

    preview_limit: int = 10
    problem_limit: int = 10

    def add_preview(self, key: str, natural_key: str, version: str, outcome: str, detail: str = "") -> None:
        """Keeps the first few rows, built only while there is room: most records never need one."""
        if len(self.preview) < self.preview_limit:
            self.preview.append(
                PreviewRow(key=key, natural_key=natural_key, version=version, outcome=outcome, detail=detail)
            )

    def add_problem(self, reason: str) -> None:
        if len(self.problems) < self.problem_limit:
            self.problems.append(reason)

    def count_missing(self, labels: list[str]) -> None:
        for label in labels:
            self.missing[label] = self.missing.get(label, 0) + 1

    def missing_line(self) -> str:
        """`UnitPrice on 4,069 lines; Buyer on 3 purchaseOrders`, most frequent first."""
        ordered = sorted(self.missing.items(), key=lambda item: (-item[1], item[0]))
        return "; ".join(
            f"{label.partition('.')[2]} on {count:,} {label.partition('.')[0]}" for label, count in ordered
        )
