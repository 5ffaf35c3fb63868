"""What a reconciliation found for one flow and a range: per-record findings and per-day counts and totals."""

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict


class FindingKind(StrEnum):
    # The source has it, the target does not (e.g. deleted in JAGGAER by hand).
    MISSING = "missing_in_target"
    # The ledger's written version is not the source's: older, or unknown while the target holds the record
    # (e.g. a ledger restored from an older backup).
    STALE = "stale"
    # In the ledger (and maybe the target) with a source version in the range, yet the source no longer returns
    # it, in the range or after it: deleted at the source without a deletion it reports.
    EXTRA = "extra"
    # The amount of the version written differs from the source's.
    AMOUNT_DRIFT = "amount_drift"
    # The target holds an older version because the post chose not to write the source's newest, saying why
    # (a change the target cannot take: J1P cannot change an imported invoice). Re-sending changes nothing.
    DECLINED = "declined_by_post"


# What `--repair` re-sends; extra records are for a person to look at (the source no longer has them).
REPAIRABLE = (FindingKind.MISSING, FindingKind.STALE)


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: FindingKind
    source_key: str
    natural_key: str
    source_version: AwareDatetime | None
    written_version: AwareDatetime | None
    source_amount: Decimal | None = None
    written_amount: Decimal | None = None
    detail: str


class DayTotals(BaseModel):
    """One day of source change time. Amounts are summed as sent, whatever their currency: a checksum, not a
    balance. `written_total` is the amount of the version the ledger says was written, for the records the
    target holds."""

    day: date
    source_records: int = 0
    source_total: Decimal = Decimal(0)
    target_records: int = 0
    written_total: Decimal = Decimal(0)


class ReconcileReport(BaseModel):
    entity: str
    source_system: str
    target_system: str
    start: AwareDatetime
    end: AwareDatetime
    # Records the source returned for the range and that were compared.
    checked: int = 0
    # Records the source holds that fail validation: in the quarantine, not drift (`ml-connector replay`).
    invalid: int = 0
    # Records waiting on a supplier or mapping in the pending queue: not drift (`ml-connector pending`).
    pending: int = 0
    # Deletions the source reported in the range.
    deleted: int = 0
    # In the ledger with a version in the range, changed or deleted at the source since: later windows sync them.
    changed_later: int = 0
    # Listed by the source but written there by another of the connector's flows (sync/echoes.py): not compared.
    echoes: int = 0
    findings: list[Finding] = []
    days: list[DayTotals] = []

    def of(self, kind: FindingKind) -> list[Finding]:
        return [finding for finding in self.findings if finding.kind == kind]

    def counts(self) -> dict[str, int]:
        """Every kind of finding, zero when none, then what was compared and what is not drift."""
        found = {kind.value: len(self.of(kind)) for kind in FindingKind}
        return {
            "checked": self.checked,
            **found,
            "pending": self.pending,
            "changed_later": self.changed_later,
            "echoes": self.echoes,
            "invalid": self.invalid,
        }

    @property
    def clean(self) -> bool:
        return not self.findings

    @property
    def repairable(self) -> list[Finding]:
        """One finding per record to re-send (a stale record whose amount drifted is re-sent once)."""
        chosen: dict[str, Finding] = {}
        for finding in self.findings:
            if finding.kind in REPAIRABLE:
                chosen.setdefault(finding.source_key, finding)
        return list(chosen.values())

    def label(self) -> str:
        return f"{self.entity} [{self.start.isoformat()}, {self.end.isoformat()})"

    def line(self) -> str:
        return " ".join(f"{name}={value}" for name, value in self.counts().items())
