"""Talks to the J1P API: Keycloak tokens, the returnCode envelope, checked purchase order writes.

Thread-safe: the sync engine writes from several threads through one client. Its own state is read-only after
construction; the HTTP session and the token provider guard theirs.
"""

import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import CheckFailed, RequestRejected, WriteOutcomeUnknown
from ml_connector_dagster.http.paging import Page, iterate_pages
from ml_connector_dagster.http.tokens import BearerAuthorizer, ClientCredentialsGrant, TokenCache, TokenProvider
from ml_connector_dagster.jaggaer.answers import checked, list_page, po_id, po_number, po_number_places
from ml_connector_dagster.jaggaer.connection import DEFAULT_LIST_PATH, SYSTEM, JaggaerConnection
from ml_connector_dagster.jaggaer.sample import sample_purchase_order
from ml_connector_dagster.jaggaer.template_loader import load_purchase_order_template
from ml_connector_dagster.records import PurchaseOrder

_FIQL_PLAIN = re.compile(r"[A-Za-z0-9._~-]+")


@dataclass(frozen=True)
class ListedPurchaseOrder:
    position: int  # 1-based place in the listing, as J1P's `start` counts
    po_id: str
    po_number: str
    document: dict[str, Any]


def _oldest_first(po_id: str) -> tuple[int, int, str]:
    # Numeric ids grow with creation; anything else sorts after them, as text.
    return (0, int(po_id), "") if po_id.isascii() and po_id.isdigit() else (1, 0, po_id)


