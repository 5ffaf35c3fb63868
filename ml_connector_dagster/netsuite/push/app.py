"""The NetSuite push receiver: the customer's SuiteScript POSTs change notifications here; each is checked
(size, signature, timestamp window, fields), queued once by its id, and audited.

It never reads or writes a record: the `netsuite_pushes` sensor turns what is queued into polls of the record's
flow, so push and poll share one write path, and a notification that never arrives is found by the next poll.
"""

import logging
import re
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ml_connector_dagster.http.receiving import read_limited
from ml_connector_dagster.netsuite.push.notification import (
    ChangeNotification,
    PushRefused,
    inbound_document,
    parse_notification,
)
from ml_connector_dagster.netsuite.push.settings import PushCredentials, PushSettings
from ml_connector_dagster.netsuite.push.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_matches
from ml_connector_dagster.store import AuditEntry, AuditStatus, Store

AUDIT_SYSTEM = "netsuite"
AUDIT_ENTITY = "push"
# What an audit row names a notification by before its id could be read.
NO_ID = "(no id)"
# Unix seconds; the length bound keeps the number a date.
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")

log = logging.getLogger(__name__)


class NetSuitePushReceiver:
    """The ASGI app is `.app`; every notification, refused or not, leaves one audit row under `run_id`."""

    def __init__(
        self,
        store: Store,
        credentials: PushCredentials,
        settings: PushSettings | None = None,
        run_id: str | None = None,
    ) -> None:
        self._store = store
        self._credentials = credentials
        self.settings = settings or PushSettings()
        self.run_id = run_id or f"netsuite-push-{uuid.uuid4().hex[:12]}"
        self.app = Starlette(
            routes=[Route(self.settings.path, self._receive, methods=["POST"])],
            exception_handlers={404: _not_here, 405: _not_here},
        )

    async def _receive(self, request: Request) -> Response:
        try:
            limit = self.settings.max_body_bytes
            body = await read_limited(request, limit, PushRefused(413, f"notification larger than {limit} bytes"))
        except PushRefused as refused:
            return await run_in_threadpool(self._refuse, refused)
        return await run_in_threadpool(self._handle, request.headers, body)

    def _handle(self, headers: Headers, body: bytes) -> Response:
        try:
            sent_at = self._authenticate(headers, body)
            return self._queue(parse_notification(body), body, sent_at)
        except PushRefused as refused:
            return self._refuse(refused)
        except SQLAlchemyError:
            # The SuiteScript does not resend; the next poll finds the change, so this costs only latency.
            log.exception("NetSuite push notification not queued: the store failed")
            return _answer(503, "temporarily unable to accept the notification")

    def _authenticate(self, headers: Headers, body: bytes) -> datetime:
        """When the notification was signed, once its signature and timestamp are both good."""
        stamp = headers.get(TIMESTAMP_HEADER, "").strip()
        given = headers.get(SIGNATURE_HEADER, "")
        if not _UNIX_SECONDS.fullmatch(stamp):
            raise PushRefused(401, f"missing or malformed {TIMESTAMP_HEADER} header (unix seconds expected)")
        if not given:
            raise PushRefused(401, f"missing {SIGNATURE_HEADER} header")
        if not signature_matches(self._credentials.shared_secret, stamp, body, given):
            raise PushRefused(401, f"{SIGNATURE_HEADER} does not match the body: wrong shared secret, or altered")
        skew = int(stamp) - int(time.time())
        tolerance = self.settings.tolerance_seconds
        if abs(skew) > tolerance:
            when = f"{-skew} s in the past" if skew < 0 else f"{skew} s in the future"
            raise PushRefused(
                401,
                f"{TIMESTAMP_HEADER} {stamp} is {when}, outside the {tolerance} s window "
                "(a replayed notification, or the sender's clock is wrong)",
            )
        return datetime.fromtimestamp(int(stamp), UTC)

    def _queue(self, notification: ChangeNotification, body: bytes, sent_at: datetime) -> Response:
        document = inbound_document(notification, body, sent_at)
        described = f"{notification.event_type} of {notification.record_type} {notification.record_id}"
        if not self._store.inbound.enqueue(document):
            raise PushRefused(409, f"notification {notification.id} was already received (replay)", notification.id)
        self._audit(notification.id, AuditStatus.POSTED, f"queued {described}", sent_at, document.payload_hash)
        log.info("NetSuite push %s queued (notification %s)", described, notification.id)
        return _answer(202, f"queued {described}", notification.id)

    def _refuse(self, refused: PushRefused) -> Response:
        reason = f"refused with {refused.status_code}: {refused.reason}"
        log.warning("NetSuite push notification (id %s) %s", refused.notification_id or "unknown", reason)
        try:
            self._audit(refused.notification_id or NO_ID, AuditStatus.FAILED, reason, None, None)
        except SQLAlchemyError:
            log.exception("refused NetSuite push notification not audited: the store failed")
        return _answer(refused.status_code, refused.reason, refused.notification_id)

    def _audit(
        self, key: str, status: AuditStatus, reason: str, sent_at: datetime | None, payload_hash: str | None
    ) -> None:
        entry = AuditEntry(
            run_id=self.run_id,
            system=AUDIT_SYSTEM,
            entity=AUDIT_ENTITY,
            record_key=key,
            source_version=sent_at,
            payload_hash=payload_hash,
            status=status,
            reason=reason,
        )
        self._store.audit.record([entry])


def _not_here(request: Request, exc: Exception) -> Response:
    status_code = exc.status_code if isinstance(exc, HTTPException) else 404
    reason = "method not allowed: POST only" if status_code == 405 else "no NetSuite push receiver at this path"
    log.warning(
        "NetSuite push request %s %s refused with %d: %s", request.method, request.url.path, status_code, reason
    )
    headers = exc.headers if isinstance(exc, HTTPException) else None
    return _answer(status_code, reason, headers=headers)


def _answer(
    status_code: int, message: str, notification_id: str = "", headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse({"status": status_code, "message": message, "id": notification_id}, status_code, headers)
