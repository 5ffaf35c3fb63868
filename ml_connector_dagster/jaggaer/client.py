"""Talks to the J1P API: Keycloak tokens, the returnCode envelope, checked purchase order writes."""

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import RequestRejected, WriteOutcomeUnknown
from ml_connector_dagster.http.paging import Page, iterate_pages
from ml_connector_dagster.http.tokens import BearerAuthorizer, ClientCredentialsGrant, TokenCache, TokenProvider
from ml_connector_dagster.jaggaer.connection import JaggaerConnection

SYSTEM = "jaggaer"
_OK_CODES = {0, 1}  # 1 = done with warnings
_NOT_FOUND = 40


class JaggaerClient:
    def __init__(
        self,
        connection: JaggaerConnection,
        token_cache: TokenCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.connection = connection
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
        )

    def close(self) -> None:
        self._http.close()
        self.tokens.close()

    def ping(self) -> str:
        body = self._checked(self._http.get_json(self.connection.purchase_order_path, {"start": 1, "limit": 1}), "list")
        return f"authenticated and listed purchase orders ({body.get('totRecords', 0)} stored)"

    def find_purchase_order(self, po_number: str) -> str | None:
        """The poId stored under a PO number, or None. With duplicates (made elsewhere) the oldest wins."""
        found = [doc["poId"] for doc in self.iter_purchase_orders(f"poNumber=={po_number}")]
        return str(min(found)) if found else None

    def iter_purchase_orders(self, flt: str | None = None) -> Iterator[dict[str, Any]]:
        def fetch(start: int) -> Page[dict[str, Any]]:
            params: dict[str, str | int] = {"start": start, "limit": self.connection.page_size}
            if flt:
                params["flt"] = flt
            body = self._checked(self._http.get_json(self.connection.purchase_order_path, params), "list")
            items = body.get("purchaseOrderList", {}).get("purchaseOrder", [])
            returned = int(body.get("returnedRecords", len(items)))
            has_more = start - 1 + returned < int(body.get("totRecords", 0))
            return Page(items=items, has_more=has_more, advance=returned)

        return iterate_pages(fetch, 1, "jaggaer purchase orders")

    def upsert_purchase_order(self, document: dict[str, Any], known_id: str | None) -> str:
        """Creates or updates by PO number and returns the poId; never creates a second document.

        Without a native upsert the number is looked up first. A create whose answer was lost is checked by
        looking the number up again; if it is still absent the error stands and the next run checks again.
        """
        po_number = str(document["poNumber"])
        if self.connection.po_upsert_supported:
            return self._write("CREATEUPDATE", document)
        target = known_id or self.find_purchase_order(po_number)
        if target is not None:
            try:
                return self._write("UPDATE", {**document, "poId": int(target)})
            except RequestRejected as exc:
                if exc.code != str(_NOT_FOUND):
                    raise
                # Deleted in JAGGAER since we wrote it: the ledger's id is stale.
                target = self.find_purchase_order(po_number)
                if target is not None:
                    return self._write("UPDATE", {**document, "poId": int(target)})
        try:
            return self._write("CREATE", document)
        except WriteOutcomeUnknown:
            found = self.find_purchase_order(po_number)
            if found is not None:
                return found
            raise

    def _write(self, operation: str, document: dict[str, Any]) -> str:
        body = {"purchaseOrder": {"operationCode": operation, **document}}
        answer = self._checked(self._http.send_json("POST", self.connection.purchase_order_path, body), operation)
        return str(answer["poId"])

    def _checked(self, body: Any, what: str) -> dict[str, Any]:
        """J1P reports application errors with HTTP 200: success needs an ok returnCode as well."""
        if not isinstance(body, dict) or "returnCode" not in body:
            raise RequestRejected(SYSTEM, f"{what}: answer without a returnCode envelope")
        code = int(body["returnCode"])
        if code not in _OK_CODES:
            raise RequestRejected(SYSTEM, f"{what}: returnCode {code}: {body.get('returnMessage', '')}", code=str(code))
        return body