class JaggaerClient:
    def __init__(
        self,
        connection: JaggaerConnection,
        token_cache: TokenCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.connection = connection
        self.template = load_purchase_order_template(connection.purchase_order_template)
        configured = tuple(connection.purchase_order_list_path.split("."))
        self._list_paths = tuple(dict.fromkeys((configured, tuple(DEFAULT_LIST_PATH.split(".")))))
        self._po_number_places = po_number_places(self.template.key_path)
        grant = ClientCredentialsGrant(
            token_url=connection.token_url,
            client_id=connection.client_id,
            client_secret=connection.client_secret,
            client_auth="form",
        )
        margin = timedelta(seconds=connection.token_refresh_margin_seconds)
        self.tokens = TokenProvider.for_grant(SYSTEM, grant, connection.retry, margin, token_cache, sleep)
        self._http = ApiClient(
            SYSTEM,
            connection.api_base_url,
            BearerAuthorizer(self.tokens),
            retry=connection.retry,
            timeout_seconds=connection.timeout_seconds,
            sleep=sleep,
            max_concurrent_requests=connection.max_concurrent_requests,
            write_rate_per_second=connection.write_rate_per_second,
        )

    def close(self) -> None:
        self._http.close()
        self.tokens.close()

    def ping(self) -> list[str]:
        """Authenticates, lists one document and renders the template with a sample order: one line per check."""
        body = checked(self._http.get_json(self.connection.purchase_order_path, {"start": 1, "limit": 1}), "list")
        page = list_page(body, self._list_paths, 1)
        lines = [f"authenticated and listed purchase orders ({page.total} stored)"]
        if page.items:
            listed = self._listed(page.items[0], 1)
            lines.append(f"read a stored document: PO number {listed.po_number} is poId {listed.po_id}")
            lines.append(self._probe_lookup(listed))
        else:
            lines.append("PO number lookups not probed: the tenant holds no purchase order yet")
        sample = sample_purchase_order()
        rendered = json.dumps(self.template.render(sample))
        lines.append(
            f"{self.template.source} renders a sample order with lines, schedules and distributions "
            f"({len(rendered)} bytes); the PO number goes at {self.template.key_location}"
        )
        return lines

    def _probe_lookup(self, listed: ListedPurchaseOrder) -> str:
        """Looks a stored PO number up the way a sync does (with `=in=` when lookup_batch_size > 1): a tenant
        whose filter does not work would otherwise look like one where no order exists, and get duplicates."""
        numbers = [listed.po_number]
        if self.connection.lookup_batch_size > 1:
            numbers.append(f"{listed.po_number}-ml-connector-probe")
        flt = "poNumber=in=(…)" if len(numbers) > 1 else "poNumber==…"
        advice = "set lookup_batch_size to 1" if len(numbers) > 1 else "check purchase_order_path"
        try:
            found = self.find_purchase_orders(numbers).get(listed.po_number)
        except RequestRejected as exc:
            raise CheckFailed(SYSTEM, f"the tenant refused the lookup flt={flt} ({exc}): {advice}") from None
        if found != listed.po_id:
            problem = f"looking PO number {listed.po_number} up with flt={flt} did not find it"
            raise CheckFailed(SYSTEM, f"{problem}: {advice}")
        return f"PO number lookups work (flt={flt})"

    def purchase_order_document(self, order: PurchaseOrder) -> dict[str, Any]:
        return self.template.render(order)

    def find_purchase_order(self, number: str) -> str | None:
        """The poId stored under a PO number, or None. With duplicates (made elsewhere) the oldest wins."""
        return self.find_purchase_orders([number]).get(number)

    def find_purchase_orders(self, numbers: Sequence[str]) -> dict[str, str]:
        """The poId stored under each PO number that exists, `lookup_batch_size` numbers per list request.

        Documents whose PO number was not asked for are ignored: a tenant that ignored the filter must not
        make the connector update the wrong document.
        """
        wanted = list(dict.fromkeys(numbers))
        # A number with FIQL punctuation in it cannot share an `=in=` list: it is looked up alone.
        listable = [number for number in wanted if _FIQL_PLAIN.fullmatch(number)]
        chunks = [[number] for number in wanted if not _FIQL_PLAIN.fullmatch(number)]
        size = self.connection.lookup_batch_size
        chunks += [listable[start : start + size] for start in range(0, len(listable), size)]
        found: dict[str, list[str]] = {}
        for chunk in chunks:
            flt = f"poNumber=={chunk[0]}" if len(chunk) == 1 else f"poNumber=in=({','.join(chunk)})"
            for document in self.iter_purchase_orders(flt):
                if document.po_number in chunk:
                    found.setdefault(document.po_number, []).append(document.po_id)
        return {number: min(ids, key=_oldest_first) for number, ids in found.items()}

    def iter_purchase_orders(self, flt: str | None = None) -> Iterator[ListedPurchaseOrder]:
        def fetch(start: int) -> Page[ListedPurchaseOrder]:
            params: dict[str, str | int] = {"start": start, "limit": self.connection.page_size}
            if flt:
                params["flt"] = flt
            body = checked(self._http.get_json(self.connection.purchase_order_path, params), "list")
            page = list_page(body, self._list_paths, start)
            has_more = start - 1 + page.returned < page.total
            if has_more and page.returned <= 0:
                raise RequestRejected(
                    SYSTEM, f"list answer at start {start} returned no documents but reports {page.total} in all"
                )
            items = [self._listed(item, start + offset) for offset, item in enumerate(page.items)]
            return Page(items=items, has_more=has_more, advance=page.returned)

        return iterate_pages(fetch, 1, "jaggaer purchase orders")

    def upsert_purchase_order(self, document: dict[str, Any], known_id: str | None, looked_up: bool = False) -> str:
        """Creates or updates by PO number and returns the poId; never creates a second document.

        Without a native upsert the number is looked up first, unless the caller just did (`looked_up`: then
        `known_id` None means absent). A create whose answer was lost is checked by looking the number up
        again; if it is still absent the error stands and the next run checks again.
        """
        number = self.template.po_number_in(document)
        if number is None:
            raise ValueError(f"the document has no PO number at {self.template.key_location}")
        if self.connection.po_upsert_supported:
            return self._write("CREATEUPDATE", document)
        target = known_id if looked_up else known_id or self.find_purchase_order(number)
        if target is not None:
            try:
                return self._write("UPDATE", self.template.with_po_id(document, target))
            except RequestRejected as exc:
                if exc.code not in {str(code) for code in self.connection.not_found_codes}:
                    raise
                # Deleted in JAGGAER since we wrote it: the ledger's id is stale.
                target = self.find_purchase_order(number)
                if target is not None:
                    return self._write("UPDATE", self.template.with_po_id(document, target))
        try:
            return self._write("CREATE", document)
        except WriteOutcomeUnknown as unknown:
            try:
                found = self.find_purchase_order(number)
            except RequestRejected:
                # The check could not be read: the outcome is still unknown, for the next run to resolve.
                raise unknown from None
            if found is not None:
                return found
            raise

    def _listed(self, document: dict[str, Any], position: int) -> ListedPurchaseOrder:
        what = f"list answer item {position}"
        return ListedPurchaseOrder(
            position=position,
            po_id=po_id(document, what),
            po_number=po_number(document, self._po_number_places, what),
            document=document,
        )

    def _write(self, operation: str, document: dict[str, Any]) -> str:
        body = {"purchaseOrder": {"operationCode": operation, **document}}
        answer = checked(self._http.send_json("POST", self.connection.purchase_order_path, body), operation)
        return po_id(answer, f"{operation} answer")
