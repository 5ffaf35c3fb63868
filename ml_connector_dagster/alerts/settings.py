"""Alert and health settings, read from ML_CONNECTOR_* environment variables when a sensor or check runs."""

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class HealthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ML_CONNECTOR_", extra="ignore")

    # A Slack incoming webhook (or anything taking Slack's {"text": …} JSON). Its path is a credential, so it is a
    # secret: never logged, never in an error. Unset: alerts go to the sensor's log only.
    alert_webhook_url: SecretStr | None = None
    alert_timeout_seconds: float = Field(default=10.0, gt=0)
    # Failed checks of WARN severity (records waiting on a mapping or supplier) are routine; post them too?
    alert_on_warn: bool = False
    # An entity whose target asset has no successful post among the last N settled windows fails its freshness
    # check.
    freshness_windows: int = Field(default=3, ge=1)
