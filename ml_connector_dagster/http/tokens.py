"""OAuth 2.0 client-credentials tokens: fetched once, cached, renewed ahead of expiry and after a 401."""

import base64
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel, SecretStr

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import AuthenticationError
from ml_connector_dagster.http.retry import RetryPolicy


class AccessToken(BaseModel):
    value: SecretStr
    expires_at: datetime


class TokenCache(Protocol):
    """Where tokens outlive one process: several Dagster step processes share one token this way."""

    def load(self) -> AccessToken | None: ...

    def save(self, token: AccessToken) -> None: ...

    def forget(self) -> None: ...


class MemoryTokenCache:
    def __init__(self) -> None:
        self._token: AccessToken | None = None

    def load(self) -> AccessToken | None:
        return self._token

    def save(self, token: AccessToken) -> None:
        self._token = token

    def forget(self) -> None:
        self._token = None


class TokenGrant(Protocol):
    """How a token is asked for: with a client secret (ClientCredentialsGrant) or a signed assertion."""

    token_url: str

    def fetch(self, http: ApiClient, now: datetime) -> AccessToken: ...


class ClientCredentialsGrant(BaseModel):
    """`basic` sends the client in an Authorization header (OCI IAM); `form` in the body (Keycloak)."""

    token_url: str
    client_id: str
    client_secret: SecretStr
    scope: str | None = None
    client_auth: Literal["basic", "form"] = "basic"

    def fetch(self, http: ApiClient, now: datetime) -> AccessToken:
        form = {"grant_type": "client_credentials"}
        headers: dict[str, str] = {}
        if self.scope:
            form["scope"] = self.scope
        if self.client_auth == "basic":
            pair = f"{self.client_id}:{self.client_secret.get_secret_value()}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        else:
            form["client_id"] = self.client_id
            form["client_secret"] = self.client_secret.get_secret_value()
        try:
            body = http.post_form(self.token_url, form, headers=headers)
        except AuthenticationError:
            raise AuthenticationError(
                http.system,
                f"the token endpoint refused client '{self.client_id}': check the client id and secret",
                401,
            ) from None
        return parse_token(http.system, body, now)


def parse_token(system: str, body: object, now: datetime) -> AccessToken:
    """The token endpoint's answer, its lifetime counted from `now`, when it was asked for."""
    if not isinstance(body, dict) or not body.get("access_token"):
        raise AuthenticationError(system, "the token endpoint answered without an access_token")
    if "expires_in" in body:
        lifetime = timedelta(seconds=float(body["expires_in"]))
    elif "expire_in" in body:
        # JAGGAER's older Advantage host answers a non-standard `expire_in` in milliseconds.
        lifetime = timedelta(milliseconds=float(body["expire_in"]))
    else:
        raise AuthenticationError(system, "the token endpoint answered without expires_in")
    return AccessToken(value=SecretStr(str(body["access_token"])), expires_at=now + lifetime)


class TokenProvider:
    @classmethod
    def for_grant(
        cls,
        system: str,
        grant: TokenGrant,
        retry: RetryPolicy,
        refresh_margin: timedelta,
        cache: TokenCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> "TokenProvider":
        """A provider with its own session to the token endpoint (closed by `close`)."""
        http = ApiClient(system, grant.token_url, retry=retry, sleep=sleep)
        return cls(grant, http, cache, refresh_margin, clock)

    def __init__(
        self,
        grant: TokenGrant,
        http: ApiClient,
        cache: TokenCache | None = None,
        refresh_margin: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._grant = grant
        self._http = http
        self._cache = cache or MemoryTokenCache()
        self._margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: AccessToken | None = None
        self.fetch_count = 0

    def bearer(self) -> str:
        with self._lock:
            # The shared cache is read only when this process's own copy needs renewing: reading it on every
            # request would cost a store round trip per call.
            if not self._fresh(self._token):
                self._token = self._cache.load()
                if not self._fresh(self._token):
                    self._token = self._grant.fetch(self._http, self._clock())
                    self.fetch_count += 1
                    self._cache.save(self._token)
            assert self._token is not None
            return self._token.value.get_secret_value()

    def invalidate(self, refused: str | None = None) -> None:
        """Drops the token the server refused. Another thread may already have replaced it: keep that one."""
        with self._lock:
            if refused is not None and self._token is not None and self._token.value.get_secret_value() != refused:
                return
            self._token = None
            self._cache.forget()

    def _fresh(self, token: AccessToken | None) -> bool:
        return token is not None and token.expires_at - self._margin > self._clock()

    def close(self) -> None:
        self._http.close()


class BearerAuthorizer:
    def __init__(self, tokens: TokenProvider) -> None:
        self._tokens = tokens

    def headers(self, method: str, url: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._tokens.bearer()}"}

    def renew_after_unauthorized(self, sent: Mapping[str, str]) -> bool:
        self._tokens.invalidate(refused=sent.get("Authorization", "").removeprefix("Bearer "))
        return True


class BasicAuthorizer:
    def __init__(self, username: str, password: SecretStr) -> None:
        pair = f"{username}:{password.get_secret_value()}".encode()
        self._header = "Basic " + base64.b64encode(pair).decode()

    def headers(self, method: str, url: str) -> dict[str, str]:
        return {"Authorization": self._header}

    def renew_after_unauthorized(self, sent: Mapping[str, str]) -> bool:
        return False
