"""GL mapping rows, the fallback rule and their history, as the rest of the connector sees them.

Each ERP has its own rows and rule: its charge accounts are shaped differently (Fusion's combination of
segments, NetSuite's subsidiary.department.class.location.account), so one rule cannot serve both.
"""

from typing import Self

from pydantic import AwareDatetime, Field, model_validator

from ml_connector_dagster.store.models import MappingAction, _Row

# The source systems whose charge accounts are mapped: the `source` of the flows that post transactions.
ERPS: tuple[str, ...] = ("fusion", "netsuite")


class UnknownERPError(ValueError):
    def __init__(self, erp: str) -> None:
        super().__init__(f"GL mappings: unknown ERP {erp!r}; expected one of {', '.join(ERPS)}")
        self.erp = erp


def check_erp(erp: str) -> None:
    """Raises UnknownERPError when the connector maps no charge accounts for `erp`."""
    if erp not in ERPS:
        raise UnknownERPError(erp)


class MappingRow(_Row):
    """One ERP charge account, named by its combination or its code combination id, and the JAGGAER values it
    maps to."""

    combination: str | None = Field(default=None, min_length=1)
    code_combination_id: int | None = None
    cost_center: str = Field(min_length=1)
    gl_account: str = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _one_key(self) -> Self:
        if (self.combination is None) == (self.code_combination_id is None):
            given = "both are" if self.combination is not None else "neither is"
            raise ValueError(f"give exactly one of combination and code_combination_id ({given} set)")
        return self

    @property
    def subject(self) -> str:
        """How a person refers to this row: its combination, or its code combination id."""
        return self.combination or f"code combination {self.code_combination_id}"


class MappingRule(_Row):
    """How to map a charge account no row names: its cost center is one segment of the combination, its GL
    account either the whole combination or another segment."""

    delimiter: str = Field(default=".", min_length=1)
    cost_center_segment: int = Field(ge=1, description="1-based position of the cost-center segment")
    gl_account: str = Field(
        pattern=r"^(combination|segment:[1-9][0-9]*)$",
        description='"combination" (the whole charge account) or "segment:N" (1-based)',
    )


class MappingChange(_Row):
    id: int
    erp: str = Field(description="whose rows or rule changed")
    changed_at: AwareDatetime
    changed_by: str
    action: MappingAction
    subject: str = Field(description='the row\'s combination or code combination id, or "rule"')
    before: str | None = Field(description="JSON of the row or rule before the change; None when there was none")
    after: str | None = Field(description="JSON of the row or rule after the change; None when removed or cleared")
    source: str = Field(description='where the change came from, e.g. "import of mappings.csv"')


class ImportSummary(_Row):
    added: int
    changed: int
    removed: int
    unchanged: int
