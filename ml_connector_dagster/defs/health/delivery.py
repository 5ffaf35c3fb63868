"""Sends alert texts: always to the sensor's log, and to the webhook when one is configured."""

from collections.abc import Sequence

import dagster as dg

from ml_connector_dagster.alerts import AlertNotSent, HealthSettings, WebhookClient


def deliver(log: dg.DagsterLogManager, texts: Sequence[str]) -> int:
    """Logs every text and posts it; returns how many reached the webhook. After one post fails, the rest of
    the tick's alerts are logged only, so an unreachable webhook cannot run the tick past its time limit."""
    for text in texts:
        log.error(text)
    settings = HealthSettings()
    if settings.alert_webhook_url is None or not texts:
        return 0
    client = WebhookClient(settings.alert_webhook_url, settings.alert_timeout_seconds)
    sent = 0
    try:
        for text in texts:
            client.post(text)
            sent += 1
    except AlertNotSent as exc:
        log.warning(f"{exc} ({len(texts) - sent} alert(s) not posted)")
    finally:
        client.close()
    return sent
