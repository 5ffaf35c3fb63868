"""The one request loop: auth headers, timeouts, retries for reads, checked writes, JSON as Decimal."""

import json
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import quote, urlencode, urlsplit

import httpx

from ml_connector_dagster.http.errors import (
    AuthenticationError,
    RequestRejected,
    TransientError,
    WriteOutcomeUnknown,
)
from ml_connector_dagster.http.pacing import RequestPacer
from ml_connector_dagster.http.retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after
from ml_connector_dagster.http.transport import transport_for

USER_AGENT = "ml-connector-dagster/0.1 (+https://github.com/ml-connector)"
_ERROR_BODY_LIMIT = 300

# Connection never established: the request cannot have reached the server, so even a write may be resent.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Authorizer(Protocol):
    def headers(self, method: str, url: str) -> dict[str, str]:
        """The headers for one request; `url` is absolute and carries the query string, for a scheme that signs
        every request (OAuth 1.0a)."""
        ...

    def renew_after_unauthorized(self, sent: Mapping[str, str]) -> bool:
        """Drops the credential the server refused (`sent` are the headers it refused); True when a retry with
        a fresh one makes sense."""
        ...


class NoAuthorizer:
    def headers(self, method: str, url: str) -> dict[str, str]:
        return {}

    def renew_after_unauthorized(self, sent: Mapping[str, str]) -> bool:
        return False


def describe_error_body(response: httpx.Response) -> str:
    """Fusion v4+ JSON errors, Keycloak errors, plain text or nothing: whatever the server said, briefly."""
    text = response.text.strip()
    try:
        body = response.json()
    except ValueError:
        return text[:_ERROR_BODY_LIMIT] or "no error text"
    if isinstance(body, dict):
        details = [d.get("detail") for d in body.get("o:errorDetails", []) if isinstance(d, dict)]
        parts = [body.get("title"), *details, body.get("error"), body.get("error_description")]
        found = [str(p) for p in parts if p]
        if found:
            return "; ".join(found)[:_ERROR_BODY_LIMIT]
    return text[:_ERROR_BODY_LIMIT]


class ApiClient:
    """One system's HTTP session, safe to share between threads. Reads retry on 429/5xx/network errors;
    writes are never resent once they may have reached the server: they raise WriteOutcomeUnknown for the
    caller to check. At most `max_concurrent_requests` are in flight, fewer after a 429, which also pauses every
    thread."""

    def __init__(
        self,
        system: str,
        base_url: str,
        authorizer: Authorizer | None = None,
        retry: RetryPolicy | None = None,
        timeout_seconds: float = 60.0,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_concurrent_requests: int = 4,
        write_rate_per_second: float | None = None,
    ) -> None:
        self.system = system
        self._authorizer = authorizer or NoAuthorizer()
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self.pacer = RequestPacer(max_concurrent_requests, write_rate_per_second, sleep)
        # httpx's models, errors and transports, without its Client: auth, retries and redirects are ours, and
        # the Client's layers would add about a quarter of a millisecond of CPU to every request.
        self._base_text = str(httpx.URL(base_url.rstrip("/") + "/"))
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        self._timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 10.0)).as_dict()
        self._transport = transport_for(base_url, max_concurrent_requests)

    @property
    def max_concurrent_requests(self) -> int:
        return self.pacer.max_concurrent_requests

    def close(self) -> None:
        self._transport.close()

    def get_json(self, url: str, params: Mapping[str, str | int] | None = None) -> Any:
        return self._parse(self.send("GET", url, params=params, write=False))

    def send_json(
        self,
        method: str,
        url: str,
        body: Any,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        content = json.dumps(body, default=_json_default).encode("utf-8")
        sent = {**(headers or {}), "Content-Type": content_type}
        return self._parse(self.send(method, url, content=content, headers=sent, write=True))

    def post_form(self, url: str, form: Mapping[str, str], headers: Mapping[str, str] | None = None) -> Any:
        """Form posts here are token requests: safe to repeat, so they retry like reads."""
        return self._parse(self.send("POST", url, data=form, headers=headers, write=False))

    def send(
        self,
        method: str,
        url: str,
        *,
        write: bool,
        params: Mapping[str, str | int] | None = None,
        content: bytes | None = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        what = f"{method} {urlsplit(url).path or url}"
        target = self._absolute(url, params)
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            auth_headers = self._authorizer.headers(method, str(target))
            try:
                with self.pacer.slot(write) as sent_in:
                    response = self._exchange(method, target, content, data, {**auth_headers, **(headers or {})})
            except httpx.TransportError as exc:
                if write and not isinstance(exc, _NOT_SENT):
                    raise WriteOutcomeUnknown(
                        self.system, f"{what} failed after sending: {type(exc).__name__}"
                    ) from None
                if attempt >= self._retry.max_attempts:
                    raise TransientError(
                        self.system, f"{what} gave up after {attempt} attempts: {type(exc).__name__}: {exc}"
                    ) from None
                self._sleep(self._retry.delay(attempt))
                continue

            status = response.status_code
            if status == 401:
                if not renewed and self._authorizer.renew_after_unauthorized(auth_headers):
                    renewed = True
                    continue
                reason = describe_error_body(response)
                raise AuthenticationError(self.system, f"{what} was refused (401): {reason}", 401)
            if status in RETRYABLE_STATUSES:
                if write and status != 429:
                    raise WriteOutcomeUnknown(self.system, f"{what} answered {status} after sending", status)
                if attempt >= self._retry.max_attempts:
                    raise TransientError(self.system, f"{what} gave up after {attempt} attempts: HTTP {status}", status)
                delay = self._retry.delay(attempt, parse_retry_after(response.headers.get("Retry-After")))
                if status == 429:
                    self.pacer.throttled(delay, sent_in)
                else:
                    self._sleep(delay)
                continue
            if status >= 400:
                reason = describe_error_body(response)
                raise RequestRejected(self.system, f"{what} was rejected ({status}): {reason}", status)
            return response

    def _exchange(
        self,
        method: str,
        target: httpx.URL,
        content: bytes | None,
        data: Mapping[str, str] | None,
        headers: Mapping[str, str],
    ) -> httpx.Response:
        request = httpx.Request(
            method,
            target,
            content=content,
            data=data,
            headers={**self._headers, **headers},
            extensions={"timeout": self._timeout},
        )
        response = self._transport.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        response.request = request
        return response

    def _absolute(self, url: str, params: Mapping[str, str | int] | None) -> httpx.URL:
        """A relative URL continues the base path, as httpx's base_url does; hrefs from answers are absolute.
        Built as one string and parsed once: URL parsing is a good part of a request's CPU."""
        text = url if "://" in url else self._base_text + url.lstrip("/")
        if params:
            text += ("&" if "?" in text else "?") + urlencode(params, quote_via=quote)
        return httpx.URL(text)

    def _parse(self, response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            # Amounts must never pass through float.
            return json.loads(response.content, parse_float=Decimal)
        except ValueError:
            what = f"{response.request.method} {response.request.url.path}"
            raise RequestRejected(self.system, f"{what} answered non-JSON", response.status_code) from None


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")
