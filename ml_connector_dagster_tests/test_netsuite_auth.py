"""NetSuite's two logins as the connector makes them, over real HTTP on loopback: the TBA signer against the
reference's cross-checked vector, the M2M assertion and its renewal at 55 of 60 minutes on a clock the test
moves, and one retry after a bogus 401."""

from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from pydantic import SecretStr, ValidationError

from ml_connector_dagster.http.errors import AuthenticationError
from ml_connector_dagster.netsuite.auth import JwtAssertionGrant, TbaAuthorizer
from ml_connector_dagster.netsuite.connection import NetSuiteConnection
from ml_connector_dagster.netsuite.simulator.auth import (
    SimAuthSettings,
    SimKeyPair,
    demo_key_pair,
    generate_key_pair,
)
from ml_connector_dagster_tests.netsuite_accounts import (
    SETTINGS,
    SUITEQL_PATH,
    T0,
    Account,
    connected,
    m2m,
    oauth_params,
    query,
    serving,
    tba,
)


@pytest.fixture(scope="module")
def keys() -> SimKeyPair:
    return generate_key_pair("PS256")


@pytest.fixture
def account(keys: SimKeyPair) -> Iterator[Account]:
    with serving(SimAuthSettings(public_key=keys.public_pem)) as served:
        yield served


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
