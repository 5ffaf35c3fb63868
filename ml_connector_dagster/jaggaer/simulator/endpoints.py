"""What every simulated J1P route shares: the envelope, request bodies, and list answers with paging."""

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from ml_connector_dagster.jaggaer.simulator.errors import RC_INVALID_QUERY, RC_INVALID_REQUEST, J1PError
from ml_connector_dagster.jaggaer.simulator.fiql import FilterField, Term, parse_filter, parse_time
from ml_connector_dagster.jaggaer.simulator.settings import JaggaerSimSettings

Pager = Callable[[list[Term], int, int], tuple[int, list[dict[str, Any]]]]


def envelope(return_code: int = 0, message: str = "OK", **fields: Any) -> JSONResponse:
    # J1P reports application errors in the body, so even failures travel as HTTP 200.
    return JSONResponse({"returnCode": return_code, "returnMessage": message, **fields})


async def json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError as error:
        raise J1PError(RC_INVALID_REQUEST, "Request body is not valid JSON") from error


def positive_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise J1PError(RC_INVALID_QUERY, f"Invalid value {raw!r} for parameter {name}")
    return int(raw)


def path_id(request: Request, name: str, not_found: Callable[[object], J1PError]) -> int:
    raw = request.path_params[name]
    if not (raw.isascii() and raw.isdigit()):
        raise not_found(raw)
    return int(raw)


def list_answer(
    request: Request, settings: JaggaerSimSettings, fields: dict[str, FilterField], pager: Pager, wrapper: str
) -> JSONResponse:
    """One page of a filtered list, under the dotted members of `wrapper`."""
    start = positive_int(request, "start", 1)
    # Larger requests are cut to the maximum, as paged APIs do: clients must advance by returnedRecords.
    limit = min(positive_int(request, "limit", settings.default_page_size), settings.max_page_size)
    flt = request.query_params.get("flt", "").strip()
    if not settings.modified_filter_supported:
        # The modified-time fields are the time fields: unknown to `flt` on a tenant without that filter.
        fields = {name: field for name, field in fields.items() if field.convert is not parse_time}
    terms = parse_filter(flt, fields, settings.fiql_in_supported) if flt else []
    total, documents = pager(terms, start, limit)
    listed: Any = documents
    for member in reversed(wrapper.split(".")):
        listed = {member: listed}
    return envelope(totRecords=total, returnedRecords=len(documents), startAt=start, **listed)
