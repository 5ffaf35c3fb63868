"""Settings of the simulated NetSuite account. What the reference marks [unverified] is a switch here."""

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ml_connector_dagster.netsuite.simulator.schema import FEATURE_TABLES

RecordKind = Literal["vendor", "purchaseorder", "vendorbill"]


class NetSuiteSimSettings(BaseModel):
    # SuiteQL datetimes are in the account's time zone, not UTC [seen].
    account_timezone: str = "America/Los_Angeles"
    # [unverified] which instant a local time that occurs twice (the hour a daylight-saving change repeats)
    # means in TO_TIMESTAMP/TO_DATE: the first occurrence (summer time) or the second.
    ambiguous_local_time: Literal["earlier", "later"] = "earlier"
    # The user's preferred date format, used for datetime and date columns selected without TO_CHAR [seen].
    date_format: str = "M/D/YYYY"
    # Tables missing because their feature is off ("Record 'classification' was not found") [seen].
    features_off: list[str] = []
    # Accounts without OneWorld have no subsidiary table [seen].
    one_world: bool = True
    max_page_size: int = Field(default=1000, ge=1)
    # One query returns at most this many rows through offset paging [doc].
    offset_ceiling: int = Field(default=100_000, ge=1)
    # [unverified] the words NetSuite uses when offset + limit passes the ceiling.
    offset_ceiling_detail: str = (
        "Invalid search query. The sum of the offset and limit query parameters cannot exceed {ceiling}: "
        "SuiteQL returns at most {ceiling} results."
    )
    # An ORDER BY that is not unique breaks its ties differently on every request, so offset pages lose and
    # repeat rows [seen].
    unstable_ties: bool = True
    # [unverified] whether NULL values are left out of SuiteQL items or sent as JSON null.
    null_values: Literal["omit", "null"] = "omit"
    # A bad column gives 400, or on some accounts a 500 UNEXPECTED_ERROR [seen].
    unknown_column_status: Literal[400, 500] = 400
    # transactionaccountingline.lastmodifieddate is NULL on accounts created before 2023.1 [seen].
    accounting_line_lastmodified: bool = True
    # Concurrent REST requests per account; one more in flight at once is answered 429 [doc/seen].
    concurrency_limit: int = Field(default=2, ge=1)
    # [unverified] the error code of that 429.
    concurrency_error_code: str = "CONCURRENCY_LIMIT_EXCEEDED"
    # Under overload NetSuite answers a bogus 401 INVALID_LOGIN [seen]: every Nth REST request gets one (0: off).
    bogus_invalid_login_every: int = Field(default=0, ge=0)
    # [unverified] the `type` deletedrecord holds for each kind of record deleted.
    deleted_record_types: dict[RecordKind, str] = {
        "vendor": "vendor",
        "purchaseorder": "purchaseorder",
        "vendorbill": "vendorbill",
    }
    # [unverified] the status a voided vendor bill shows (None: unchanged); `voided` becomes 'T' either way.
    voided_bill_status: str | None = None

    @field_validator("account_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @field_validator("features_off")
    @classmethod
    def _known_features(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - FEATURE_TABLES)
        if unknown:
            raise ValueError(f"features_off: {unknown} cannot be off; known: {sorted(FEATURE_TABLES)}")
        return value


class RuntimeSettings(BaseModel):
    """The settings a running account can change (`PUT /__sim__/settings`): any subset, the rest stay."""

    model_config = ConfigDict(extra="forbid")

    account_timezone: str | None = None
    ambiguous_local_time: Literal["earlier", "later"] | None = None
    date_format: str | None = None
    features_off: list[str] | None = None
    one_world: bool | None = None
    unstable_ties: bool | None = None
    null_values: Literal["omit", "null"] | None = None
    unknown_column_status: Literal[400, 500] | None = None
    concurrency_limit: int | None = Field(default=None, ge=1)
    concurrency_error_code: str | None = None
    bogus_invalid_login_every: int | None = Field(default=None, ge=0)

    def applied_to(self, settings: NetSuiteSimSettings) -> NetSuiteSimSettings:
        changes = self.model_dump(exclude_unset=True, exclude_none=True)
        return NetSuiteSimSettings.model_validate({**settings.model_dump(), **changes})

    @classmethod
    def of(cls, settings: NetSuiteSimSettings) -> "RuntimeSettings":
        return cls.model_validate(settings.model_dump(include=set(cls.model_fields)))
