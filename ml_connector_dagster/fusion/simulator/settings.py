"""Settings of the simulated Fusion pod. What the reference marks [unverified] is a switch here, never a guess."""

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ml_connector_dagster.fusion.simulator.schema import SCHEMAS

DatetimeForm = Literal["offset", "z", "naive"]
FlagFormat = Literal["boolean", "yn"]
# [unverified] the status of a successful acknowledgment PATCH: 200 with the item, or 204 with no body.
PatchStatus = Literal[200, 204]


class FusionSimSettings(BaseModel):
    client_id: str = "fusion-sim-client"
    client_secret: str = "fusion-sim-secret"
    # Two URNs with no space between them, as Fusion pods commonly expect.
    scope: str = "urn:opc:resource:fa:instanceid=sim001urn:opc:resource:consumer::all"
    # HTTP Basic works for local (non-SSO) users only; these are the pod's local users.
    basic_users: dict[str, str] = {"integration.user": "Welcome1"}
    token_expires_in: int = Field(default=3600, ge=1)
    # [unverified] whether the windowed resources (purchaseOrders, suppliers, invoices) let clients filter on
    # LastUpdateDate.
    last_update_date_queryable: bool = True
    # [unverified] which datetime literal forms `q` accepts: "+00:00" offset, "Z", or zone-less.
    accepted_datetime_forms: list[DatetimeForm] = ["offset", "z"]
    max_limit: int = Field(default=499, ge=1)
    default_limit: int = Field(default=25, ge=1)
    allowed_framework_versions: list[int] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    # Resource name → attributes this pod lacks (release, configuration or security): absent from items and
    # from describe, and a 400 when filtered or ordered on, as on a pod that never had them.
    missing_attributes: dict[str, list[str]] = {}
    # Resource name → {documented attribute: the name this pod serves it under}, in items, describe and queries;
    # the documented name is then unknown to the pod.
    renamed_attributes: dict[str, dict[str, str]] = {}
    # After each page of a windowed resource's read filtered by `q`, this many rows of that page (never the same
    # row twice) are edited, their LastUpdateDate moved to now: users changing records while a window is paged.
    edits_during_read: int = Field(default=0, ge=0)
    # [seen] flags (CanceledFlag, EnabledFlag) come back as JSON booleans or as "Y"/"N" depending on the resource.
    flag_format: FlagFormat = "boolean"
    # The code of the value set holding the cost-center segment's values (chart of accounts configuration).
    cost_center_value_set: str = Field(default="CORP_COST_CENTER", min_length=1)
    # [unverified] whether purchase order lines serve OrderTypeLookupCode and MatchingBasis (which say whether a
    # line is received by quantity or, fixed-price services, by amount). The pod knows the kind either way.
    line_kind_attributes: bool = False
    # [unverified] the docs disagree on what a successful PATCH of purchaseOrderAcknowledgments answers.
    acknowledgment_patch_status: PatchStatus = 200
    # [unverified] the AcknowledgmentResponse values a pod takes (matched whatever their case, stored as here).
    acknowledgment_responses: list[str] = Field(default=["Accept", "Reject"], min_length=1)
    # [unverified] what a POST of invoices with `Upsert-Mode: true` answers when it updated an existing invoice
    # (a create answers 201 either way).
    invoice_upsert_update_status: Literal[200, 201] = 200

    @model_validator(mode="after")
    def _attributes_exist(self) -> Self:
        named = {"missing_attributes": self.missing_attributes, "renamed_attributes": self.renamed_attributes}
        for setting, by_resource in named.items():
            for resource, names in by_resource.items():
                if resource not in SCHEMAS:
                    raise ValueError(f"{setting}: no resource {resource!r}; known: {sorted(SCHEMAS)}")
                unknown = sorted(set(names) - set(SCHEMAS[resource].attributes))
                if unknown:
                    raise ValueError(f"{setting}: {resource} has no attributes {unknown}")
        for resource, names in self.missing_attributes.items():
            if SCHEMAS[resource].key in names:
                raise ValueError(f"missing_attributes: {resource} cannot lack its key {SCHEMAS[resource].key}")
        return self


class RuntimeSettings(BaseModel):
    """The settings a running pod can change (`PUT /__sim__/settings`): any subset, the rest stay as they are."""

    model_config = ConfigDict(extra="forbid")

    edits_during_read: int | None = Field(default=None, ge=0)
    missing_attributes: dict[str, list[str]] | None = None
    renamed_attributes: dict[str, dict[str, str]] | None = None
    last_update_date_queryable: bool | None = None
    accepted_datetime_forms: list[DatetimeForm] | None = None
    max_limit: int | None = Field(default=None, ge=1)
    default_limit: int | None = Field(default=None, ge=1)

    def applied_to(self, settings: FusionSimSettings) -> FusionSimSettings:
        changes = self.model_dump(exclude_unset=True, exclude_none=True)
        return FusionSimSettings.model_validate({**settings.model_dump(), **changes})

    @classmethod
    def of(cls, settings: FusionSimSettings) -> "RuntimeSettings":
        return cls.model_validate(settings.model_dump(include=set(cls.model_fields)))
