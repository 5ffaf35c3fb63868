"""NetSuite's two logins, connector and simulated account, over real HTTP on loopback: the TBA signer against
the reference's cross-checked vector, the M2M assertion and its renewal at 55 of 60 minutes on a clock the test
moves, one retry after a bogus 401, and what the simulated account refuses and why."""

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx
import jwt
import pytest
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header
from pydantic import SecretStr, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import AuthenticationError
from ml_connector_dagster.http.retry import RetryPolicy
from ml_connector_dagster.http.tokens import TokenProvider
from ml_connector_dagster.netsuite.auth import JwtAssertionGrant, TbaAuthorizer, authorizer_for
from ml_connector_dagster.netsuite.connection import SYSTEM, NetSuiteConnection
from ml_connector_dagster.netsuite.simulator.auth import (
    INVALID_LOGIN_DETAIL,
    TOKEN_PATH,
    SimAuth,
    SimAuthError,
    SimAuthSettings,
    SimKeyPair,
    demo_key_pair,
    generate_key_pair,
)
from ml_connector_dagster.simulation.server import LoopbackServer

SUITEQL_PATH = "/services/rest/query/v1/suiteql"
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
SETTINGS = SimAuthSettings()  # the fixed test credentials; each account below registers its own key


class Clock:
    """One clock for the connector and the simulated account, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def timestamp(self) -> float:
        return self.now.timestamp()

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Account:
    """A simulated account's logins in front of a SuiteQL route. `refuse_next` answers that many bogus
    INVALID_LOGINs to requests that did pass, as NetSuite does under load."""

    def __init__(self, settings: SimAuthSettings, clock: Clock) -> None:
        self.auth = SimAuth(settings, clock.timestamp)
        self.clock = clock
        self.url = ""
        self.seen: list[str] = []
        self.refuse_next = 0
        self.app = Starlette(routes=[*self.auth.routes(), Route(SUITEQL_PATH, self._suiteql, methods=["POST"])])

    async def _suiteql(self, request: Request) -> Response:
        self.seen.append(request.headers.get("authorization", ""))
        body = await request.body()
        try:
            self.auth.authorize(request)
            if self.refuse_next:
                self.refuse_next -= 1
                raise SimAuthError(401, "INVALID_LOGIN", INVALID_LOGIN_DETAIL)
        except SimAuthError as refused:
            detail = {"detail": refused.detail, "o:errorCode": refused.code}
            return JSONResponse({"title": "Unauthorized", "status": refused.status, "o:errorDetails": [detail]}, 401)
        return JSONResponse({"items": [], "hasMore": False, "q": json.loads(body)["q"]})

    def token_url(self) -> str:
        return self.url + TOKEN_PATH


@pytest.fixture(scope="module")
def keys() -> SimKeyPair:
    return generate_key_pair("PS256")


@contextmanager
def serving(settings: SimAuthSettings) -> Iterator[Account]:
    account = Account(settings, Clock(T0))
    with LoopbackServer(account.app) as server:
        account.url = server.url
        yield account


@pytest.fixture
def account(keys: SimKeyPair) -> Iterator[Account]:
    with serving(SimAuthSettings(public_key=keys.public_pem)) as served:
        yield served


def m2m(url: str, private_pem: str, **overrides: Any) -> NetSuiteConnection:
    given: dict[str, Any] = {
        "account_id": SETTINGS.account_id,
        "base_url": url,
        "auth": "m2m",
        "client_id": SETTINGS.client_id,
        "certificate_id": SETTINGS.certificate_id,
        "private_key": private_pem,
        "retry": RetryPolicy(base_delay_seconds=0),
    }
    return NetSuiteConnection.model_validate({**given, **overrides})


def tba(url: str) -> NetSuiteConnection:
    return NetSuiteConnection(
        account_id=SETTINGS.account_id,
        base_url=url,
        auth="tba",
        consumer_key=SETTINGS.consumer_key,
        consumer_secret=SecretStr(SETTINGS.consumer_secret),
        token_id=SETTINGS.token_id,
        token_secret=SecretStr(SETTINGS.token_secret),
    )


@contextmanager
def connected(connection: NetSuiteConnection, clock: Clock) -> Iterator[tuple[ApiClient, TokenProvider | None]]:
    authorizer, tokens = authorizer_for(connection, clock=clock)
    http = ApiClient(SYSTEM, connection.base_url, authorizer, retry=connection.retry)
    try:
        yield http, tokens
    finally:
        http.close()
        if tokens is not None:
            tokens.close()


def query(http: ApiClient) -> Any:
    """A SuiteQL page request as the connector sends it: limit/offset in the URL, the query in a JSON body."""
    response = http.send(
        "POST",
        SUITEQL_PATH,
        write=False,
        params={"limit": 1000, "offset": 0},
        content=json.dumps({"q": "SELECT id FROM vendor"}).encode(),
        headers={"Content-Type": "application/json", "Prefer": "transient"},
    )
    return response.json()


def oauth_params(header: str) -> dict[str, str]:
    return {name: unquote(value) for name, value in parse_authorization_header(header)}


def test_tba_signer_reproduces_the_reference_vector() -> None:
    # The account id in the host's spelling: the connection derives both the host and the realm from it.
    connection = NetSuiteConnection(
        account_id="123456-sb1",
        auth="tba",
        consumer_key="ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4",
        consumer_secret=SecretStr("d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5"),
        token_id="2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc",
        token_secret=SecretStr("c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295"),
    )
    assert connection.base_url == "https://123456-sb1.suitetalk.api.netsuite.com"
    assert (connection.realm, connection.host_id) == ("123456_SB1", "123456-sb1")
    assert connection.consumer_key and connection.consumer_secret and connection.token_id and connection.token_secret
    signer = TbaAuthorizer(
        connection.realm,
        connection.consumer_key,
        connection.consumer_secret,
        connection.token_id,
        connection.token_secret,
        clock=lambda: 1508242306,
        nonce=lambda: "fjaLirsIcCGVZWzBX0pg",
    )
    url = f"{connection.base_url}{SUITEQL_PATH}?limit=1000&offset=0"
    header = signer.headers("POST", url)["Authorization"]
    params = oauth_params(header)
    assert params["oauth_signature"] == "LjzqkKDpsRTpwqBkevEM3wfFmspmqdKggHTdHxxHp+U="
    assert params["realm"] == "123456_SB1"
    assert (params["oauth_signature_method"], params["oauth_version"]) == ("HMAC-SHA256", "1.0")
    assert (params["oauth_nonce"], params["oauth_timestamp"]) == ("fjaLirsIcCGVZWzBX0pg", "1508242306")
    # The query string is part of what is signed.
    other = oauth_params(signer.headers("POST", url.replace("offset=0", "offset=1000"))["Authorization"])
    assert other["oauth_signature"] != params["oauth_signature"]


@pytest.mark.parametrize("key_pair", [pytest.param("PS256", id="PS256"), pytest.param("ES256", id="ES256")])
def test_jwt_assertion_has_the_header_claims_and_lifetime_netsuite_checks(key_pair: str, keys: SimKeyPair) -> None:
    pair = keys if key_pair == "PS256" else demo_key_pair()
    connection = m2m("https://1234567-sb1.suitetalk.api.netsuite.com", pair.private_pem, algorithm=pair.algorithm)
    grant = JwtAssertionGrant(
        token_url=connection.token_url,
        client_id=SETTINGS.client_id,
        certificate_id=SETTINGS.certificate_id,
        private_key=SecretStr(pair.private_pem),
        algorithm=connection.algorithm,
        scope="rest_webservices,restlets",
    )
    assertion = grant.assertion(T0)
    assert jwt.get_unverified_header(assertion) == {"typ": "JWT", "alg": pair.algorithm, "kid": SETTINGS.certificate_id}
    token_url = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
    claims = jwt.decode(
        assertion,
        pair.public_pem,
        algorithms=[pair.algorithm],
        audience=token_url,
        options={"verify_exp": False, "verify_iat": False},
    )
    issued = int(T0.timestamp())
    assert claims == {
        "iss": SETTINGS.client_id,
        "scope": "rest_webservices,restlets",
        "aud": token_url,
        "iat": issued,
        "exp": issued + 300,
    }
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(assertion, generate_key_pair(pair.algorithm).public_pem, algorithms=[pair.algorithm])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"algorithm": "RS256"}, "RS256 is refused by NetSuite's token endpoint: sign with PS256"),
        ({"algorithm": "ES256"}, "private_key does not fit algorithm ES256: it needs an EC private key on curve P-256"),
        ({"private_key": "not a key"}, "private_key does not fit algorithm PS256"),
        ({"assertion_lifetime_seconds": 3601}, "less than or equal to 3600"),
        ({"token_renew_after_seconds": 3600}, "less than 3600"),
        ({"certificate_id": None}, "M2M login to NetSuite needs certificate_id"),
        ({"token_id": "abc"}, "choose one login"),
        ({"account_timezone": "Pacific Time"}, "'Pacific Time' is not an IANA time zone name"),
        ({"page_size": 1001}, "less than or equal to 1000"),
        ({"in_list_size": 501}, "less than or equal to 500"),
    ],
    ids=[
        "rs256",
        "key-not-ec",
        "not-a-key",
        "assertion-too-long",
        "renew-too-late",
        "no-certificate",
        "both-logins",
        "zone",
        "page-size",
        "in-list",
    ],
)
def test_connection_refuses_what_netsuite_would(overrides: dict[str, Any], message: str, keys: SimKeyPair) -> None:
    with pytest.raises(ValidationError) as refused:
        m2m("http://127.0.0.1:1", keys.private_pem, **overrides)
    messages = [str(error["msg"]) for error in refused.value.errors()]
    assert any(message in text for text in messages), messages
    assert not any("PRIVATE KEY" in text for text in messages), "a message never quotes the key"


def test_connection_defaults(keys: SimKeyPair) -> None:
    connection = NetSuiteConnection(
        account_id=" 1234567_sb1 ", auth="m2m", client_id="c", certificate_id="k", private_key=keys.private_pem
    )
    assert connection.account_id == "1234567_SB1"
    assert connection.token_url == "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
    assert (connection.algorithm, connection.scope, connection.assertion_lifetime_seconds) == (
        "PS256",
        "rest_webservices",
        300,
    )
    assert (connection.page_size, connection.max_concurrent_requests, connection.in_list_size) == (1000, 2, 500)
    assert connection.token_renew_after_seconds == 3300
    assert connection.zone.key == "America/Los_Angeles"


def test_m2m_token_is_renewed_at_55_of_its_60_minutes(account: Account, keys: SimKeyPair) -> None:
    clock = account.clock
    with connected(m2m(account.url, keys.private_pem), clock) as (http, tokens):
        assert tokens is not None
        assert query(http)["q"] == "SELECT id FROM vendor"
        first = tokens.bearer()
        clock.advance(minutes=54, seconds=59)
        query(http)
        assert (tokens.fetch_count, account.auth.issued_count) == (1, 1), "a token is reused for 55 minutes"
        clock.advance(seconds=1)
        query(http)
        assert (tokens.fetch_count, account.auth.issued_count) == (2, 2), "renewed at 55 minutes"
        assert tokens.bearer() != first
        # Renewed ahead of expiry: the first token still had five minutes, and only then does the account refuse it.
        old = {"Authorization": f"Bearer {first}"}
        body = {"q": "SELECT 1"}
        assert httpx.post(account.url + SUITEQL_PATH, headers=old, json=body).status_code == 200
        clock.advance(minutes=5)
        refused = httpx.post(account.url + SUITEQL_PATH, headers=old, json=body)
        assert refused.status_code == 401 and refused.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"
        assert account.auth.login_audit_trail[-1] == "the access token has expired"
        query(http)
        assert tokens.fetch_count == 2


def test_m2m_bogus_401_is_retried_once_with_a_new_token(account: Account, keys: SimKeyPair) -> None:
    with connected(m2m(account.url, keys.private_pem), account.clock) as (http, tokens):
        assert tokens is not None
        query(http)
        account.refuse_next = 1
        query(http)
        assert (tokens.fetch_count, len(account.seen)) == (2, 3)
        assert account.seen[1] != account.seen[2], "the retry carries a new token"

        account.refuse_next = 2
        with pytest.raises(AuthenticationError, match=r"refused \(401\): Unauthorized; Invalid login attempt"):
            query(http)
        assert len(account.seen) == 5, "one retry, not a loop"


def test_tba_requests_are_signed_and_a_bogus_401_is_retried_with_a_fresh_nonce(account: Account) -> None:
    with connected(tba(account.url), account.clock) as (http, tokens):
        assert tokens is None
        assert query(http)["q"] == "SELECT id FROM vendor"
        account.refuse_next = 1
        query(http)
        # The retried request passed the account's replay check: it was signed again, with another nonce.
        nonces = [oauth_params(header)["oauth_nonce"] for header in account.seen]
        assert len(nonces) == 3 and len(set(nonces)) == 3
        assert all(oauth_params(header)["realm"] == "1234567_SB1" for header in account.seen)


def test_demo_defaults_log_in_with_both_methods() -> None:
    pair = demo_key_pair()
    assert demo_key_pair().private_pem == pair.private_pem
    with serving(SimAuthSettings()) as served:
        for connection in (m2m(served.url, pair.private_pem, algorithm=pair.algorithm), tba(served.url)):
            with connected(connection, served.clock) as (http, _):
                assert query(http)["items"] == []


def assertion_form(key: SimKeyPair, token_url: str, **changes: Any) -> dict[str, str]:
    issued = int(T0.timestamp())
    claims = {"iss": SETTINGS.client_id, "scope": "rest_webservices", "aud": token_url, "iat": issued}
    claims["exp"] = issued + changes.pop("lifetime", 300)
    headers = {"kid": changes.pop("kid", SETTINGS.certificate_id)}
    algorithm = changes.pop("alg", "PS256")
    grant_type = changes.pop("grant_type", "client_credentials")
    claims.update(changes)
    return {
        "grant_type": grant_type,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": jwt.encode(claims, key.private_pem, algorithm=algorithm, headers=headers),
    }


@pytest.fixture(scope="module")
def other_key() -> SimKeyPair:
    return generate_key_pair("PS256")


@pytest.mark.parametrize(
    ("changes", "error", "reason"),
    [
        ({"alg": "RS256"}, "invalid_request", "alg RS256 is not one of PS256, PS384, PS512, ES256, ES384, ES512"),
        ({"kid": "another-certificate"}, "invalid_request", "kid 'another-certificate' is not a mapped certificate"),
        ({"signed_by": "other"}, "invalid_request", "the signature does not verify with the certificate"),
        ({"aud": "https://1234567-sb1.suitetalk.api.netsuite.com" + TOKEN_PATH}, "invalid_request", "aud must be"),
        ({"lifetime": 3601}, "invalid_request", "exp must be after iat by at most 3600 s"),
        ({"iat": int(T0.timestamp()) - 400}, "invalid_request", "the assertion has expired"),
        ({"iss": "someone-else"}, "invalid_request", "iss is not the integration's client id"),
        ({"scope": "restlets"}, "invalid_request", "scope does not include rest_webservices"),
        ({"grant_type": "password"}, "unsupported_grant_type", "grant_type must be client_credentials"),
    ],
    ids=[
        "rs256",
        "unknown-kid",
        "other-key",
        "production-aud",
        "too-long",
        "expired",
        "wrong-iss",
        "no-rest-scope",
        "grant-type",
    ],
)
def test_token_endpoint_refuses_bad_assertions(
    changes: dict[str, Any], error: str, reason: str, account: Account, keys: SimKeyPair, other_key: SimKeyPair
) -> None:
    key = other_key if changes.pop("signed_by", None) else keys
    if "iat" in changes:
        changes["exp"] = changes["iat"] + 300
    answer = httpx.post(account.token_url(), data=assertion_form(key, account.token_url(), **changes))
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == error
    assert reason in answer.json()["error_description"]
    assert reason in account.auth.login_audit_trail[-1]
    assert account.auth.issued_count == 0
    accepted = httpx.post(account.token_url(), data=assertion_form(keys, account.token_url()))
    assert accepted.status_code == 200 and accepted.json()["token_type"] == "bearer"
    assert accepted.json()["expires_in"] == 3600


def test_a_refused_token_request_names_the_client_and_certificate(account: Account, keys: SimKeyPair) -> None:
    connection = m2m(account.url, keys.private_pem, certificate_id="unmapped-certificate")
    with connected(connection, account.clock) as (http, _), pytest.raises(AuthenticationError) as refused:
        query(http)
    message = str(refused.value)
    assert "client 'netsuite-sim-client' with certificate 'unmapped-certificate'" in message
    assert "is not a mapped certificate" in message and "Login Audit Trail" in message
    assert account.seen == [], "no request was sent without a token"


def signed_header(account: Account, url: str, *, realm: str = SETTINGS.realm, **changes: Any) -> dict[str, str]:
    signer = TbaAuthorizer(
        realm,
        SETTINGS.consumer_key,
        SecretStr(SETTINGS.consumer_secret),
        SETTINGS.token_id,
        SecretStr(changes.get("token_secret", SETTINGS.token_secret)),
        clock=lambda: account.clock.timestamp() + changes.get("skew", 0),
        nonce=lambda: changes.get("nonce") or secrets.token_hex(10),
    )
    return signer.headers("POST", url)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"realm": "1234567-sb1"}, "realm '1234567-sb1' is not the account id '1234567_SB1'"),
        ({"realm": "1234567_sb1"}, "realm '1234567_sb1' is not the account id '1234567_SB1'"),
        ({"token_secret": "not-the-secret"}, "the signature does not verify"),
        ({"skew": -301}, "is not within 300 s of the account's clock"),
        ({"signed_offset": 1000}, "the signature does not verify"),
    ],
    ids=["host-form-realm", "lower-case-realm", "wrong-token-secret", "stale-timestamp", "query-changed"],
)
def test_account_refuses_bad_tba_signatures(changes: dict[str, Any], reason: str, account: Account) -> None:
    url = account.url + SUITEQL_PATH + "?limit=1000&offset=0"
    signed_url = url.replace("offset=0", f"offset={changes.pop('signed_offset', 0)}")
    refused = httpx.post(url, headers=signed_header(account, signed_url, **changes), json={"q": "SELECT 1"})
    assert refused.status_code == 401
    assert refused.json()["o:errorDetails"][0] == {"detail": INVALID_LOGIN_DETAIL, "o:errorCode": "INVALID_LOGIN"}
    assert reason in account.auth.login_audit_trail[-1]
    assert httpx.post(url, headers=signed_header(account, url), json={"q": "SELECT 1"}).status_code == 200


def test_account_refuses_a_replayed_tba_request(account: Account) -> None:
    url = account.url + SUITEQL_PATH + "?limit=1000&offset=0"
    header = signed_header(account, url, nonce="replayed-nonce-1")
    assert httpx.post(url, headers=header, json={"q": "SELECT 1"}).status_code == 200
    account.clock.advance(minutes=4)
    assert httpx.post(url, headers=header, json={"q": "SELECT 1"}).status_code == 401
    assert account.auth.login_audit_trail[-1] == "nonce 'replayed-nonce-1' was used before"
    fresh = signed_header(account, url, nonce="replayed-nonce-1")
    assert httpx.post(url, headers=fresh, json={"q": "SELECT 1"}).status_code == 401, "a nonce lives 5 minutes"
    account.clock.advance(minutes=2)
    fresh = signed_header(account, url, nonce="replayed-nonce-1")
    assert httpx.post(url, headers=fresh, json={"q": "SELECT 1"}).status_code == 200


def test_account_refuses_unknown_revoked_and_missing_bearer_tokens(account: Account, keys: SimKeyPair) -> None:
    url = account.url + SUITEQL_PATH
    token = httpx.post(account.token_url(), data=assertion_form(keys, account.token_url())).json()["access_token"]
    assert httpx.post(url, headers={"Authorization": f"Bearer {token}"}, json={"q": "x"}).status_code == 200
    forged = jwt.encode({"sub": SETTINGS.client_id, "exp": 9_999_999_999}, b"x" * 32, algorithm="HS256")
    account.auth.expire_tokens()
    for header in (f"Bearer {forged}", f"Bearer {token}", ""):
        assert httpx.post(url, headers={"Authorization": header}, json={"q": "x"}).status_code == 401
    assert list(account.auth.login_audit_trail) == [
        "the access token was not issued by this account, or was revoked",
        "the access token was not issued by this account, or was revoked",
        "no Bearer token and no OAuth signature",
    ]
