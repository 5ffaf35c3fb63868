"""JAGGAER Document Export pushes over real HTTP on loopback: checked, deduplicated, queued and audited, or refused
with a clear status; the store is real SQLite (the queue itself is tested on PostgreSQL too, in store/)."""

import logging
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from ml_connector_dagster.jaggaer.export import (
    AUDIT_ENTITY,
    AUDIT_SYSTEM,
    DocumentExportReceiver,
    ExportCredentials,
    ReceiverSettings,
)
from ml_connector_dagster.jaggaer.export.app import NO_MESSAGE_ID
from ml_connector_dagster.simulation.server import LoopbackServer
from ml_connector_dagster.store import AuditRow, AuditStatus, InboundRow, MasterKeys, Store, generate_key
from ml_connector_dagster_tests.cli_fixtures import ConnectorCli

IDENTITY = "ml-connector-export"
SHARED_SECRET = "export-Sh4red-secret-5c9e"
WRONG_SECRET = "guessed-Secret-0000-a1b2"
MAX_BYTES = 64 * 1024
PATH = ReceiverSettings().path


def export_xml(
    message_id: str,
    number: str = "INV-1001",
    identity: str = IDENTITY,
    secret: str = SHARED_SECRET,
    supplier: str = "Acme Supplies",
    description: str = "Copier paper",
    with_lines: bool = True,
) -> bytes:
    line = (
        f"<InvoiceLine><LineNo>1</LineNo><Description>{description}</Description><Quantity>2</Quantity>"
        "<UnitPrice>10.00</UnitPrice><PONumber>PO-1</PONumber>"
        '<CustomField name="account">101.95.60510</CustomField></InvoiceLine>'
        if with_lines
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<BuyerInvoiceExportMessage>
  <Header>
    <MessageId>{message_id}</MessageId>
    <Timestamp>2026-11-30T10:15:00Z</Timestamp>
    <Authentication><Identity>{identity}</Identity><SharedSecret>{secret}</SharedSecret></Authentication>
  </Header>
  <BuyerInvoice>
    <InvoiceHeader>
      <SupplierName>{supplier}</SupplierName><SupplierInvoiceNo>S-77</SupplierInvoiceNo>
      <InvoiceNumber>{number}</InvoiceNumber><InvoiceType>Invoice</InvoiceType><Currency>USD</Currency>
    </InvoiceHeader>
    {line}
  </BuyerInvoice>
</BuyerInvoiceExportMessage>""".encode()


@dataclass(frozen=True)
class Answer:
    http_status: int
    message_id: str
    status_code: int
    status_text: str


@dataclass
class Endpoint:
    store: Store
    url: str
    run_id: str

    def post(self, body: bytes | Iterator[bytes], headers: dict[str, str] | None = None) -> Answer:
        response = httpx.post(self.url, content=body, headers=headers or {"Content-Type": "application/xml"})
        root = fromstring(response.content)
        assert root.tag == "DocumentExportResponse" and root.get("version") == "1.0"
        assert response.headers["content-type"].startswith("application/xml")
        return Answer(
            http_status=response.status_code,
            message_id=_text(root, "Header/MessageId"),
            status_code=int(_text(root, "Response/Status/StatusCode")),
            status_text=_text(root, "Response/Status/StatusText"),
        )

    def queued(self) -> list[InboundRow]:
        return self.store.inbound.list()

    def audit(self) -> list[AuditRow]:
        rows = self.store.audit.query(run_id=self.run_id, system=AUDIT_SYSTEM, entity=AUDIT_ENTITY)
        return list(reversed(rows))


def _text(root: Element, path: str) -> str:
    found = root.find(path)
    assert found is not None, path
    return found.text or ""


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[Endpoint]:
    store = Store.open(f"sqlite:///{tmp_path / 'connector.db'}", MasterKeys.from_env_value(generate_key()))
    credentials = ExportCredentials.model_validate({"identity": IDENTITY, "shared_secret": SHARED_SECRET})
    receiver = DocumentExportReceiver(store, credentials, ReceiverSettings(max_body_bytes=MAX_BYTES), run_id="recv-1")
    try:
        with LoopbackServer(receiver.app) as server:
            yield Endpoint(store, f"{server.url}{PATH}", receiver.run_id)
    finally:
        store.close()


def test_an_export_is_answered_success_queued_without_its_credentials_and_audited(endpoint: Endpoint) -> None:
    answer = endpoint.post(export_xml("MSG-1"))

    assert answer == Answer(200, "MSG-1", 200, "Success")
    [row] = endpoint.queued()
    assert (row.message_id, row.document_type, row.document_number) == (
        "MSG-1",
        "BuyerInvoiceExportMessage",
        "INV-1001",
    )
    assert row.sent_at == "2026-11-30T10:15:00Z" and row.status == "queued"
    assert SHARED_SECRET not in row.payload and IDENTITY not in row.payload
    payload = fromstring(row.payload)
    assert _text(payload, "Header/MessageId") == "MSG-1"
    assert _text(payload, "BuyerInvoice/InvoiceLine/PONumber") == "PO-1"
    [audit] = endpoint.audit()
    assert (audit.record_key, audit.status, audit.payload_hash) == ("MSG-1", AuditStatus.POSTED, row.payload_hash)
    assert audit.reason == "queued BuyerInvoiceExportMessage INV-1001"
    assert audit.source_version is not None and audit.source_version.isoformat() == "2026-11-30T10:15:00+00:00"


def test_a_repeated_message_id_is_answered_success_and_recorded_not_queued_again(endpoint: Endpoint) -> None:
    endpoint.post(export_xml("MSG-1"))
    again = endpoint.post(export_xml("MSG-1"))

    assert again == Answer(200, "MSG-1", 200, "Success")
    assert len(endpoint.queued()) == 1
    assert [(row.status, row.reason) for row in endpoint.audit()] == [
        (AuditStatus.POSTED, "queued BuyerInvoiceExportMessage INV-1001"),
        (AuditStatus.SKIPPED, "duplicate: MessageId already received (BuyerInvoiceExportMessage INV-1001)"),
    ]


def test_the_same_document_resent_under_a_new_message_id_is_recognised(endpoint: Endpoint) -> None:
    endpoint.post(export_xml("MSG-1"))
    # Only the layout differs: the resend is the same document.
    resend = endpoint.post(export_xml("MSG-2").replace(b"\n    ", b"\n        "))

    assert resend == Answer(200, "MSG-2", 200, "Success")
    assert [row.message_id for row in endpoint.queued()] == ["MSG-1"]
    skipped = endpoint.audit()[-1]
    assert (skipped.record_key, skipped.status) == ("MSG-2", AuditStatus.SKIPPED)
    assert skipped.reason == "duplicate: BuyerInvoiceExportMessage INV-1001 already received under MessageId MSG-1"


def test_a_changed_document_under_the_same_number_is_queued_and_a_reused_message_id_is_refused(
    endpoint: Endpoint,
) -> None:
    endpoint.post(export_xml("MSG-1"))
    # A cancelled invoice arrives again without lines: new content, so a new document to process.
    cancelled = endpoint.post(export_xml("MSG-2", with_lines=False))
    reused = endpoint.post(export_xml("MSG-2", number="INV-2002"))

    assert cancelled == Answer(200, "MSG-2", 200, "Success")
    assert [(row.message_id, row.document_number) for row in endpoint.queued()] == [
        ("MSG-1", "INV-1001"),
        ("MSG-2", "INV-1001"),
    ]
    assert reused.http_status == reused.status_code == 409 and reused.message_id == "MSG-2"
    assert endpoint.audit()[-1].status == AuditStatus.FAILED


@pytest.mark.parametrize(
    ("identity", "secret", "why"),
    [("someone-else", SHARED_SECRET, "unknown Identity"), (IDENTITY, WRONG_SECRET, "wrong SharedSecret")],
)
def test_forged_identity_or_wrong_secret_is_refused_401_and_never_logged(
    endpoint: Endpoint, caplog: pytest.LogCaptureFixture, identity: str, secret: str, why: str
) -> None:
    caplog.set_level(logging.INFO)
    answer = endpoint.post(export_xml("MSG-9", identity=identity, secret=secret))

    assert answer == Answer(401, "MSG-9", 401, "authentication failed")
    assert endpoint.queued() == []
    [audit] = endpoint.audit()
    assert (audit.record_key, audit.status) == ("MSG-9", AuditStatus.FAILED)
    assert audit.reason == f"refused with 401: authentication failed: {why} (Identity {identity!r})"
    assert why in caplog.text
    for secret_text in (SHARED_SECRET, WRONG_SECRET):
        assert secret_text not in caplog.text and secret_text not in (audit.reason or "")


def test_unescaped_ampersands_in_text_are_accepted_and_cdata_is_left_alone(endpoint: Endpoint) -> None:
    body = export_xml(
        "MSG-3", supplier="Smith & Sons &amp; Co", description="R&D; kit for AT&T <![CDATA[a && b &amp; c]]> &#38;"
    )

    answer = endpoint.post(body)

    assert answer == Answer(200, "MSG-3", 200, "Success")
    payload = fromstring(endpoint.queued()[0].payload)
    assert _text(payload, "BuyerInvoice/InvoiceHeader/SupplierName") == "Smith & Sons & Co"
    assert _text(payload, "BuyerInvoice/InvoiceLine/Description") == "R&D; kit for AT&T a && b &amp; c &"


def test_an_oversize_delivery_is_refused_413_whether_or_not_it_says_its_length(endpoint: Endpoint) -> None:
    padding = b"<!-- " + b"x" * MAX_BYTES + b" -->"
    declared = endpoint.post(export_xml("MSG-4").replace(b"<Header>", padding + b"<Header>"))
    chunked = endpoint.post(iter([export_xml("MSG-5")[:100], b" " * MAX_BYTES]))
    just_fits = endpoint.post(export_xml("MSG-6") + b" " * (MAX_BYTES - len(export_xml("MSG-6"))))

    assert declared == chunked == Answer(413, "", 413, f"document larger than {MAX_BYTES} bytes")
    assert just_fits.status_code == 200
    assert [row.message_id for row in endpoint.queued()] == ["MSG-6"]
    refused = endpoint.audit()[:2]
    assert [(row.record_key, row.status) for row in refused] == [(NO_MESSAGE_ID, AuditStatus.FAILED)] * 2
    assert refused[0].reason == f"refused with 413: document larger than {MAX_BYTES} bytes"


def test_a_declared_oversize_length_is_refused_before_any_of_the_body_is_read(endpoint: Endpoint) -> None:
    url = httpx.URL(endpoint.url)
    with socket.create_connection((url.host, url.port), timeout=5) as connection:
        head = f"POST {PATH} HTTP/1.1\r\nHost: {url.host}\r\nContent-Length: {100 * MAX_BYTES}\r\n\r\n"
        # Only the headers are sent: a receiver that waited for the body would time this out.
        connection.sendall(head.encode())
        answer = b""
        while b"</DocumentExportResponse>" not in answer and (chunk := connection.recv(65536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert f"<StatusText>document larger than {MAX_BYTES} bytes</StatusText>".encode() in answer


@pytest.mark.parametrize(
    ("body", "message_id", "reason"),
    [
        (b"<BuyerInvoiceExportMessage><Header><MessageId>M</MessageId>", "", r"^malformed XML: no element found"),
        (b"not xml at all", "", r"^malformed XML: syntax error"),
        (b"<BuyerInvoiceExportMessage><Header/></BuyerInvoiceExportMessage>", "", r"Header has no MessageId$"),
        (b"<BuyerInvoiceExportMessage/>", "", r"^BuyerInvoiceExportMessage has no Header$"),
        (export_xml("MSG-7").replace(b"InvoiceNumber>", b"InvoiceNo>"), "MSG-7", r"has no InvoiceNumber"),
        (
            export_xml("MSG-8").replace(b"BuyerInvoiceExportMessage>", b"SupplierExportMessage>"),
            "MSG-8",
            r"^document type SupplierExportMessage is not accepted here \(accepted: BuyerInvoiceExportMessage\)$",
        ),
    ],
)
def test_malformed_deliveries_are_refused_400_with_the_reason(
    endpoint: Endpoint, body: bytes, message_id: str, reason: str
) -> None:
    answer = endpoint.post(body)

    assert (answer.http_status, answer.status_code, answer.message_id) == (400, 400, message_id)
    assert re.search(reason, answer.status_text), answer.status_text
    assert endpoint.queued() == []
    [audit] = endpoint.audit()
    assert audit.status == AuditStatus.FAILED and audit.record_key == (message_id or NO_MESSAGE_ID)


BILLION_LAUGHS = (
    b"""<?xml version="1.0"?>
<!DOCTYPE BuyerInvoiceExportMessage [
  <!ENTITY lol "lol">
"""
    + b"".join(
        f'  <!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">\n'.encode()
        for level in range(1, 10)
    )
    + b"""]>
<BuyerInvoiceExportMessage><Header><MessageId>&lol9;</MessageId></Header></BuyerInvoiceExportMessage>"""
)

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE BuyerInvoiceExportMessage [<!ENTITY stolen SYSTEM "file:///etc/passwd">]>
<BuyerInvoiceExportMessage><Header><MessageId>&stolen;</MessageId></Header></BuyerInvoiceExportMessage>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entity_tricks_are_refused_without_expanding_anything(endpoint: Endpoint, body: bytes) -> None:
    started = time.monotonic()
    answer = endpoint.post(body)

    assert time.monotonic() - started < 5
    assert answer == Answer(400, "", 400, "DTDs and entity declarations are not accepted")
    assert endpoint.queued() == []
    assert [row.status for row in endpoint.audit()] == [AuditStatus.FAILED]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_receiver_command_serves_what_credentials_set_stored(cli: ConnectorCli) -> None:
    missing = cli.refused("receiver", in_process=True)
    assert missing == (
        "no JAGGAER Document Export credentials stored as jaggaer_export/default: "
        "run `ml-connector credentials set jaggaer-export --identity … --shared-secret …`"
    )
    stored = cli.ok("credentials", "set", "jaggaer-export", "--identity", IDENTITY, "--shared-secret", SHARED_SECRET)
    assert stored.stdout.strip() == "stored jaggaer_export profile 'default' (1 secret value(s) encrypted)"
    assert SHARED_SECRET not in cli.ok("credentials", "list", in_process=True).stdout

    port = _free_port()
    process = cli.start("receiver", "--port", str(port))
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert banner.startswith(f"receiving JAGGAER Document Export at http://127.0.0.1:{port}{PATH}"), banner
        accepted = httpx.post(f"http://127.0.0.1:{port}{PATH}", content=export_xml("MSG-CLI"))
        forged = httpx.post(f"http://127.0.0.1:{port}{PATH}", content=export_xml("MSG-X", secret=WRONG_SECRET))
    finally:
        process.send_signal(2)
        result = cli.finish(process, ("receiver",))
    assert accepted.status_code == 200 and b"<StatusText>Success</StatusText>" in accepted.content
    assert forged.status_code == 401
    assert result.code == 0 and "stopped" in result.stdout and "Traceback" not in result.output, result.describe()
    assert SHARED_SECRET not in result.output and WRONG_SECRET not in result.output

    store = Store.open(f"sqlite:///{cli.db_path}")
    try:
        assert [row.message_id for row in store.inbound.list()] == ["MSG-CLI"]
        statuses = [row.status for row in store.audit.query(system=AUDIT_SYSTEM, entity=AUDIT_ENTITY)]
        assert sorted(statuses) == [AuditStatus.FAILED, AuditStatus.POSTED]
    finally:
        store.close()
    assert SHARED_SECRET.encode() not in cli.store_bytes()
