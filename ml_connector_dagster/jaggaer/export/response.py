"""The synchronous DocumentExportResponse JAGGAER expects for every delivery."""

from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, tostring


def export_response(message_id: str, status_code: int, status_text: str, now: datetime | None = None) -> bytes:
    root = Element("DocumentExportResponse", version="1.0")
    header = SubElement(root, "Header")
    SubElement(header, "MessageId").text = message_id
    SubElement(header, "Timestamp").text = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    status = SubElement(SubElement(root, "Response"), "Status")
    SubElement(status, "StatusCode").text = str(status_code)
    SubElement(status, "StatusText").text = status_text
    return tostring(root, encoding="utf-8", xml_declaration=True)
