"""NetSuite push notifications over real HTTP on loopback: signed, fresh, new and well-formed ones are queued
(202); forged, stale, replayed, oversized or malformed ones are refused with a clear status and logged. The
SuiteScript, run under Node, signs what the receiver accepts; the CLI serves the secret it stored. The sensor that
turns notifications into syncs: test_netsuite_push_sensor.py.
"""

import json
import logging
import shutil
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from ml_connector_dagster.netsuite.push import (
    CREDENTIALS_COMMAND,
    NO_ID,
    signature,
    signed_headers,
)
from ml_connector_dagster.store import AuditStatus, InboundStatus
from ml_connector_dagster_tests.cli_fixtures import ConnectorCli

from .netsuite_push_endpoint import (
    ARABIC_DIGITS,
    HARNESS,
    MAX_BYTES,
    PATH,
    SCRIPT,
    SECRET,
    TOLERANCE,
    WRONG_SECRET,
    Answer,
    Endpoint,
    answer_of,
    notification,
)


def test_a_signed_notification_is_accepted_202_queued_and_audited(endpoint: Endpoint) -> None:
    body = notification("n-1")
    answer = endpoint.post(body)

    assert answer == Answer(202, "queued edit of vendorbill 123", "n-1")
    [row] = endpoint.queued()
    assert (row.message_id, row.document_type, row.document_number) == ("netsuite:n-1", "netsuite:vendorbill", "123")
    assert (row.status, row.payload) == (InboundStatus.QUEUED, body.decode())
    assert abs(datetime.fromisoformat(row.sent_at or "") - datetime.now(UTC)) < timedelta(minutes=1)
    [audit] = endpoint.audit()
    assert (audit.record_key, audit.status, audit.reason) == ("n-1", AuditStatus.POSTED, answer.message)
    assert audit.payload_hash == row.payload_hash


def test_a_record_type_in_any_case_and_a_numeric_record_id_are_read_as_netsuite_names_them(endpoint: Endpoint) -> None:
    body = json.dumps(
        {"id": "n-2", "recordType": "PurchaseOrder", "recordId": 77, "eventType": "xedit", "accountId": "1"}
    )
    assert endpoint.post(body.encode()).status == 202
    [row] = endpoint.queued()
    assert (row.document_type, row.document_number) == ("netsuite:purchaseorder", "77")


@pytest.mark.parametrize(
    ("secret", "headers", "reason"),
    [
        (WRONG_SECRET, None, "X-ML-Signature does not match the body: wrong shared secret, or altered"),
        (SECRET, {"X-ML-Signature": "sha256=00"}, "missing or malformed X-ML-Timestamp header (unix seconds expected)"),
        (SECRET, {"X-ML-Timestamp": "1700000000"}, "missing X-ML-Signature header"),
        (
            SECRET,
            {"X-ML-Timestamp": ARABIC_DIGITS, "X-ML-Signature": "sha256=00"},
            "missing or malformed X-ML-Timestamp",
        ),
    ],
    ids=["forged", "no-timestamp", "no-signature", "non-ascii-digits"],
)
def test_a_forged_or_unsigned_notification_is_refused_401_logged_and_not_queued(
    endpoint: Endpoint,
    caplog: pytest.LogCaptureFixture,
    secret: SecretStr,
    headers: dict[str, str | bytes] | None,
    reason: str,
) -> None:
    caplog.set_level(logging.INFO)
    answer = endpoint.post(notification("n-9"), secret=secret, headers=headers)

    assert answer.status == 401 and answer.message.startswith(reason), answer
    assert endpoint.queued() == []
    [audit] = endpoint.audit()
    assert (audit.record_key, audit.status) == (NO_ID, AuditStatus.FAILED)
    assert reason in caplog.text
    for secret_text in (SECRET, WRONG_SECRET):
        assert secret_text.get_secret_value() not in caplog.text + (audit.reason or "")


def test_an_altered_body_under_a_good_signature_is_refused_401(endpoint: Endpoint) -> None:
    stamp = str(int(time.time()))
    headers = {"X-ML-Timestamp": stamp, "X-ML-Signature": signature(SECRET, stamp, notification("n-3", record_id="1"))}

    answer = endpoint.post(notification("n-3", record_id="999"), headers=headers)

    assert answer.status == 401 and endpoint.queued() == []


