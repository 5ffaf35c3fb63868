"""The simulated NetSuite account over HTTP: SuiteQL (`/services/rest/query/v1/suiteql`), the record service,
the authentication routes of the SimAuth it is given, the concurrency limit, control routes."""

import json
import random
import threading
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ml_connector_dagster.netsuite.simulator import seeding
from ml_connector_dagster.netsuite.simulator.auth import INVALID_LOGIN_DETAIL, SimAuthError
from ml_connector_dagster.netsuite.simulator.control import control_routes
from ml_connector_dagster.netsuite.simulator.engine import Page, run_query
from ml_connector_dagster.netsuite.simulator.errors import NetSuiteError, invalid_parameter, render
from ml_connector_dagster.netsuite.simulator.formats import AccountZone
from ml_connector_dagster.netsuite.simulator.gate import ConcurrencyGate
from ml_connector_dagster.netsuite.simulator.records import RECORD_PATH, record
from ml_connector_dagster.netsuite.simulator.settings import NetSuiteSimSettings, RuntimeSettings
from ml_connector_dagster.netsuite.simulator.store import AccountStore
from ml_connector_dagster.simulation.faults import FaultMiddleware, FaultPlan, fault_control_routes

SUITEQL_PATH = "/services/rest/query/v1/suiteql"


class SimAuthLike(Protocol):
    """What the account needs of its authentication (netsuite/simulator/auth.py's SimAuth)."""

    def routes(self) -> list[Route]: ...

    def authorize(self, request: Request) -> None:
        """Passes the request or raises SimAuthError."""
        ...


