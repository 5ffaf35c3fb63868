"""Alerts to a chat webhook and the settings of alerts and health checks; knows nothing of Dagster."""

from ml_connector_dagster.alerts.redact import redact
from ml_connector_dagster.alerts.settings import HealthSettings
from ml_connector_dagster.alerts.webhook import AlertNotSent, WebhookClient

__all__ = ["AlertNotSent", "HealthSettings", "WebhookClient", "redact"]