@pytest.mark.parametrize(("shift", "when"), [(-TOLERANCE - 60, "s in the past"), (TOLERANCE + 60, "s in the future")])
def test_a_timestamp_outside_the_window_is_refused_401_saying_which_way(
    endpoint: Endpoint, shift: int, when: str
) -> None:
    answer = endpoint.post(notification("n-4"), at=time.time() + shift)

    assert answer.status == 401
    assert when in answer.message and f"outside the {TOLERANCE} s window" in answer.message, answer.message
    assert endpoint.queued() == []
    # Just inside the window, the same notification is fresh.
    assert endpoint.post(notification("n-4"), at=time.time() + shift // 2).status == 202


def test_a_replayed_notification_is_refused_409_and_queued_once(endpoint: Endpoint) -> None:
    body = notification("n-5")
    stamp = str(int(time.time()))
    headers = {"X-ML-Timestamp": stamp, "X-ML-Signature": signature(SECRET, stamp, body)}
    first = endpoint.post(body, headers=headers)
    # The captured request sent again, byte for byte, inside the timestamp window.
    replayed = endpoint.post(body, headers=headers)
    # The same id re-signed (a sender resending by mistake) is a replay too.
    resent = endpoint.post(body)

    assert first.status == 202
    assert replayed == resent == Answer(409, "notification n-5 was already received (replay)", "n-5")
    assert [row.message_id for row in endpoint.queued()] == ["netsuite:n-5"]
    assert [row.status for row in endpoint.audit()] == [AuditStatus.POSTED, AuditStatus.FAILED, AuditStatus.FAILED]


def test_an_oversize_notification_is_refused_413_whether_or_not_it_says_its_length(endpoint: Endpoint) -> None:
    declared = endpoint.post(notification("n-6", memo="x" * MAX_BYTES))
    chunked = endpoint.post(iter([notification("n-7")[:20], b" " * MAX_BYTES]))
    padding = MAX_BYTES - len(notification("n-8", memo=""))
    just_fits = endpoint.post(notification("n-8", memo="y" * padding))

    too_large = Answer(413, f"notification larger than {MAX_BYTES} bytes", "")
    assert declared == chunked == too_large
    assert just_fits.status == 202
    assert [row.message_id for row in endpoint.queued()] == ["netsuite:n-8"]


def test_a_declared_oversize_length_is_refused_before_any_of_the_body_is_read(endpoint: Endpoint) -> None:
    url = httpx.URL(endpoint.url)
    with socket.create_connection((url.host, url.port), timeout=5) as connection:
        head = f"POST {PATH} HTTP/1.1\r\nHost: {url.host}\r\nContent-Length: {100 * MAX_BYTES}\r\n\r\n"
        # Only the headers are sent: a receiver that waited for the body would time this out.
        connection.sendall(head.encode())
        answer = b""
        while b"}" not in answer and (chunk := connection.recv(65536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413 ")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"id": "n-10", ', "malformed JSON: "),
        (b"\xff\xfe", "malformed JSON: "),
        (b'["n-11"]', "the body must be a JSON object, not list"),
        (notification("n-12", record_type=None), "recordType: Field required"),
        (notification("n-13", record_id="  "), "recordId: Value error, must not be blank"),
        (notification("n-14", eventType=["edit"]), "eventType: Input should be a valid string"),
    ],
    ids=["truncated", "not-utf8", "array", "no-record-type", "blank-record-id", "event-type-list"],
)
def test_malformed_notifications_are_refused_400_naming_the_field(endpoint: Endpoint, body: bytes, reason: str) -> None:
    answer = endpoint.post(body)

    assert answer.status == 400 and answer.message.startswith(reason), answer
    assert endpoint.queued() == []
    assert [row.status for row in endpoint.audit()] == [AuditStatus.FAILED]


def test_a_wrong_method_or_path_is_refused_and_logged(endpoint: Endpoint, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    wrong_method = httpx.get(endpoint.url)
    wrong_path = httpx.post(endpoint.url.replace(PATH, "/jaggaer/document-export"), content=notification("n-15"))

    assert answer_of(wrong_method) == Answer(405, "method not allowed: POST only", "")
    assert wrong_method.headers["allow"] == "POST"
    assert answer_of(wrong_path) == Answer(404, "no NetSuite push receiver at this path", "")
    assert "GET /netsuite/changes refused with 405" in caplog.text
    assert "POST /jaggaer/document-export refused with 404" in caplog.text


def _run_suitescript(mode: str = "reachable") -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the SuiteScript cannot be run here")
    argv = [node, str(HARNESS), str(SCRIPT), SECRET.get_secret_value(), mode]
    completed = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=True)
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def test_what_the_suitescript_sends_is_accepted_by_the_receiver(endpoint: Endpoint) -> None:
    sent = _run_suitescript()

    answers = [
        answer_of(httpx.post(endpoint.url, content=request["body"], headers=request["headers"]))
        for request in sent["requests"]
    ]
    assert [request["url"] for request in sent["requests"]] == ["https://connector.example.com/netsuite/changes"] * 2
    assert [answer.status for answer in answers] == [202, 202]
    queued = [(row.document_type, row.document_number, json.loads(row.payload)) for row in endpoint.queued()]
    assert [(kind, number, body["eventType"], body["accountId"]) for kind, number, body in queued] == [
        ("netsuite:vendorbill", "4711", "edit", "1234567_SB1"),
        ("netsuite:vendor", "12", "delete", "1234567_SB1"),
    ]
    # The scheme, recomputed here: what the script signed is exactly `<timestamp>.<body>`.
    first = sent["requests"][0]
    stamp = first["headers"]["X-ML-Timestamp"]
    assert first["headers"]["X-ML-Signature"] == signature(SECRET, stamp, first["body"].encode())


def test_the_suitescript_never_fails_the_users_save_when_the_receiver_is_unreachable() -> None:
    sent = _run_suitescript(mode="unreachable")

    assert sent["requests"] == []
    assert [entry["title"] for level, entry in sent["logs"] if level == "error"] == ["ml-connector push not sent"] * 2
    assert SECRET.get_secret_value() not in json.dumps(sent["logs"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_receiver_command_serves_the_secret_credentials_set_generated(cli: ConnectorCli) -> None:
    missing = cli.refused("receiver", "--netsuite", in_process=True)
    assert missing == f"no NetSuite push secret stored as netsuite_push/default: run `{CREDENTIALS_COMMAND}`"
    short = cli.refused("credentials", "set", "netsuite-push", "--secret-file", "/dev/null", in_process=True)
    assert short == "shared_secret: is 0 characters, at least 32 are needed (`--generate` makes one)"
    generated = cli.ok("credentials", "set", "netsuite-push", "--generate", in_process=True).stdout.splitlines()
    assert generated[0] == "stored netsuite_push profile 'default' (1 secret value(s) encrypted)"
    secret = SecretStr(generated[-1])
    assert len(secret.get_secret_value()) == 64
    assert secret.get_secret_value() not in cli.ok("credentials", "list", in_process=True).stdout

    port = _free_port()
    process = cli.start("receiver", "--netsuite", "--port", str(port))
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert banner.startswith(f"receiving NetSuite change notifications at http://127.0.0.1:{port}{PATH}"), banner
        url = f"http://127.0.0.1:{port}{PATH}"
        body = notification("n-cli")
        accepted = httpx.post(url, content=body, headers=signed_headers(secret, int(time.time()), body))
        forged = httpx.post(url, content=body, headers=signed_headers(SECRET, int(time.time()), body))
    finally:
        process.send_signal(2)
        result = cli.finish(process, ("receiver", "--netsuite"))
    assert (accepted.status_code, forged.status_code) == (202, 401)
    assert result.code == 0 and "stopped" in result.stdout and "Traceback" not in result.output, result.describe()
    assert secret.get_secret_value() not in result.output
    assert secret.get_secret_value().encode() not in cli.store_bytes()