class NetSuiteSimulator:
    """One account: `app` is the ASGI app to serve (concurrency limit and faults applied), the rest is for
    tests to steer and inspect."""

    def __init__(self, auth: SimAuthLike, settings: NetSuiteSimSettings | None = None) -> None:
        self.settings = settings or NetSuiteSimSettings()
        self.auth = auth
        self.faults = FaultPlan()
        self._store = AccountStore()
        self._stats_lock = threading.Lock()
        self._stats = dict.fromkeys(
            ("requests", "suiteql_requests", "record_requests", "rows_served", "auth_refusals", "bogus_invalid_logins"),
            0,
        )
        routes = [
            Route(SUITEQL_PATH, self._suiteql, methods=["POST"]),
            Route(f"{RECORD_PATH}/{{record_type}}/{{record_id}}", self._record, methods=["GET"]),
            *auth.routes(),
            *control_routes(self),
            *fault_control_routes(self.faults),
        ]
        self._gate = ConcurrencyGate(
            FaultMiddleware(Starlette(routes=routes), self.faults),
            lambda: self.settings.concurrency_limit,
            lambda: self.settings.concurrency_error_code,
        )
        self.app: ASGIApp = self._gate

    # --- seeding and edits ----------------------------------------------------------------------------------

    def seed_reference(self, at: datetime | None = None) -> seeding.ReferenceSummary:
        """Chart of accounts, departments, classes, locations and subsidiaries (once), changed at `at`."""
        return seeding.seed_reference(self._store, at or datetime.now(UTC))

    def seed_vendors(self, count: int, start: datetime, end: datetime, seed: int = 7) -> seeding.VendorSeedSummary:
        """`count` vendors (consecutive ids) with lastmodifieddates drawn over [start, end)."""
        if count < 1:
            raise ValueError("count must be at least 1")
        return seeding.seed_vendors(self._store, count, start, end, seed)

    def seed_purchase_orders(
        self,
        count: int,
        start: datetime,
        end: datetime,
        lines: int = 3,
        accounts: list[int] | None = None,
        seed: int = 7,
    ) -> seeding.TransactionSeedSummary:
        """`count` purchase orders of the seeded vendors, each with a mainline and `lines` item lines whose
        expense accounts are drawn from `accounts` (default: the active expense accounts)."""
        return self._seed_transactions("purchaseorder", count, start, end, lines, accounts, seed)

    def seed_vendor_bills(
        self,
        count: int,
        start: datetime,
        end: datetime,
        lines: int = 2,
        accounts: list[int] | None = None,
        seed: int = 7,
    ) -> seeding.TransactionSeedSummary:
        """`count` vendor bills, each with a mainline, `lines` expense lines on `accounts` (default: the active
        expense accounts of the chart) and their accounting lines (one per line, one against Payables)."""
        return self._seed_transactions("vendorbill", count, start, end, lines, accounts, seed)

    def seed_many_transactions(
        self,
        count: int,
        start: datetime,
        end: datetime,
        kind: seeding.TransactionKind = "vendorbill",
        lines: int = 0,
        seed: int = 7,
    ) -> seeding.TransactionSeedSummary:
        """Bulk transactions for windows past the 100,000-row ceiling: headers only unless `lines`."""
        return self._seed_transactions(kind, count, start, end, lines, None, seed)

    def _seed_transactions(
        self,
        kind: seeding.TransactionKind,
        count: int,
        start: datetime,
        end: datetime,
        lines: int,
        accounts: list[int] | None,
        seed: int,
    ) -> seeding.TransactionSeedSummary:
        settings = self.settings
        seeding.seed_reference(self._store, start)
        zone = AccountZone(settings.account_timezone, settings.ambiguous_local_time)
        stamped = settings.accounting_line_lastmodified
        return seeding.seed_transactions(self._store, zone, kind, count, start, end, lines, accounts, seed, stamped)

    def delete_vendor(self, vendor_id: int, at: datetime | None = None) -> None:
        """Deletes the vendor and records it in deletedrecord at `at` (default now). KeyError: no such vendor."""
        row = self._store.row("vendor", vendor_id)
        if row is None:
            raise KeyError(f"no vendor {vendor_id}")
        type_name = self.settings.deleted_record_types["vendor"]
        self._store.delete("vendor", vendor_id, at or datetime.now(UTC), type_name, row[2])

    def void_bill(self, bill_id: int, at: datetime | None = None) -> None:
        """Voids a vendor bill at `at` (default now): voided 'T', amounts 0. KeyError: no such bill."""
        self._store.void_bill(bill_id, at or datetime.now(UTC), self.settings.voided_bill_status)

    def touch(self, table: str, record_id: int, at: datetime | None = None) -> None:
        """Moves a record's lastmodifieddate to `at` (default now), as a user saving it does. KeyError: no such
        record; ValueError: a table without user edits."""
        self._store.touch(table, record_id, at or datetime.now(UTC))

    # --- settings and stats ---------------------------------------------------------------------------------

    def update_settings(self, changes: RuntimeSettings) -> RuntimeSettings:
        """Applies the given run-time settings, leaving the others as they are; answers by them at once."""
        with self._store.lock:
            self.settings = changes.applied_to(self.settings)
            return RuntimeSettings.of(self.settings)

    def stats(self) -> dict[str, Any]:
        """Requests by kind, rows served, refusals (429s as `throttled`), and rows per table."""
        with self._stats_lock:
            counted = dict(self._stats)
        gate = self._gate
        return {
            **counted,
            "throttled": gate.refused,
            "most_in_flight": gate.most_in_flight,
            "tables": self._store.counts(),
        }

    def _count(self, name: str, by: int = 1) -> int:
        with self._stats_lock:
            self._stats[name] += by
            return self._stats[name]

    # --- REST -----------------------------------------------------------------------------------------------

    async def _suiteql(self, request: Request) -> Response:
        self._count("suiteql_requests")
        body = await request.body()
        try:
            sequence = self._admit(request)
            offset, limit = self._paging(request)
            if "transient" not in request.headers.get("prefer", "").lower():
                raise NetSuiteError(
                    400, "INVALID_HEADER", "The suiteql resource needs the request header 'Prefer: transient'."
                )
            text = _query_text(body)
            with self._store.lock:
                page = run_query(self._store.tables, self.settings, text, offset, limit, random.Random(sequence))
        except NetSuiteError as error:
            return render(error)
        self._count("rows_served", len(page.items))
        return JSONResponse(_answer(request, page, offset, limit))

    async def _record(self, request: Request) -> Response:
        self._count("record_requests")
        try:
            self._admit(request)
            expand = request.query_params.get("expandSubResources", "").lower() == "true"
            base = f"{request.url.scheme}://{request.url.netloc}"
            params = request.path_params
            document = record(self._store, params["record_type"], params["record_id"], base, expand)
        except NetSuiteError as error:
            return render(error)
        return JSONResponse(document)

    def _admit(self, request: Request) -> int:
        """Counts a REST request and checks its credentials; answers the overload's bogus INVALID_LOGIN on
        every Nth request. Returns the request's sequence number."""
        sequence = self._count("requests")
        try:
            self.auth.authorize(request)
        except SimAuthError as error:
            self._count("auth_refusals")
            raise NetSuiteError(error.status, error.code, error.detail) from None
        every = self.settings.bogus_invalid_login_every
        if every and sequence % every == 0:
            self._count("bogus_invalid_logins")
            raise NetSuiteError(401, "INVALID_LOGIN", INVALID_LOGIN_DETAIL)
        return sequence

    def _paging(self, request: Request) -> tuple[int, int]:
        settings = self.settings
        offset, limit = (_integer(request, name, default) for name, default in (("offset", 0), ("limit", 1000)))
        if not 1 <= limit <= settings.max_page_size:
            detail = f"Invalid value for the query parameter limit: it must be between 1 and {settings.max_page_size}."
            raise invalid_parameter(detail, "limit")
        if offset < 0:
            raise invalid_parameter("Invalid value for the query parameter offset: it must not be negative.", "offset")
        if offset + limit > settings.offset_ceiling:
            detail = settings.offset_ceiling_detail.format(ceiling=settings.offset_ceiling)
            raise invalid_parameter(detail, "offset")
        return offset, limit


def _integer(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise invalid_parameter(f"Invalid value for the query parameter {name}: '{raw}'.", name) from None


def _query_text(body: bytes) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("q"), str):
        raise NetSuiteError(400, "INVALID_CONTENT", 'The request body must be JSON of the form {"q": "<SuiteQL>"}.')
    return parsed["q"]


def _answer(request: Request, page: Page, offset: int, limit: int) -> dict[str, Any]:
    count = len(page.items)
    has_more = offset + count < page.total
    base = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"

    def link(relation: str, at: int) -> dict[str, str]:
        return {"rel": relation, "href": f"{base}?{urlencode({'limit': limit, 'offset': at})}"}

    last = max(0, (page.total - 1) // limit * limit)
    links = [link("first", 0)]
    if offset > 0:
        links.append(link("previous", max(0, offset - limit)))
    if has_more:
        links.append(link("next", offset + limit))
    links += [link("last", last), {"rel": "self", "href": str(request.url)}]
    return {
        "links": links,
        "count": count,
        "hasMore": has_more,
        "items": page.items,
        "offset": offset,
        "totalResults": page.total,
    }
