"""Connector-wide settings, read from ML_CONNECTOR_* environment variables."""

from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
