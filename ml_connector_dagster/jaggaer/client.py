"""Talks to the J1P API: Keycloak tokens, the returnCode envelope, checked purchase order writes, and the
company profile, invoice and custom-field value APIs beside them (suppliers.py, invoices.py, custom_fields.py),
and the receipts and PO acknowledgments read from JAGGAER (receipts.py, acknowledgments.py).

Thread-safe: the sync engine writes from several threads through one client. Its own state is read-only after
construction; the HTTP session and the token provider guard theirs.
"""

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import (
    RequestRejected,
    WriteOutcomeUnknown,
    found_after_unknown,
)
from ml_connector_dagster.http.tokens import BearerAuthorizer, ClientCredentialsGrant, TokenCache, TokenProvider
from ml_connector_dagster.jaggaer.acknowledgments import AcknowledgmentReading
from ml_connector_dagster.jaggaer.answers import checked, po_id, po_number, po_number_places
from ml_connector_dagster.jaggaer.connection import DEFAULT_LIST_PATH, SYSTEM, JaggaerConnection
from ml_connector_dagster.jaggaer.custom_fields import CustomFieldApi
from ml_connector_dagster.jaggaer.invoices import InvoiceApi
from ml_connector_dagster.jaggaer.listing import (
    fiql_filter,
    first_listed,
    iter_listed,
    list_paths,
    lookup_chunks,
    oldest_first,
)
from ml_connector_dagster.jaggaer.probe import probe_tenant
from ml_connector_dagster.jaggaer.receipts import ReceiptReading
from ml_connector_dagster.jaggaer.suppliers import SupplierApi
from ml_connector_dagster.jaggaer.template_loader import load_purchase_order_template
from ml_connector_dagster.records import Invoice, PurchaseOrder, Supplier


@dataclass(frozen=True)
class ListedPurchaseOrder:
    position: int  # 1-based place in the listing, as J1P's `start` counts
    po_id: str
    po_number: str
    document: dict[str, Any]


class JaggaerClient:
    def __init__(
        self,
        connection: JaggaerConnection,
        token_cache: TokenCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.connection = connection
        self.template = load_purchase_order_template(connection.purchase_order_template, connection.template_settings)
        self._list_paths = list_paths(connection.purchase_order_list_path, DEFAULT_LIST_PATH)
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
        self.suppliers = SupplierApi(self._http, connection)
        self.invoices = InvoiceApi(self._http, connection)
        self.custom_fields = CustomFieldApi(self._http, connection)
        self.receipts = ReceiptReading(self._http, connection)
        self.acknowledgments = AcknowledgmentReading(self._http, connection)

    def close(self) -> None:
        self._http.close()
        self.tokens.close()

    def ping(self) -> list[str]:
        """Authenticates, then checks every collection and template the connector relies on: one line each."""
        return probe_tenant(self)

    def first_purchase_order(self) -> tuple[int, ListedPurchaseOrder | None]:
        path = self.connection.purchase_order_path
        return first_listed(self._http, path, self._list_paths, None, self._listed)

    def upsert_supplier(self, supplier: Supplier) -> str:
        """Creates or updates the supplier's company profile (CREATEUPDATE by extCode); returns its bravoId."""
        return self.suppliers.upsert(self.suppliers.document(supplier))

    def find_suppliers(self, numbers: Sequence[str]) -> dict[str, str]:
        return self.suppliers.find(numbers)

    def find_invoices(self, natural_keys: Sequence[str]) -> dict[str, str]:
        """invoiceIds by "supplier_number/invoice_number"."""
        return self.invoices.find(natural_keys)

    def import_invoice(self, invoice: Invoice, known_id: str | None = None, looked_up: bool = False) -> str:
        return self.invoices.import_invoice(invoice, known_id, looked_up)

    def cancel_invoice(self, invoice_id: str) -> str:
        return self.invoices.cancel(invoice_id)

    def upsert_custom_field_value(self, field: str, value: str, description: str | None, active: bool) -> str:
        return self.custom_fields.upsert(field, value, description, active)

    def is_not_found(self, error: RequestRejected) -> bool:
        """Whether the tenant's rejection means "no such document" (which returnCodes do is a setting)."""
        return error.code in {str(code) for code in self.connection.not_found_codes}

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
        found: dict[str, list[str]] = {}
        for chunk in lookup_chunks(numbers, self.connection.lookup_batch_size):
            for document in self.iter_purchase_orders(fiql_filter("poNumber", chunk)):
                if document.po_number in chunk:
                    found.setdefault(document.po_number, []).append(document.po_id)
        return {number: min(ids, key=oldest_first) for number, ids in found.items()}

    def iter_purchase_orders(self, flt: str | None = None) -> Iterator[ListedPurchaseOrder]:
        c = self.connection
        return iter_listed(
            self._http, c.purchase_order_path, self._list_paths, c.page_size, flt, self._listed, "purchase orders"
        )

    def upsert_purchase_order(self, document: dict[str, Any], known_id: str | None, looked_up: bool = False) -> str:
        """Creates or updates by PO number and returns the poId; never creates a second document.

        Without a native upsert the number is looked up first, unless the caller just did (`looked_up`: then
        `known_id` None means absent). A create whose answer was lost is checked by looking the number up
        again; if it is still absent the error stands and the next run checks again.
        """
        number = self.template.key_in(document)
        if number is None:
            raise ValueError(f"the document has no PO number at {self.template.key_location}")
        if self.connection.po_upsert_supported:
            return self._write("CREATEUPDATE", document)
        target = known_id if looked_up else known_id or self.find_purchase_order(number)
        if target is not None:
            try:
                return self._write("UPDATE", self.template.with_id(document, target))
            except RequestRejected as exc:
                if not self.is_not_found(exc):
                    raise
                # Deleted in JAGGAER since we wrote it: the ledger's id is stale.
                target = self.find_purchase_order(number)
                if target is not None:
                    return self._write("UPDATE", self.template.with_id(document, target))
        try:
            return self._write("CREATE", document)
        except WriteOutcomeUnknown as unknown:
            return found_after_unknown(unknown, lambda: self.find_purchase_order(number))

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
