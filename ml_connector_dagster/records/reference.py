"""Reference data read whole, with no change time at the source: GL account combinations and cost centers."""

from pydantic import Field

from ml_connector_dagster.records.base import CanonicalRecord


class GLAccount(CanonicalRecord):
    """One account combination of accountCombinationsLOV; `combination` is its segments joined by the chart of
    accounts' delimiter, the value JAGGAER's GL custom field holds."""

    code_combination_id: int
    chart_of_accounts_id: int | None = None
    combination: str = Field(min_length=1)
    segments: tuple[str, ...]
    enabled: bool
    account_type: str | None = None


class CostCenter(CanonicalRecord):
    """One value of the cost-center segment's value set."""

    value_set_code: str = Field(min_length=1)
    value: str = Field(min_length=1)
    description: str | None = None
    enabled: bool
