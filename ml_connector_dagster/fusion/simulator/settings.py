"""Settings of the simulated Fusion pod. What the reference marks [unverified] is a switch here, never a guess."""

from typing import Literal

from pydantic import BaseModel, Field

DatetimeForm = Literal["offset", "z", "naive"]


class FusionSimSettings(BaseModel):
    client_id: str = "fusion-sim-client"
    client_secret: str = "fusion-sim-secret"
    # Two URNs with no space between them, as Fusion pods commonly expect.
    scope: str = "urn:opc:resource:fa:instanceid=sim001urn:opc:resource:consumer::all"
    # HTTP Basic works for local (non-SSO) users only; these are the pod's local users.
    basic_users: dict[str, str] = {"integration.user": "Welcome1"}
    token_expires_in: int = Field(default=3600, ge=1)
    # [unverified] whether purchaseOrders lets clients filter on LastUpdateDate.
    last_update_date_queryable: bool = True
    # [unverified] which datetime literal forms `q` accepts: "+00:00" offset, "Z", or zone-less.
    accepted_datetime_forms: list[DatetimeForm] = ["offset", "z"]
    max_limit: int = Field(default=499, ge=1)
    default_limit: int = Field(default=25, ge=1)
    allowed_framework_versions: list[int] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
