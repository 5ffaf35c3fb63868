"""Connector-wide settings, read from ML_CONNECTOR_* environment variables."""

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ml_connector_dagster.store.pending import BackoffPolicy


class ConnectorSettings(BaseSettings):
    """Where the connector keeps its state and how it cuts time into sync windows.

    Read at run time, never at import time for secrets: the master key must not reach Dagster's UI.
    """

    model_config = SettingsConfigDict(env_prefix="ML_CONNECTOR_", extra="ignore")

    home: Path = Path(".ml-connector")
    database_url: str | None = None
    master_key: SecretStr | None = None

    partition_cron: str = "0 * * * *"
    partition_start: str = "2026-01-01-00:00"
    partition_timezone: str = "UTC"
    settle_lag_minutes: int = Field(default=10, ge=0)
    lookback_minutes: int = Field(default=15, ge=0)

    # The pending queue: a record waiting on a supplier or a GL mapping is looked at again on every run and
    # posts as soon as what it waits on exists; while it still waits, it is retried (and audited) at these
    # growing intervals.
    pending_first_delay_seconds: float = Field(default=300, gt=0)
    pending_backoff_factor: float = Field(default=2.0, ge=1)
    pending_cap_seconds: float = Field(default=21600, gt=0)
    # Whether records that would only wait (unmapped account, supplier not in JAGGAER yet) fail the blocking
    # checks and stop the post of their run, instead of waiting in the pending queue while the rest posts.
    waiting_blocks_post: bool = False
    # Two-way reference data: per entity (suppliers, cost_centers, gl_values), who wins when both systems changed
    # a record since they last agreed: "fusion" (the system of record, the default), "jaggaer", or "newest"
    # (the later change). JSON, e.g. ML_CONNECTOR_TWO_WAY_POLICIES='{"suppliers": "newest"}'.
    two_way_policies: dict[str, Literal["fusion", "jaggaer", "newest"]] = {}
    # Several ERP connections at once, named in one YAML file (flows/connections.py); unset: one connection,
    # the `default` profiles.
    connections_file: Path | None = None

    @property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'connector.db').resolve()}"

    @property
    def settle_lag(self) -> timedelta:
        return timedelta(minutes=self.settle_lag_minutes)

    @property
    def lookback(self) -> timedelta:
        return timedelta(minutes=self.lookback_minutes)

    def two_way_policy(self, entity: str) -> Literal["fusion", "jaggaer", "newest"]:
        return self.two_way_policies.get(entity, "fusion")

    @property
    def backoff(self) -> BackoffPolicy:
        return BackoffPolicy(
            first_delay_seconds=self.pending_first_delay_seconds,
            factor=self.pending_backoff_factor,
            cap_seconds=self.pending_cap_seconds,
        )
