"""How to reach one Oracle Fusion pod: URLs, auth choice, REST framework pin, paging, attribute names."""

import json
from typing import Any, Literal, Self

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from ml_connector_dagster.fusion.attribute_names import check_attribute_overrides
from ml_connector_dagster.fusion.query import DatetimeLiteral
from ml_connector_dagster.fusion.reference import DEFAULT_SEGMENT_ATTRIBUTES
from ml_connector_dagster.http.retry import RetryPolicy


class FusionConnection(BaseModel):
    base_url: str = Field(description="https://<pod>.fa.<region>.oraclecloud.com")
    auth: Literal["oauth", "basic"] = "oauth"
    token_url: str | None = Field(
        default=None, description="https://idcs-<id>.identity.oraclecloud.com/oauth2/v1/token"
    )
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scope: str | None = Field(
        default=None, description="urn:opc:resource:fa:instanceid=<id>urn:opc:resource:consumer::all"
    )
    username: str | None = None
    password: SecretStr | None = None
    api_version: str = "11.13.18.05"
    # Versions are not backward compatible; below 4 errors are not JSON and an `and` filter can silently match nothing.
    framework_version: int = Field(default=6, ge=4)
    # Which datetime literal form `q` accepts is unverified against a live pod, hence a setting.
    datetime_literal: DatetimeLiteral = "offset"
    page_size: int = Field(default=499, ge=1, le=499)
    # How a window is paged by (LastUpdateDate, key): `nested` sends one `q` with `or` and parentheses; `flat`
    # sends only `and` terms, at the cost of one extra request per page. Which forms a pod accepts is not
    # fully documented: `ml-connector ping fusion` probes the chosen one.
    keyset_form: Literal["nested", "flat"] = "nested"
    # `expand`: children arrive inside the header page; `links`: one request per header for its children.
    children: Literal["expand", "links"] = "expand"
    # Headers per page when children are expanded: each one carries its whole tree, so pages are heavier.
    expanded_page_size: int = Field(default=250, ge=1, le=499)
    max_concurrent_requests: int = Field(default=4, ge=1, le=64)
    # `"<resource>.<documented attribute>": "<attribute on this pod>"`, e.g. {"lines.Price": "UnitPrice"}.
    attribute_names: dict[str, str] = {}
    cost_center_value_set: str = Field(
        default="CORP_COST_CENTER",
        min_length=1,
        pattern=r"^[^']+$",
        description="ValueSetCode of the value set holding the cost-center segment's values (the cost centers)",
    )
    segment_delimiter: str = Field(
        default=".",
        min_length=1,
        description="what joins a combination's segments, as the chart of accounts does (101.10.60510…)",
    )
    gl_segment_attributes: list[str] = Field(
        default=list(DEFAULT_SEGMENT_ATTRIBUTES),
        min_length=1,
        description="accountCombinationsLOV attributes holding the segments, in chart order "
        "(text `_SEGMENT1,_SEGMENT2,…` or a list); Oracle does not document their names",
    )
    # Purchase orders, suppliers or invoices asked for in one `q` (`OrderNumber in (…)`) before a write: the
    # URL grows with each number.
    lookup_batch_size: int = Field(default=50, ge=1, le=200)
    # The write-back resources, as this pod names them.
    receipt_requests_resource: str = Field(default="receivingReceiptRequests", min_length=1)
    acknowledgments_resource: str = Field(default="purchaseOrderAcknowledgments", min_length=1)
    invoices_resource: str = Field(default="invoices", min_length=1)
    # Whether a PO line is received and matched by amount (fixed-price services) is served by an attribute
    # not every pod has [unverified]: its name, and the value that means "by amount". Where a line lacks it,
    # a receipt sends the measure its record carries and Fusion's answer decides.
    line_matching_basis_attribute: str = Field(default="MatchingBasis", min_length=1)
    amount_matching_basis: str = Field(default="AMOUNT", min_length=1)
    # [unverified] which statuses a successful acknowledgment PATCH answers: the docs disagree.
    acknowledgment_success_statuses: list[int] = Field(default=[200, 204], min_length=1)
    # The canonical answer ("accept"/"reject") → the AcknowledgmentResponse value this pod takes [unverified].
    acknowledgment_responses: dict[str, str] = {"accept": "Accept", "reject": "Reject"}
    # Send invoices with `Upsert-Mode: true`: a changed invoice then rewrites the one in Fusion.
    invoice_upsert_mode: bool = False
    timeout_seconds: float = Field(default=120.0, gt=0)
    token_refresh_margin_seconds: int = Field(default=300, ge=0)
    retry: RetryPolicy = RetryPolicy()

    @field_validator("attribute_names", mode="before")
    @classmethod
    def _attribute_names(cls, value: Any) -> Any:
        # Profiles keep settings as text, so the mapping arrives as a JSON object string.
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except ValueError:
                raise ValueError('must be a JSON object such as {"lines.Price": "UnitPrice"}') from None
        if isinstance(value, dict):
            check_attribute_overrides(value)
        return value

    @field_validator("gl_segment_attributes", mode="before")
    @classmethod
    def _segment_attributes(cls, value: Any) -> Any:
        # Profiles keep settings as text: a JSON list, or the names separated by commas.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return json.loads(text)
                except ValueError:
                    raise ValueError('must be names separated by commas or a JSON list such as ["_SEGMENT1"]') from None
            return [name.strip() for name in text.split(",") if name.strip()]
        return value

    @field_validator("acknowledgment_success_statuses", mode="before")
    @classmethod
    def _statuses(cls, value: Any) -> Any:
        # Profiles keep settings as text: `200,204` or a JSON list.
        if isinstance(value, str):
            text = value.strip()
            try:
                return json.loads(text) if text.startswith("[") else [int(p) for p in text.split(",") if p.strip()]
            except ValueError:
                raise ValueError("must be status codes separated by commas, such as 200,204") from None
        return value

    @field_validator("acknowledgment_responses", mode="before")
    @classmethod
    def _responses(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except ValueError:
                raise ValueError('must be a JSON object such as {"accept": "Accept", "reject": "Reject"}') from None
        if isinstance(value, dict) and set(value) != {"accept", "reject"}:
            raise ValueError("must name the pod's value for exactly the answers accept and reject")
        return value

    @model_validator(mode="after")
    def _auth_complete(self) -> Self:
        if self.auth == "oauth":
            missing = [n for n in ("token_url", "client_id", "client_secret", "scope") if getattr(self, n) is None]
            if missing:
                raise ValueError(f"OAuth to Fusion needs {', '.join(missing)}")
            if self.username or self.password:
                raise ValueError("choose one: OAuth client credentials or a username/password, not both")
        else:
            missing = [n for n in ("username", "password") if getattr(self, n) is None]
            if missing:
                raise ValueError(f"HTTP Basic to Fusion needs {', '.join(missing)}")
        return self

    @property
    def resources_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/fscmRestApi/resources/{self.api_version}"
