"""Reads one Document Export delivery: tolerant of the unescaped `&` real exports contain, refusing any DTD."""

import hashlib
import re
from copy import deepcopy
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError, canonicalize, tostring

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr

from ml_connector_dagster.store import InboundDocument

# Without a DTD the predefined entities and character references are the only references XML allows, so any
# other `&` is text JAGGAER failed to escape ("AT&T", "R&D;").
_BARE_AMPERSAND = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)")
# Inside CDATA an `&` is already literal text and must stay as sent.
_CDATA = re.compile(rb"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)


class DeliveryRefused(Exception):
    """A delivery answered with a 4xx: `reason` goes to the sender, `detail` only to the audit trail and log."""

    def __init__(self, status_code: int, reason: str, detail: str | None = None, message_id: str = "") -> None:
        super().__init__(reason)
        self.status_code = status_code
        self.reason = reason
        self.detail = detail or reason
        self.message_id = message_id


@dataclass(frozen=True)
class Delivery:
    """A parsed delivery before it is authenticated."""

    message_id: str
    timestamp: str | None
    identity: str
    shared_secret: SecretStr
    root: Element

    @property
    def document_type(self) -> str:
        return _local(self.root.tag)


def escape_bare_ampersands(body: bytes) -> bytes:
    # A capturing split keeps the CDATA sections at the odd positions.
    parts = _CDATA.split(body)
    return b"".join(part if index % 2 else _BARE_AMPERSAND.sub(b"&amp;", part) for index, part in enumerate(parts))


def parse_delivery(body: bytes) -> Delivery:
    try:
        # forbid_dtd: a delivery has no business declaring entities, so no expansion (billion laughs, quadratic
        # blowup) or external reference is ever attempted.
        root = fromstring(escape_bare_ampersands(body), forbid_dtd=True)
    except DefusedXmlException:
        raise DeliveryRefused(400, "DTDs and entity declarations are not accepted") from None
    except ParseError as exc:
        raise DeliveryRefused(400, f"malformed XML: {exc}") from None
    header = _child(root, "Header")
    if header is None:
        raise DeliveryRefused(400, f"{_local(root.tag)} has no Header")
    message_id = _text(_child(header, "MessageId"))
    if not message_id:
        raise DeliveryRefused(400, f"{_local(root.tag)} Header has no MessageId")
    authentication = _child(header, "Authentication")
    return Delivery(
        message_id=message_id,
        timestamp=_text(_child(header, "Timestamp")) or None,
        identity=_text(_child(authentication, "Identity")),
        shared_secret=SecretStr(_text(_child(authentication, "SharedSecret"))),
        root=root,
    )


def inbound_document(delivery: Delivery, number_elements: dict[str, str]) -> InboundDocument:
    """The document to queue: its number, a hash of its body, and its XML without the sender's credentials."""
    document_type = delivery.document_type
    element_name = number_elements.get(document_type)
    if element_name is None:
        known = ", ".join(sorted(number_elements))
        raise DeliveryRefused(
            400,
            f"document type {document_type} is not accepted here (accepted: {known})",
            message_id=delivery.message_id,
        )
    body = [child for child in delivery.root if _local(child.tag) != "Header"]
    number = next((_text(found) for child in body for found in child.iter() if _local(found.tag) == element_name), "")
    if not number:
        raise DeliveryRefused(
            400, f"{document_type} has no {element_name} (its document number)", message_id=delivery.message_id
        )
    digest = hashlib.sha256(document_type.encode("utf-8"))
    for child in body:
        # Canonical form with trimmed text: a resend that only re-indents or reorders attributes hashes the same.
        digest.update(canonicalize(tostring(child, encoding="unicode"), strip_text=True).encode("utf-8"))
    return InboundDocument(
        message_id=delivery.message_id,
        document_type=document_type,
        document_number=number,
        sent_at=delivery.timestamp,
        payload=_without_credentials(delivery.root),
        payload_hash=digest.hexdigest(),
    )


def _without_credentials(root: Element) -> str:
    clone = deepcopy(root)
    header = _child(clone, "Header")
    authentication = _child(header, "Authentication")
    if header is not None and authentication is not None:
        header.remove(authentication)
    return tostring(clone, encoding="unicode")


def _local(tag: str) -> str:
    """The element name without its namespace: exports are matched by name whatever namespace a tenant uses."""
    return tag.rpartition("}")[2]


def _child(parent: Element | None, name: str) -> Element | None:
    if parent is None:
        return None
    return next((child for child in parent if _local(child.tag) == name), None)


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""
