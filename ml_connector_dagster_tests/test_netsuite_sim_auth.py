"""What the simulated NetSuite account refuses and why, over real HTTP on loopback: bad client assertions at the
token endpoint, bad or replayed TBA signatures, unknown, revoked and missing bearer tokens."""

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from pydantic import SecretStr

from ml_connector_dagster.http.errors import AuthenticationError
from ml_connector_dagster.netsuite.auth import TbaAuthorizer
from ml_connector_dagster.netsuite.simulator.auth import (
    INVALID_LOGIN_DETAIL,
    TOKEN_PATH,
    SimAuthSettings,
    SimKeyPair,
    generate_key_pair,
)
from ml_connector_dagster_tests.netsuite_accounts import (
    SETTINGS,
    SUITEQL_PATH,
    T0,
    Account,
    connected,
    m2m,
    query,
    serving,
)


@pytest.fixture(scope="module")
def keys() -> SimKeyPair:
    return generate_key_pair("PS256")


@pytest.fixture
def account(keys: SimKeyPair) -> Iterator[Account]:
    with serving(SimAuthSettings(public_key=keys.public_pem)) as served:
        yield served


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
