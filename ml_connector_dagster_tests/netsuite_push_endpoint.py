"""What the NetSuite push tests share: a receiver on loopback over a real store, signed notifications to it."""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from ml_connector_dagster.netsuite.push import (
    AUDIT_ENTITY,
    AUDIT_SYSTEM,
    NetSuitePushReceiver,
    PushCredentials,
    PushSettings,
    signed_headers,
)
from ml_connector_dagster.simulation.server import LoopbackServer
from ml_connector_dagster.store import AuditRow, InboundRow, Store

SECRET = SecretStr("0f3c9a1e5b7d2468ace0f3c9a1e5b7d2468ace0f3c9a1e5b7d2468ace0f3c9a")
WRONG_SECRET = SecretStr("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")
MAX_BYTES = 2048
TOLERANCE = 300
SETTINGS = PushSettings(max_body_bytes=MAX_BYTES, tolerance_seconds=TOLERANCE)
PATH = SETTINGS.path
SCRIPT = Path(__file__).resolve().parents[1] / "suitescript" / "ml_connector_push.js"
HARNESS = SCRIPT.parent / "test" / "harness.js"
# Digits to str.isdigit, not to int() parsing of a header: a timestamp must be ASCII.
ARABIC_DIGITS = "١٧٠٠٠٠٠٠٠٠".encode()


def notification(notification_id: str, record_type: str = "vendorbill", record_id: str = "123", **extra: Any) -> bytes:
    fields = {"id": notification_id, "recordType": record_type, "recordId": record_id, "eventType": "edit"}
    fields = {**fields, "accountId": "1234567_SB1", **extra}
    return json.dumps({name: value for name, value in fields.items() if value is not None}).encode()


@dataclass(frozen=True)
class Answer:
    status: int
    message: str
    id: str


@dataclass
class Endpoint:
    store: Store
    url: str
    run_id: str

    def post(
        self,
        body: bytes | Iterator[bytes],
        secret: SecretStr = SECRET,
        at: float | None = None,
        headers: dict[str, str | bytes] | None = None,
    ) -> Answer:
        signed = signed_headers(secret, int(time.time() if at is None else at), body) if isinstance(body, bytes) else {}
        response = httpx.post(self.url, content=body, headers=headers if headers is not None else signed)
        return answer_of(response)

    def queued(self) -> list[InboundRow]:
        return self.store.inbound.list()

    def audit(self) -> list[AuditRow]:
        return list(reversed(self.store.audit.query(run_id=self.run_id, system=AUDIT_SYSTEM, entity=AUDIT_ENTITY)))


def answer_of(response: httpx.Response) -> Answer:
    assert response.headers["content-type"] == "application/json"
    content = response.json()
    assert content["status"] == response.status_code
    return Answer(response.status_code, content["message"], content["id"])


@contextmanager
def serving(store: Store) -> Iterator[Endpoint]:
    """A receiver on loopback over `store` (the `endpoint` fixture)."""
    receiver = NetSuitePushReceiver(store, PushCredentials(shared_secret=SECRET), SETTINGS, run_id="push-1")
    with LoopbackServer(receiver.app) as server:
        yield Endpoint(store, f"{server.url}{PATH}", receiver.run_id)
