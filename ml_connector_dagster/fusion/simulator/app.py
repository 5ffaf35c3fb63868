"""The simulated Fusion pod over HTTP: OCI IAM tokens, the fscmRestApi resources (purchaseOrders, suppliers,
invoices, accountCombinationsLOV, valueSets, receivingReceiptRequests, purchaseOrderAcknowledgments) and the
writes of three-way matching, control routes."""

import base64
import binascii
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ml_connector_dagster.fusion.simulator.control import control_routes
from ml_connector_dagster.fusion.simulator.edits import cancel_invoice
from ml_connector_dagster.fusion.simulator.errors import SimError, not_found, render_error
from ml_connector_dagster.fusion.simulator.query import QueryError
from ml_connector_dagster.fusion.simulator.reference_writes import (
    Target,
    apply,
    changes_of,
    documented,
    supplier_by_number,
    value_row,
)
from ml_connector_dagster.fusion.simulator.render import json_bytes
from ml_connector_dagster.fusion.simulator.resources import (
    API_VERSION,
    RESOURCES_PATH,
    ResourceTree,
    Served,
)
from ml_connector_dagster.fusion.simulator.rows import Value, format_timestamp, plain
from ml_connector_dagster.fusion.simulator.schema import (
    ADDRESSES,
    PURCHASE_ORDERS,
    SUPPLIERS,
    VALUES,
)
from ml_connector_dagster.fusion.simulator.settings import FusionSimSettings, RuntimeSettings
from ml_connector_dagster.fusion.simulator.store import InvoiceSeedSummary, PodStore, SeedSummary, SupplierSeedSummary
from ml_connector_dagster.fusion.simulator.write_desk import WRITE_COUNTERS, WriteDesk
from ml_connector_dagster.fusion.simulator.written import WriteBackInspection
from ml_connector_dagster.simulation.faults import FaultMiddleware, FaultPlan, fault_control_routes
from ml_connector_dagster.simulation.tokens import TokenIssuer

# `latest` is an alias Oracle resolves to the current version; both serve the same resources.
_VERSION_SEGMENTS = {API_VERSION, "latest"}
Serve = Callable[[str, int], Served]
_PLAIN_BASE = re.compile(r"https?://[A-Za-z0-9.:\[\]-]+")
# Stats names per top-level resource: its record count, and the requests for its collection.
_STAT_NAMES = {
    "purchaseOrders": "purchase_order",
    "suppliers": "supplier",
    "invoices": "invoice",
    "accountCombinationsLOV": "account_combination",
    "valueSets": "value_set",
    "receivingReceiptRequests": "receipt_request",
    "purchaseOrderAcknowledgments": "purchase_order_acknowledgment",
}
_COLLECTION_COUNTERS = {resource: f"{name}_collection_requests" for resource, name in _STAT_NAMES.items()}
_CHILD_COUNTER = "child_collection_requests"


