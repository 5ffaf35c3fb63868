"""NetSuite's two logins, chosen per connection: OAuth 2.0 client credentials with a JWT assertion signed by
the certificate's key (M2M), and token-based authentication signing every request (TBA, OAuth 1.0a).

Both are signed by maintained libraries (PyJWT, oauthlib), never by hand: a base string or a JWT assembled
here would be one more place for a subtle mistake that only the real account notices.
"""

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import jwt
from oauthlib.common import generate_nonce
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_AUTH_HEADER, Client
from pydantic import BaseModel, Field, SecretStr

from ml_connector_dagster.http.client import ApiClient, Authorizer
from ml_connector_dagster.http.errors import AuthenticationError, RequestRejected
from ml_connector_dagster.http.tokens import AccessToken, BearerAuthorizer, TokenCache, TokenProvider, parse_token
from ml_connector_dagster.netsuite.connection import ACCESS_TOKEN_SECONDS, SYSTEM, NetSuiteConnection, SigningAlgorithm

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class JwtAssertionGrant(BaseModel):
    """Client credentials where the client proves itself with a short-lived JWT signed by its certificate's key."""

    token_url: str
    client_id: str
    certificate_id: str
    private_key: SecretStr
    algorithm: SigningAlgorithm = "PS256"
    scope: str = "rest_webservices"
    assertion_lifetime_seconds: int = Field(default=300, ge=1, le=3600)

    def assertion(self, now: datetime) -> str:
        issued = int(now.timestamp())
        claims = {
            "iss": self.client_id,
            "scope": self.scope,
            "aud": self.token_url,
            "iat": issued,
            "exp": issued + self.assertion_lifetime_seconds,
        }
        headers = {"typ": "JWT", "kid": self.certificate_id}
        return jwt.encode(claims, self.private_key.get_secret_value(), algorithm=self.algorithm, headers=headers)

    def fetch(self, http: ApiClient, now: datetime) -> AccessToken:
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": self.assertion(now),
        }
        try:
            body = http.post_form(self.token_url, form)
        except (AuthenticationError, RequestRejected) as refused:
            answer = str(refused).removeprefix(f"{http.system}: ")
            raise AuthenticationError(
                http.system,
                f"the token endpoint refused client '{self.client_id}' with certificate '{self.certificate_id}' "
                f"({answer}); the account's Login Audit Trail says why",
                refused.status,
            ) from None
        return parse_token(http.system, body, now)


class TbaAuthorizer:
    """Signs every request with HMAC-SHA256: method and full URL, query string included; a JSON body is not
    part of the signature. The realm is the account id as `1234567_SB1`, not as the host spells it."""

    def __init__(
        self,
        realm: str,
        consumer_key: str,
        consumer_secret: SecretStr,
        token_id: str,
        token_secret: SecretStr,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = generate_nonce,
    ) -> None:
        self._realm = realm
        self._consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self._token_id = token_id
        self._token_secret = token_secret
        self._clock = clock
        self._nonce = nonce

    def headers(self, method: str, url: str) -> dict[str, str]:
        client = Client(
            self._consumer_key,
            client_secret=self._consumer_secret.get_secret_value(),
            resource_owner_key=self._token_id,
            resource_owner_secret=self._token_secret.get_secret_value(),
            signature_method=SIGNATURE_HMAC_SHA256,
            signature_type=SIGNATURE_TYPE_AUTH_HEADER,
            realm=self._realm,
            nonce=self._nonce(),
            timestamp=str(int(self._clock())),
        )
        _, signed, _ = client.sign(url, method)
        return {"Authorization": signed["Authorization"]}

    def renew_after_unauthorized(self, sent: Mapping[str, str]) -> bool:
        # Under load NetSuite answers a bogus INVALID_LOGIN; TBA tokens do not expire, and the retry (one per
        # request, the client's rule) is signed afresh with a new nonce and timestamp.
        return True


def authorizer_for(
    connection: NetSuiteConnection,
    token_cache: TokenCache | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> tuple[Authorizer, TokenProvider | None]:
    """The connection's login, and for M2M the token provider behind it (its owner closes it)."""
    if connection.auth == "tba":
        assert connection.consumer_key and connection.consumer_secret
        assert connection.token_id and connection.token_secret
        tba = TbaAuthorizer(
            connection.realm,
            connection.consumer_key,
            connection.consumer_secret,
            connection.token_id,
            connection.token_secret,
            clock=lambda: clock().timestamp(),
        )
        return tba, None
    assert connection.client_id and connection.certificate_id and connection.private_key
    grant = JwtAssertionGrant(
        token_url=connection.token_url,
        client_id=connection.client_id,
        certificate_id=connection.certificate_id,
        private_key=connection.private_key,
        algorithm=connection.algorithm,
        scope=connection.scope,
        assertion_lifetime_seconds=connection.assertion_lifetime_seconds,
    )
    # Renewed `token_renew_after_seconds` after it was minted: the margin is what is left of its lifetime then.
    margin = timedelta(seconds=ACCESS_TOKEN_SECONDS - connection.token_renew_after_seconds)
    tokens = TokenProvider.for_grant(SYSTEM, grant, connection.retry, margin, token_cache, sleep, clock)
    return BearerAuthorizer(tokens), tokens
