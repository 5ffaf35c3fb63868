"""Error answers in NetSuite's REST shape: `{type, title, status, o:errorDetails: [{detail, o:errorCode}]}`."""

from http import HTTPStatus

from starlette.responses import JSONResponse

_TYPES = {
    400: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
    401: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2",
    404: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.5",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    500: "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.1",
}
# What SuiteQL puts before every search error it reports [seen].
SEARCH_ERROR = "Invalid search query. Detailed unprocessed description follows. Search error occurred: "


class NetSuiteError(Exception):
    def __init__(self, status: int, code: str, detail: str, query_param: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.query_param = query_param


def invalid_parameter(detail: str, query_param: str | None = None) -> NetSuiteError:
    return NetSuiteError(400, "INVALID_PARAMETER", detail, query_param)


def search_error(detail: str) -> NetSuiteError:
    return invalid_parameter(SEARCH_ERROR + detail, "q")


def error_response(status: int, code: str, detail: str, query_param: str | None = None) -> JSONResponse:
    error: dict[str, str] = {"detail": detail, "o:errorCode": code}
    if query_param is not None:
        error["o:errorQueryParam"] = query_param
    body = {
        "type": _TYPES.get(status, _TYPES[400]),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "o:errorDetails": [error],
    }
    return JSONResponse(body, status, media_type="application/vnd.oracle.resource+json; type=error")


def render(error: NetSuiteError) -> JSONResponse:
    return error_response(error.status, error.code, error.detail, error.query_param)