class OracleJSONResponse(Response):
    """JSON whose amounts keep their two decimals (`1234.50`), as Fusion sends them."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, colon, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if colon else None


class FusionSimulator(WriteBackInspection):
    """One pod: `app` is the ASGI app to serve (faults applied), the rest is for tests to steer and inspect."""

    def __init__(self, settings: FusionSimSettings | None = None) -> None:
        self.settings = settings or FusionSimSettings()
        self.tokens = TokenIssuer(expires_in=self.settings.token_expires_in)
        self.faults = FaultPlan()
        self._store = PodStore(self.settings.cost_center_value_set)
        self._tree = ResourceTree(self.settings, self._store)
        self._stats_lock = threading.Lock()
        counters = ["token_requests", "requests", *_COLLECTION_COUNTERS.values(), _CHILD_COUNTER, *WRITE_COUNTERS]
        self._stats = dict.fromkeys(counters, 0)
        self._desk = WriteDesk(self._tree, self.count)
        routes = [*self._routes(), *control_routes(self), *fault_control_routes(self.faults)]
        self.app: ASGIApp = FaultMiddleware(Starlette(routes=routes), self.faults)

    def seed_purchase_orders(
        self, count: int, start: datetime, end: datetime, malformed: int = 0, seed: int = 7, max_lines: int = 4
    ) -> SeedSummary:
        """`count` orders with LastUpdateDates spread over [start, end), each with 1 to `max_lines` lines."""
        return self._store.seed_purchase_orders(count, start, end, malformed, seed, max_lines)

    def seed_suppliers(
        self, count: int, start: datetime, end: datetime, malformed: int = 0, seed: int = 7
    ) -> SupplierSeedSummary:
        """`count` suppliers beyond the 12 base ones, LastUpdateDates spread over [start, end); the first call
        also stamps the 12 base suppliers into [start, end), so a windowed read of it sees them."""
        return self._store.seed_suppliers(count, start, end, malformed, seed)

    def seed_invoices(
        self,
        count: int,
        start: datetime,
        end: datetime,
        malformed: int = 0,
        unmapped: int = 0,
        canceled: int = 0,
        seed: int = 7,
        max_lines: int = 4,
    ) -> InvoiceSeedSummary:
        """`count` invoices of the base suppliers, LastUpdateDates spread over [start, end). Of them (disjoint)
        `unmapped` charge one distribution to cost center 95, which no value set holds; `canceled` are
        canceled with amount 0; `malformed` break a required attribute."""
        return self._store.seed_invoices(count, start, end, malformed, unmapped, canceled, seed, max_lines)

    def touch_purchase_order(self, po_header_id: int, at: datetime | None = None) -> datetime:
        return self._store.touch("purchaseOrders", po_header_id, at or datetime.now(UTC))

    def touch_supplier(self, supplier_id: int, at: datetime | None = None) -> datetime:
        """Moves the supplier's first address to the next suite and its LastUpdateDate to `at` (default now)."""
        return self._store.touch("suppliers", supplier_id, at or datetime.now(UTC))

    def touch_invoice(self, invoice_id: int, at: datetime | None = None) -> datetime:
        """Revises line 1's Description and moves the invoice's LastUpdateDate to `at` (default now)."""
        return self._store.touch("invoices", invoice_id, at or datetime.now(UTC))

    def cancel_invoice(self, invoice_id: int, at: datetime | None = None) -> datetime:
        """Cancels the invoice as Payables does (CanceledFlag, amount 0) and moves its LastUpdateDate to `at`."""
        return self._store.touch("invoices", invoice_id, at or datetime.now(UTC), cancel_invoice)

    def set_account_enabled(self, code_combination_id: int, enabled: bool) -> None:
        """Enables or disables a combination of accountCombinationsLOV; KeyError when there is none."""
        self._store.set_account_enabled(code_combination_id, enabled)

    def set_cost_center_enabled(self, value: str, enabled: bool) -> None:
        """Enables or disables a value of the cost-center value set; KeyError when it holds no such value."""
        self._store.set_cost_center_enabled(value, enabled)

    def edit_supplier_view(
        self,
        supplier_number: str,
        name: str | None = None,
        status: str | None = None,
        addresses: dict[str, dict[str, Value]] | None = None,
        at: datetime | None = None,
    ) -> datetime:
        """A Fusion user editing a supplier: its name (`Supplier`), `Status`, and addresses by AddressName, each
        a dict of documented attributes (AddressLine1, City, PostalCode, Country). What changes moves the
        supplier's LastUpdateDate to `at` (default now); returns its LastUpdateDate. KeyError for an unknown
        supplier or address, ValueError for a value the pod refuses (nothing is changed then)."""
        named = (("Supplier", name), ("Status", status))
        header = {attribute: value for attribute, value in named if value is not None}
        with self._store.lock:
            supplier = supplier_by_number(self._store, supplier_number)
            if supplier is None:
                raise KeyError(supplier_number)
            edits = [(Target(SUPPLIERS, supplier, supplier), header)]
            held = supplier.children[SUPPLIERS.position(ADDRESSES)]
            for address_name, attributes in (addresses or {}).items():
                row = next((each for each in held if each.attrs.get("AddressName") == address_name), None)
                if row is None:
                    raise KeyError(f"supplier {supplier_number} address {address_name}")
                edits.append((Target(ADDRESSES, row, supplier), attributes))
            self._edit(edits, at)
            return datetime.fromisoformat(str(supplier.attrs["LastUpdateDate"]))

    def edit_value(
        self, value: str, description: str | None = None, enabled: bool | None = None, at: datetime | None = None
    ) -> datetime:
        """A Fusion user editing a value of the cost-center value set: its Description and EnabledFlag. A change
        moves the value's LastUpdateDate to `at` (default now); returns its LastUpdateDate. KeyError when the
        set holds no such value."""
        changes = {
            attribute: given
            for attribute, given in (("Description", description), ("EnabledFlag", enabled))
            if given is not None
        }
        with self._store.lock:
            row = value_row(self._store, self.settings.cost_center_value_set, value)
            if row is None:
                raise KeyError(value)
            self._edit([(Target(VALUES, row, None), changes)], at)
            return datetime.fromisoformat(str(row.attrs["LastUpdateDate"]))

    def supplier_numbers(self) -> list[str]:
        """Every supplier's number, in change order (suppliers seeded without one are left out)."""
        with self._store.lock:
            rows = self._store.tables[SUPPLIERS.name].rows()
            return [str(row.attrs["SupplierNumber"]) for row in rows if row.attrs.get("SupplierNumber") is not None]

    def _edit(self, edits: list[tuple[Target, dict[str, Value]]], at: datetime | None) -> None:
        """Checks every edit, then applies them with one stamp (the caller holds the store's lock)."""
        if at is not None and at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        stamp = format_timestamp(at or datetime.now(UTC))
        try:
            checked = [(target, changes_of(target, changes, documented)) for target, changes in edits]
            for target, changes in checked:
                apply(self._store, target, changes, stamp)
        except SimError as error:
            raise ValueError(error.detail) from None

    def order_numbers(self) -> list[str]:
        """Every purchase order's number, in the order they were made."""
        with self._store.lock:
            rows = self._store.tables[PURCHASE_ORDERS.name].rows()
            return [str(row.attrs["OrderNumber"]) for row in rows if row.attrs.get("OrderNumber") is not None]

    def order(self, order_number: str) -> dict[str, Any] | None:
        """The purchase order with this number, with its `lines` and their `schedules`; None when there is none."""
        with self._store.lock:
            row = self._store.order_by_number(order_number)
            return None if row is None else plain(row)

    def change_schedule_quantity(
        self, order_number: str, line_number: int, schedule_number: int, quantity: Decimal
    ) -> None:
        """A change order as a buyer makes one: the schedule's (and its line's) ordered quantity becomes
        `quantity`, which is what is open to receive less what was received. KeyError when there is no such
        schedule."""
        with self._store.lock:
            order = self._store.order_by_number(order_number)
            line = (
                None
                if order is None
                else next((row for row in order.children[0] if row.attrs.get("LineNumber") == line_number), None)
            )
            schedule = (
                None
                if line is None
                else next((row for row in line.children[0] if row.attrs.get("ScheduleNumber") == schedule_number), None)
            )
            if line is None or schedule is None:
                raise KeyError(f"{order_number} line {line_number} schedule {schedule_number}")
            line.attrs["Quantity"] = line.attrs.get("Quantity", 0) + quantity - schedule.attrs.get("Quantity", 0)
            schedule.attrs["Quantity"] = quantity

    def purchase_order_count(self) -> int:
        return self._store.count("purchaseOrders")

    def update_settings(self, changes: RuntimeSettings) -> RuntimeSettings:
        """Applies the given run-time settings, leaving the others as they are; the pod answers by them at once."""
        with self._store.lock:
            self.settings = changes.applied_to(self.settings)
            self._tree.settings = self.settings
            return RuntimeSettings.of(self.settings)

    def stats(self) -> dict[str, int]:
        """Records per resource (`purchase_orders`, `suppliers`, …) and requests by kind."""
        records = {f"{name}s": self._store.count(resource) for resource, name in _STAT_NAMES.items()}
        with self._stats_lock:
            return {**records, **self._stats}

    def count(self, name: str, by: int = 1) -> None:
        with self._stats_lock:
            self._stats[name] += by

    def _routes(self) -> list[Route]:
        return [
            Route("/oauth2/v1/token", self._token, methods=["POST"]),
            Route(RESOURCES_PATH, self._catalog, methods=["GET"]),
            Route(f"{RESOURCES_PATH}/", self._catalog, methods=["GET"]),
            Route(f"{RESOURCES_PATH}/{{version}}/{{path:path}}", self._resource, methods=["GET"]),
            Route(f"{RESOURCES_PATH}/{{version}}/{{path:path}}", self._write, methods=["POST", "PATCH"]),
        ]

    async def _token(self, request: Request) -> Response:
        self.count("token_requests")
        client = _basic_credentials(request.headers.get("authorization", ""))
        if client != (self.settings.client_id, self.settings.client_secret):
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client authentication failed."},
                401,
                {"WWW-Authenticate": 'Basic realm="identity"'},
            )
        form = {key: values[0] for key, values in parse_qs((await request.body()).decode("utf-8")).items()}
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        if self.settings.scope not in form.get("scope", "").split():
            return JSONResponse({"error": "invalid_scope", "error_description": "The scope is invalid."}, 400)
        token, expires_in = self.tokens.issue()
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": expires_in})

    async def _catalog(self, request: Request) -> Response:
        def catalog(base: str, version: int) -> Served:
            href = f"{base}{RESOURCES_PATH}/{API_VERSION}"
            self_link = {"rel": "self", "href": href, "name": API_VERSION, "kind": "item"}
            item = {"version": API_VERSION, "isLatest": True, "links": [self_link]}
            body = {"items": [item], "allowedFrameworkVersions": self.settings.allowed_framework_versions}
            return Served(body, "application/json", "item")

        return self._guarded(request, catalog)

    async def _resource(self, request: Request) -> Response:
        def resource(base: str, version: int) -> Served:
            if request.path_params["version"] not in _VERSION_SEGMENTS:
                raise not_found(request.url.path)
            segments = request.path_params["path"].strip("/").split("/")
            return self._tree.serve(segments, base, request.query_params, version)

        return self._guarded(request, resource)

    async def _write(self, request: Request) -> Response:
        raw = await request.body()

        def write(base: str, version: int) -> Served:
            if request.path_params["version"] not in _VERSION_SEGMENTS:
                raise not_found(request.url.path)
            segments = request.path_params["path"].strip("/").split("/")
            return self._desk.write(request.method, segments, raw, request.headers, base, version)

        return self._guarded(request, write)

    def _guarded(self, request: Request, serve: Serve) -> Response:
        """Counts, authenticates and checks the framework version, then renders `serve`'s body or error."""
        self.count("requests")
        accept = request.headers.get("accept", "")
        raw_version = request.headers.get("rest-framework-version", "1")
        if not raw_version.strip().isdigit() or int(raw_version) not in self.settings.allowed_framework_versions:
            detail = f"REST-Framework-Version {raw_version!r} is not one of {self.settings.allowed_framework_versions}."
            return render_error(SimError(400, detail, "REST-Framework-Version"), 1, accept)
        version = int(raw_version)
        base = f"{request.url.scheme}://{request.url.netloc}"
        try:
            self._authenticate(request)
            if _PLAIN_BASE.fullmatch(base) is None:
                # Links are written into the JSON as they are: a host that would need escaping is not served.
                raise SimError(400, "The Host header is not a plain host name and port.", "Host")
            with self._store.lock:
                served = serve(base, version)
        except QueryError as error:
            return render_error(SimError(400, error.detail, error.path, "SIM-QUERY"), version, accept)
        except SimError as error:
            return render_error(error, version, accept)
        if served.kind == "collection":
            self.count(_COLLECTION_COUNTERS[served.resource])
        elif served.kind == "child_collection":
            self.count(_CHILD_COUNTER)
        headers = {"REST-Framework-Version": str(version)}
        if served.body is None:
            return Response(status_code=served.status, headers=headers)
        return OracleJSONResponse(served.body, served.status, headers, served.media_type)

    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and self.tokens.is_valid(token.strip()):
            return
        credentials = _basic_credentials(header)
        if credentials is not None and self.settings.basic_users.get(credentials[0]) == credentials[1]:
            return
        raise SimError(
            401, "Missing, invalid or expired credentials.", code="SIM-AUTH", headers={"WWW-Authenticate": "Bearer"}
        )
