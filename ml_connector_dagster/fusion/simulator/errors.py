"""Error answers as the Fusion REST framework gives them: JSON from framework version 4 when asked, else text."""

from http import HTTPStatus

from starlette.responses import JSONResponse, PlainTextResponse, Response

ERROR_MEDIA_TYPE = "application/vnd.oracle.adf.error+json"


class SimError(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        path: str = "",
        code: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.path = path
        self.code = code or f"SIM-{status}"
        self.headers = headers or {}


def not_found(what: str) -> SimError:
    return SimError(404, f"The requested resource {what!r} was not found.", code="SIM-NOT-FOUND")


def render_error(error: SimError, framework_version: int, accept: str) -> Response:
    if framework_version >= 4 and "json" in accept.lower():
        body = {
            "title": HTTPStatus(error.status).phrase,
            # Oracle sends the status as a string here; clients must not expect an int.
            "status": str(error.status),
            "o:errorDetails": [{"detail": error.detail, "o:errorCode": error.code, "o:errorPath": error.path}],
        }
        return JSONResponse(body, error.status, error.headers, media_type=ERROR_MEDIA_TYPE)
    return PlainTextResponse(error.detail, error.status, error.headers)
