"""PO acknowledgments read from JAGGAER, in modified-time windows, into canonical POAcknowledgments.

J1P provisions the acknowledgment path per tenant (no public one), so path, list member, id field, filter forms
and what each status means (`acknowledgment_statuses`) are connection settings. Where an acknowledgment holds
its fields (J1P's style, ours): `{acknowledgmentId, poNumber, status, comment, lastUpdate,
lineList: {acknowledgmentLine: [{poLineNumber, poScheduleNumber, status, comment}]}}`. A line without a status
takes the order's.
"""

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.jaggaer.answers import Document, optional_identifier
from ml_connector_dagster.jaggaer.connection import JaggaerConnection
from ml_connector_dagster.jaggaer.document_fields import DocumentReader
from ml_connector_dagster.jaggaer.listing import WindowedReading
from ml_connector_dagster.records import POAcknowledgment
from ml_connector_dagster.records.errors import shortened

DEFAULT_LIST_PATH = "acknowledgmentList.acknowledgment"
_LINES = "lineList.acknowledgmentLine"


class AcknowledgmentReading(WindowedReading):
    def __init__(self, http: ApiClient, connection: JaggaerConnection) -> None:
        super().__init__(
            http,
            connection,
            connection.acknowledgment_path,
            connection.acknowledgment_list_path,
            DEFAULT_LIST_PATH,
            connection.acknowledgment_id_field,
        )

    def record_key(self, raw: Document) -> str:
        """The acknowledgmentId; one without it is known by its PO number."""
        return optional_identifier(raw, ((self.id_field,),)) or f"poNumber:{raw.get('poNumber')}"

    def convert(self, raw: Document) -> tuple[POAcknowledgment, list[str]]:
        number = optional_identifier(raw, (("poNumber",),))
        key = self.record_key(raw)
        label = f"acknowledgment {shortened(key, 40)} of PO {number}" if number else f"acknowledgment {key}"
        read = DocumentReader(raw, label, key)
        response = self._response(read, raw, "")
        header = {
            "source_id": read.text(raw, "", self.id_field, "acknowledgment"),
            "po_number": read.text(raw, "", "poNumber", "acknowledgment"),
            "response": response,
            "note": read.text(raw, "", "comment", "acknowledgment", required=False),
            "last_update": read.timestamp(raw, "", self.connection.modified_time_field, "acknowledgment"),
        }
        schedules = []
        for place, line in read.items(_LINES, "acknowledgment", required=False):
            fields = {
                "po_line_number": read.integer(line, place, "poLineNumber", "acknowledgmentLine"),
                "po_schedule_number": read.integer(
                    line, place, "poScheduleNumber", "acknowledgmentLine", required=False
                ),
                "response": self._response(read, line, place) if line.get("status") is not None else response,
                "note": read.text(line, place, "comment", "acknowledgmentLine", required=False),
            }
            schedules.append({name: value for name, value in fields.items() if value is not None})
        return read.build(POAcknowledgment, {**header, "schedules": schedules})

    def _response(self, read: DocumentReader, source: Document, where: str) -> str | None:
        status = read.text(source, where, "status", "acknowledgment")
        if status is None:
            return None
        statuses = self.connection.acknowledgment_statuses
        meaning = statuses.get(status)
        if meaning is None:
            known = ", ".join(sorted(statuses))
            read.problem(where, "status", f"{status!r} is not one of {known} (acknowledgment_statuses)")
        return meaning
