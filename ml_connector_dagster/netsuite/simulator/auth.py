"""NetSuite's two logins as the simulated account checks them: the M2M token endpoint verifying the client's
JWT assertion, and each request's Bearer token or TBA signature (OAuth 1.0a, HMAC-SHA256).

As on NetSuite, a refused request only says INVALID_LOGIN; why it was refused goes to the login audit trail
(`SimAuth.login_audit_trail`), where tests read it. Verification uses the same libraries as a real client
would (PyJWT, oauthlib), from the request as it arrived, never from the connector's code.
"""

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, NoReturn
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849.signature import collect_parameters, verify_hmac_sha256
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
Algorithm = Literal["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
ALGORITHMS: list[Algorithm] = ["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)
_ASSERTION_MAX_SECONDS = 3600
# [unverified] how far ahead of the account's clock an assertion's iat may be.
_CLOCK_SKEW_SECONDS = 60
_AUDIT_TRAIL_LENGTH = 1000
_CURVES: dict[str, ec.EllipticCurve] = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}


class SimAuthError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class SimKeyPair:
    """A certificate's key: the private half for the connection's profile, the public half for the account."""

    algorithm: str
    private_pem: str
    public_pem: str


def generate_key_pair(algorithm: str = "PS256") -> SimKeyPair:
    """A new key for `algorithm`: RSA 2048 for PS* (and RS*, to show it refused), the named curve for ES*."""
    if algorithm.startswith(("PS", "RS")):
        return _pair(algorithm, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    if algorithm in _CURVES:
        return _pair(algorithm, ec.generate_private_key(_CURVES[algorithm]))
    raise ValueError(f"no key kind for algorithm {algorithm!r}")


@cache
def demo_key_pair() -> SimKeyPair:
    """The fixed ES256 key the default settings register: the same on every run, so a demo profile stored once
    keeps working. Derived from a fixed number, a test key only."""
    scalar = int.from_bytes(hashlib.sha256(b"ml-connector netsuite simulator").digest()[:31], "big")
    return _pair("ES256", ec.derive_private_key(scalar, ec.SECP256R1()))


def _pair(algorithm: str, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> SimKeyPair:
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return SimKeyPair(algorithm, private.decode(), public.decode())


class SimAuthSettings(BaseModel):
    account_id: str = "1234567_SB1"
    # M2M: the integration's client id, and the certificate mapped to it (its id and public key).
    client_id: str = "netsuite-sim-client"
    certificate_id: str = "netsuite-sim-certificate"
    public_key: str = Field(default_factory=lambda: demo_key_pair().public_pem, description="PEM")
    allowed_algorithms: list[Algorithm] = Field(default=list(ALGORITHMS), min_length=1)
    token_lifetime_seconds: int = Field(default=3600, ge=1)
    # TBA: the integration's consumer key and secret, and the access token issued to a user and role.
    consumer_key: str = "netsuite-sim-consumer-key"
    consumer_secret: str = "netsuite-sim-consumer-secret"
    token_id: str = "netsuite-sim-token-id"
    token_secret: str = "netsuite-sim-token-secret"
    # A TBA timestamp this far from the account's clock is refused; a nonce is remembered at least this long.
    tba_window_seconds: int = Field(default=300, ge=1)

    @property
    def realm(self) -> str:
        return self.account_id.upper().replace("-", "_")


class SimAuth:
    def __init__(self, settings: SimAuthSettings | None = None, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings or SimAuthSettings()
        self._clock = clock
        self._lock = threading.Lock()
        # Access tokens are JWTs, as NetSuite's are, signed with this key: replacing it revokes them all.
        self._token_key = secrets.token_bytes(32)
        self._nonces: dict[str, float] = {}
        self.issued_count = 0
        self.login_audit_trail: deque[str] = deque(maxlen=_AUDIT_TRAIL_LENGTH)

    def routes(self) -> list[Route]:
        return [Route(TOKEN_PATH, self._token, methods=["POST"])]

    def expire_tokens(self) -> None:
        """Every access token issued so far is refused from now on."""
        with self._lock:
            self._token_key = secrets.token_bytes(32)

    def authorize(self, request: Request) -> None:
        """Passes a request with an unexpired token issued here or a valid TBA signature; raises SimAuthError
        (401 INVALID_LOGIN) otherwise."""
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() == "bearer":
            self._check_bearer(credentials.strip())
        elif scheme.lower() == "oauth":
            self._check_signature(request, header)
        else:
            self._refuse("no Bearer token and no OAuth signature")

    async def _token(self, request: Request) -> Response:
        form = {name: values[0] for name, values in parse_qs((await request.body()).decode("utf-8")).items()}
        # The assertion's aud must be the URL the client posted to.
        token_url = str(request.url.replace(query=""))
        try:
            claims = self._verified_assertion(form, token_url)
        except SimAuthError as refused:
            self.login_audit_trail.append(f"token request refused: {refused.detail}")
            return JSONResponse({"error": refused.code, "error_description": refused.detail}, refused.status)
        now = self._clock()
        access = {
            "sub": claims["iss"],
            "scope": claims["scope"],
            "exp": int(now) + self.settings.token_lifetime_seconds,
            "jti": secrets.token_hex(8),
        }
        with self._lock:
            token = jwt.encode(access, self._token_key, algorithm="HS256")
            self.issued_count += 1
        return JSONResponse(
            {"access_token": token, "token_type": "bearer", "expires_in": self.settings.token_lifetime_seconds}
        )

    def _verified_assertion(self, form: dict[str, str], token_url: str) -> dict[str, Any]:
        # [unverified] NetSuite's token endpoint answers 400 invalid_request for most refusals, with the reason
        # only in the Login Audit Trail; the simulator adds the reason as error_description.
        settings = self.settings
        if form.get("grant_type") != "client_credentials":
            raise SimAuthError(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_assertion_type") != JWT_BEARER:
            raise SimAuthError(400, "invalid_request", f"client_assertion_type must be {JWT_BEARER}")
        assertion = form.get("client_assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            raise SimAuthError(400, "invalid_request", "client_assertion is not a JWT") from None
        algorithm = header.get("alg")
        if algorithm not in settings.allowed_algorithms:
            hint = " (RSA PKCS#1 v1.5 is no longer accepted: use PS256)" if str(algorithm).startswith("RS") else ""
            allowed = ", ".join(settings.allowed_algorithms)
            raise SimAuthError(400, "invalid_request", f"alg {algorithm} is not one of {allowed}{hint}")
        if header.get("typ") != "JWT":
            raise SimAuthError(400, "invalid_request", "the assertion's typ must be JWT")
        if header.get("kid") != settings.certificate_id:
            raise SimAuthError(400, "invalid_request", f"kid {header.get('kid')!r} is not a mapped certificate")
        try:
            claims: dict[str, Any] = jwt.decode(
                assertion,
                settings.public_key,
                algorithms=[algorithm],
                audience=token_url,
                # Times are checked below against the account's clock, which tests control.
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["iss", "scope", "aud", "iat", "exp"],
                },
            )
        except jwt.InvalidAudienceError:
            raise SimAuthError(400, "invalid_request", f"aud must be the token endpoint, {token_url}") from None
        except jwt.InvalidSignatureError:
            raise SimAuthError(400, "invalid_request", "the signature does not verify with the certificate") from None
        except jwt.PyJWTError as error:
            raise SimAuthError(400, "invalid_request", f"the assertion is invalid: {error}") from None
        if claims["iss"] != settings.client_id:
            raise SimAuthError(400, "invalid_request", "iss is not the integration's client id")
        if "rest_webservices" not in _scopes(claims["scope"]):
            raise SimAuthError(400, "invalid_request", "scope does not include rest_webservices")
        issued, expires = claims["iat"], claims["exp"]
        if not all(isinstance(value, int | float) for value in (issued, expires)):
            raise SimAuthError(400, "invalid_request", "iat and exp must be seconds since 1970")
        if not 0 < expires - issued <= _ASSERTION_MAX_SECONDS:
            raise SimAuthError(400, "invalid_request", f"exp must be after iat by at most {_ASSERTION_MAX_SECONDS} s")
        now = self._clock()
        if expires <= now:
            raise SimAuthError(400, "invalid_request", "the assertion has expired")
        if issued > now + _CLOCK_SKEW_SECONDS:
            raise SimAuthError(400, "invalid_request", "the assertion is issued in the future")
        return claims

    def _check_bearer(self, token: str) -> None:
        with self._lock:
            key = self._token_key
        try:
            claims = jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False, "require": ["exp"]})
        except jwt.PyJWTError:
            self._refuse("the access token was not issued by this account, or was revoked")
        if claims["exp"] <= self._clock():
            self._refuse("the access token has expired")

    def _check_signature(self, request: Request, header: str) -> None:
        settings = self.settings
        url, query = _url_as_sent(request)
        try:
            sent = dict(
                collect_parameters(headers={"Authorization": header}, exclude_oauth_signature=False, with_realm=True)
            )
            signed = collect_parameters(uri_query=query, headers={"Authorization": header})
        except ValueError:
            self._refuse("the OAuth header or the query string is malformed")
        if sent.get("realm") != settings.realm:
            self._refuse(f"realm {sent.get('realm')!r} is not the account id {settings.realm!r}")
        if sent.get("oauth_signature_method") != "HMAC-SHA256":
            self._refuse(f"signature method {sent.get('oauth_signature_method')!r} is not HMAC-SHA256")
        if sent.get("oauth_consumer_key") != settings.consumer_key or sent.get("oauth_token") != settings.token_id:
            self._refuse("unknown consumer key or token")
        nonce, timestamp = sent.get("oauth_nonce", ""), sent.get("oauth_timestamp", "")
        if not nonce:
            self._refuse("no oauth_nonce")
        now = self._clock()
        if not timestamp.isdigit() or abs(now - int(timestamp)) > settings.tba_window_seconds:
            self._refuse(
                f"timestamp {timestamp!r} is not within {settings.tba_window_seconds} s of the account's clock"
            )
        checked = OAuthRequest(url, request.method)
        checked.params = signed
        checked.signature = sent.get("oauth_signature", "")
        if not verify_hmac_sha256(checked, settings.consumer_secret, settings.token_secret):
            self._refuse("the signature does not verify")
        with self._lock:
            self._nonces = {seen: until for seen, until in self._nonces.items() if until > now}
            if nonce in self._nonces:
                self._refuse(f"nonce {nonce!r} was used before")
            self._nonces[nonce] = max(now, int(timestamp)) + settings.tba_window_seconds

    def _refuse(self, reason: str) -> NoReturn:
        self.login_audit_trail.append(reason)
        raise SimAuthError(401, "INVALID_LOGIN", INVALID_LOGIN_DETAIL)


def _scopes(scope: object) -> set[str]:
    """A comma- or space-separated text, or a list, as NetSuite's examples show both."""
    if isinstance(scope, list):
        return {str(item) for item in scope}
    return set(str(scope).replace(",", " ").split())


def _url_as_sent(request: Request) -> tuple[str, str]:
    """The absolute URL the client signed, path and query byte for byte as they arrived, and the query."""
    path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"").decode("latin-1")
    url = f"{request.url.scheme}://{request.url.netloc}{path.decode('latin-1')}"
    return (f"{url}?{query}" if query else url), query
