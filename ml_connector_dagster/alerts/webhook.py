"""Posts an alert to a Slack-compatible webhook through the connector's one request loop."""

import json
from urllib.parse import urlsplit

from pydantic import SecretStr

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import ConnectorHttpError
from ml_connector_dagster.http.retry import RetryPolicy

# A sensor tick has 60 seconds: a few quick tries, then the alert stays in the log only.
_RETRY = RetryPolicy(max_attempts=3, base_delay_seconds=0.5, max_delay_seconds=5.0)


class AlertNotSent(Exception):
    """The webhook refused the alert or could not be reached; names the host, never the URL's secret path."""


class WebhookClient:
    def __init__(self, url: SecretStr, timeout_seconds: float, retry: RetryPolicy = _RETRY) -> None:
        self._url = url.get_secret_value()
        self.host = urlsplit(self._url).hostname or "the webhook"
        self._client = ApiClient("webhook", self._url, retry=retry, timeout_seconds=timeout_seconds)

    def post(self, text: str) -> None:
        body = json.dumps({"text": text}).encode("utf-8")
        try:
            # Sent as repeatable (write=False): on a 5xx or a dropped connection a duplicate alert is better
            # than a lost one.
            self._client.send(
                "POST", self._url, write=False, content=body, headers={"Content-Type": "application/json"}
            )
        except ConnectorHttpError as exc:
            # The client's message names the request path, which for Slack is the secret: only the status goes.
            answer = f"answered {exc.status}" if exc.status else f"was unreachable ({type(exc).__name__})"
            raise AlertNotSent(f"the alert webhook at {self.host} {answer}: the alert is in the log only") from None

    def close(self) -> None:
        self._client.close()
