"""Fusion reference data read whole → canonical GLAccount (accountCombinationsLOV) and CostCenter (the values of
the cost-center segment's value set).

Neither has a change time at the source, so both are read in full. An account or value counts as enabled when
its flag says so and today lies within its active dates (both inclusive, either may be open).
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from pydantic import Field

from ml_connector_dagster.fusion.record_tree import AttributeNeed, Level, RecordTree
from ml_connector_dagster.fusion.resources import WholeResource
from ml_connector_dagster.records import CanonicalRecord, CostCenter, GLAccount, InvalidRecord
from ml_connector_dagster.records.bounds import text_problem

DEFAULT_SEGMENT_ATTRIBUTES = tuple(f"_SEGMENT{n}" for n in range(1, 7))
Today = Callable[[], date]


def utc_today() -> date:
    return datetime.now(UTC).date()


class _SourceRow(CanonicalRecord):
    """A reference row as Fusion sends it, typed, before it becomes a canonical record: held to the same bounds,
    so what the canonical record would refuse is named by its Fusion attribute here."""

    enabled: bool
    start_date_active: date | None = None
    end_date_active: date | None = None

    def active(self, today: date) -> bool:
        started = self.start_date_active is None or self.start_date_active <= today
        ended = self.end_date_active is not None and self.end_date_active < today
        return self.enabled and started and not ended


class _Combination(_SourceRow):
    code_combination_id: int
    chart_of_accounts_id: int | None = None
    account_type: str | None = None


class _Value(_SourceRow):
    value_id: int | None = None
    value: str = Field(min_length=1)
    description: str | None = None


_ACTIVE_DATES = {"enabled": "EnabledFlag", "start_date_active": "StartDateActive", "end_date_active": "EndDateActive"}
ACCOUNT_COMBINATION = Level(
    "accountCombinationsLOV",
    _Combination,
    {
        "code_combination_id": "_CODE_COMBINATION_ID",
        "chart_of_accounts_id": "_CHART_OF_ACCOUNTS_ID",
        "account_type": "AccountType",
        **_ACTIVE_DATES,
    },
    key="code_combination_id",
    flags=frozenset({"enabled"}),
)
VALUE = Level(
    "values",
    _Value,
    {"value_id": "ValueId", "value": "Value", "description": "Description", **_ACTIVE_DATES},
    key="value_id",
    number="value",
    flags=frozenset({"enabled"}),
)


class GLAccountMapping:
    """Reads account combinations: the row's typed attributes, then its segments from the configured segment
    attributes (Oracle does not document the LOV's segment names) joined by the chart of accounts' delimiter."""

    def __init__(
        self,
        overrides: Mapping[str, str] | None = None,
        segment_attributes: Sequence[str] = DEFAULT_SEGMENT_ATTRIBUTES,
        delimiter: str = ".",
        today: Today = utc_today,
    ) -> None:
        self.rows: RecordTree[_Combination] = RecordTree(ACCOUNT_COMBINATION, "account combination", overrides)
        self.segment_attributes = tuple(segment_attributes)
        self.delimiter = delimiter
        self._today = today

    @property
    def resource(self) -> WholeResource:
        return WholeResource(
            ACCOUNT_COMBINATION.resource, self.rows.attribute(ACCOUNT_COMBINATION.resource, "code_combination_id")
        )

    def needs(self) -> list[AttributeNeed]:
        """The row's attributes, and each segment attribute (a missing one is counted: that segment is empty)."""
        segments = [AttributeNeed(ACCOUNT_COMBINATION.resource, name, False) for name in self.segment_attributes]
        return [*self.rows.needs(), *segments]

    def record_key(self, raw: Mapping[str, Any]) -> str:
        return self.rows.record_key(raw)

    def convert(self, raw: Mapping[str, Any]) -> tuple[GLAccount, list[str]]:
        row, missing = self.rows.convert(raw)
        values: list[str] = []
        for name in self.segment_attributes:
            if name not in raw:
                missing.append(f"{ACCOUNT_COMBINATION.resource}.{name}")
            values.append(self._segment(raw, name))
        while values and not values[-1]:
            values.pop()  # charts with fewer segments than attributes configured
        if not values:
            reason = f"no segment values in {', '.join(self.segment_attributes)}"
            raise InvalidRecord(self.record_key(raw), f"{self.rows.label(raw)}: {reason}")
        account = GLAccount(
            code_combination_id=row.code_combination_id,
            chart_of_accounts_id=row.chart_of_accounts_id,
            combination=self.delimiter.join(values),
            segments=tuple(values),
            enabled=row.active(self._today()),
            account_type=row.account_type,
        )
        return account, missing

    def _segment(self, raw: Mapping[str, Any], name: str) -> str:
        value = raw.get(name)
        if value is None:
            return ""
        text = str(value).strip()
        problem = "must be a value" if isinstance(value, dict | list) else text_problem(text)
        if problem is not None:
            raise InvalidRecord(self.record_key(raw), f"{self.rows.label(raw)}: {name} {problem}")
        return text


class CostCenterMapping:
    """Reads the values of one value set as cost centers."""

    def __init__(
        self, value_set_code: str, overrides: Mapping[str, str] | None = None, today: Today = utc_today
    ) -> None:
        self.value_set_code = value_set_code
        self.rows: RecordTree[_Value] = RecordTree(VALUE, "cost center", overrides)
        self._today = today

    @property
    def key(self) -> str:
        """The values' key attribute: they are read in its order."""
        return self.rows.attribute(VALUE.resource, "value_id")

    def needs(self) -> list[AttributeNeed]:
        return self.rows.needs()

    def record_key(self, raw: Mapping[str, Any]) -> str:
        value = raw.get(self.rows.attribute(VALUE.resource, "value"))
        return str(value) if value not in (None, "") else self.rows.record_key(raw)

    def convert(self, raw: Mapping[str, Any]) -> tuple[CostCenter, list[str]]:
        try:
            row, missing = self.rows.convert(raw)
        except InvalidRecord as bad:
            # Quarantined under the key the value is staged by, so a fixed value resolves its entry.
            raise InvalidRecord(self.record_key(raw), bad.reason) from None
        center = CostCenter(
            value_set_code=self.value_set_code,
            value=row.value,
            description=row.description,
            enabled=row.active(self._today()),
        )
        return center, missing
