"""Charge accounts as documents carry them, and what the GL mapping turns them into for JAGGAER."""

from typing import NamedTuple

from ml_connector_dagster.records.base import CanonicalRecord


class ChargeAccount(NamedTuple):
    """An ERP charge account as a distribution names it: its code combination id when the source sends one,
    and its concatenated segments (`101.10.60510.120.000.000`)."""

    combination_id: int | None
    combination: str | None

    @property
    def label(self) -> str:
        return self.combination or f"code combination {self.combination_id}"


class MappedAccount(CanonicalRecord):
    """The JAGGAER custom-field values a charge account maps to."""

    cost_center: str
    gl_account: str
