"""The Document Export receiver: JAGGAER POSTs documents here; each is checked, deduplicated, queued and audited.

It never writes a target: the flow that polls JAGGAER takes what is queued, so push and poll share one write path.
"""

import hmac
import logging
import uuid
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ml_connector_dagster.http.receiving import read_limited
from ml_connector_dagster.jaggaer.export.parsing import Delivery, DeliveryRefused, inbound_document, parse_delivery
from ml_connector_dagster.jaggaer.export.response import export_response
from ml_connector_dagster.jaggaer.export.settings import ExportCredentials, ReceiverSettings
from ml_connector_dagster.store import AuditEntry, AuditStatus, InboundDocument, Store

AUDIT_SYSTEM = "jaggaer"
AUDIT_ENTITY = "document_export"
# What an audit row names a delivery by before its MessageId could be read.
NO_MESSAGE_ID = "(no MessageId)"
_MEDIA_TYPE = "application/xml"
# Sender-chosen text (an Identity) quoted in the audit trail is cut to this length.
_QUOTED = 80

log = logging.getLogger(__name__)


class DocumentExportReceiver:
    """The ASGI app is `.app`; every delivery, refused or not, leaves one audit row under `run_id`."""

    def __init__(
        self,
        store: Store,
        credentials: ExportCredentials,
        settings: ReceiverSettings | None = None,
        run_id: str | None = None,
    ) -> None:
        self._store = store
        self._credentials = credentials
        self.settings = settings or ReceiverSettings()
        self.run_id = run_id or f"receiver-{uuid.uuid4().hex[:12]}"
        self.app = Starlette(routes=[Route(self.settings.path, self._receive, methods=["POST"])])

    async def _receive(self, request: Request) -> Response:
        try:
            limit = self.settings.max_body_bytes
            body = await read_limited(request, limit, DeliveryRefused(413, f"document larger than {limit} bytes"))
        except DeliveryRefused as refused:
            return await run_in_threadpool(self._refuse, refused)
        return await run_in_threadpool(self._handle, body)

    def _handle(self, body: bytes) -> Response:
        try:
            delivery = parse_delivery(body)
            self._authenticate(delivery)
            document = inbound_document(delivery, self.settings.document_number_elements)
            return self._queue(document, delivery)
        except DeliveryRefused as refused:
            return self._refuse(refused)
        except SQLAlchemyError:
            # JAGGAER resends what was not answered with success, so nothing is lost by asking it to.
            log.exception("Document Export delivery not queued: the store failed")
            return _answer("", 503, "temporarily unable to accept the document; resend it later")

    def _authenticate(self, delivery: Delivery) -> None:
        # Both compared every time, in constant time, so neither the answer nor its timing tells which one is wrong.
        identity_ok = _same(delivery.identity, self._credentials.identity)
        secret_ok = _same(delivery.shared_secret.get_secret_value(), self._credentials.shared_secret.get_secret_value())
        if identity_ok and secret_ok:
            return
        wrong = "wrong SharedSecret" if identity_ok else "unknown Identity"
        raise DeliveryRefused(
            401,
            "authentication failed",
            f"authentication failed: {wrong} (Identity {delivery.identity[:_QUOTED]!r})",
            message_id=delivery.message_id,
        )

    def _queue(self, document: InboundDocument, delivery: Delivery) -> Response:
        described = f"{document.document_type} {document.document_number}"
        if self._store.inbound.enqueue(document):
            self._audit(document, AuditStatus.POSTED, f"queued {described}", delivery.timestamp)
            log.info("Document Export %s queued (MessageId %s)", described, document.message_id)
            return _answer(document.message_id, 200, "Success")
        earlier = self._store.inbound.duplicate_of(document)
        same_message = earlier is None or earlier.message_id == document.message_id
        if earlier is not None and same_message and earlier.payload_hash != document.payload_hash:
            raise DeliveryRefused(
                409,
                "MessageId was already received with a different document",
                f"MessageId already received with {earlier.document_type} {earlier.document_number}, "
                f"now carrying {described}",
                message_id=document.message_id,
            )
        if same_message:
            reason = f"duplicate: MessageId already received ({described})"
        else:
            reason = f"duplicate: {described} already received under MessageId {earlier.message_id}"
        # Success, so JAGGAER stops resending what is already queued.
        self._audit(document, AuditStatus.SKIPPED, reason, delivery.timestamp)
        log.info("Document Export %s", reason)
        return _answer(document.message_id, 200, "Success")

    def _refuse(self, refused: DeliveryRefused) -> Response:
        reason = f"refused with {refused.status_code}: {refused.detail}"
        log.warning("Document Export delivery (MessageId %s) %s", refused.message_id or "unknown", reason)
        entry = AuditEntry(
            run_id=self.run_id,
            system=AUDIT_SYSTEM,
            entity=AUDIT_ENTITY,
            record_key=refused.message_id or NO_MESSAGE_ID,
            source_version=None,
            payload_hash=None,
            status=AuditStatus.FAILED,
            reason=reason,
        )
        try:
            self._store.audit.record([entry])
        except SQLAlchemyError:
            log.exception("refused Document Export delivery not audited: the store failed")
        return _answer(refused.message_id, refused.status_code, refused.reason)

    def _audit(self, document: InboundDocument, status: AuditStatus, reason: str, sent_at: str | None) -> None:
        entry = AuditEntry(
            run_id=self.run_id,
            system=AUDIT_SYSTEM,
            entity=AUDIT_ENTITY,
            record_key=document.message_id,
            source_version=_aware(sent_at),
            payload_hash=document.payload_hash,
            status=status,
            reason=reason,
        )
        self._store.audit.record([entry])


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _aware(timestamp: str | None) -> datetime | None:
    """The header Timestamp as a version, when it names its zone; its form is not documented, so never guessed."""
    try:
        value = datetime.fromisoformat(timestamp or "")
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _answer(message_id: str, status_code: int, text: str) -> Response:
    return Response(export_response(message_id, status_code, text), status_code=status_code, media_type=_MEDIA_TYPE)
