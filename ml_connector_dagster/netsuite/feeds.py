"""NetSuite as a source of records, in the shape the sync engine reads (`sync/ports.py` SourceFeed).

Vendors, purchase orders and vendor bills are windowed by lastmodifieddate, deletions from `deletedrecord`
included. The GL dimensions are read whole on every run: a few hundred rows at most, and a value created long
before the first window must still reach JAGGAER before any document names it.
"""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.netsuite.bills import cancelled_invoice, invoice
from ml_connector_dagster.netsuite.client import NetSuiteClient
from ml_connector_dagster.netsuite.connection import SYSTEM, DeletedKind
from ml_connector_dagster.netsuite.documents import TransactionContext
from ml_connector_dagster.netsuite.orders import cancelled_order, purchase_order
from ml_connector_dagster.netsuite.reference import (
    ACCOUNT_COLUMNS,
    NAMED_COLUMNS,
    DimensionTable,
    account_value,
    dimension_value,
    gl_account,
)
from ml_connector_dagster.netsuite.transactions import PURCHASE_ORDER, VENDOR_BILL, TransactionKind, TransactionReader
from ml_connector_dagster.netsuite.vendors import VENDOR_COLUMNS, deleted_supplier, supplier
from ml_connector_dagster.records import CostCenter, GLAccount, Invoice, PurchaseOrder, Supplier
from ml_connector_dagster.sync.ports import Deletion

Raw = dict[str, Any]
Record = TypeVar("Record", bound=BaseModel)
Windowed = TypeVar("Windowed", Supplier, PurchaseOrder, Invoice)


def _feature_off(rejected: RequestRejected, table: str) -> bool:
    return f"Record '{table}' was not found" in str(rejected)


def _whole_table(client: NetSuiteClient, table: str, columns: tuple[str, ...]) -> Iterator[Raw]:
    """Every row of a reference table; none when the account has its feature off (`ping netsuite` says so)."""
    try:
        yield from client.iter_all(table, columns)
    except RequestRejected as rejected:
        if not _feature_off(rejected, table):
            raise


class _Feed(Generic[Record]):
    system = SYSTEM
    entity: str
    snapshot: bool

    def __init__(self, client: NetSuiteClient) -> None:
        self.client = client

    def record_key(self, raw: Raw) -> str:
        return str(raw.get("id"))


class _WindowedFeed(_Feed[Windowed]):
    snapshot = False
    table: str
    deleted: DeletedKind

    def version(self, record: Windowed) -> datetime:
        return record.last_update_date

    def first_change_at_or_after(self, instant: datetime) -> datetime | None:
        return self.client.first_change(self.table, instant)

    def deletions(self, lo: datetime, hi: datetime) -> Iterator[Deletion]:
        type_name = self.client.connection.deleted_record_types[self.deleted]
        for record_id, at in self.client.iter_deleted(type_name, lo, hi):
            yield Deletion(str(record_id), at)


class NetSuiteVendorFeed(_WindowedFeed[Supplier]):
    entity = "netsuite_vendors"
    table = "vendor"
    deleted = "vendor"

    def changed(self, lo: datetime, hi: datetime) -> Iterator[Raw | Deletion]:
        yield from self.client.iter_window("vendor", VENDOR_COLUMNS, lo, hi)
        yield from self.deletions(lo, hi)

    def convert(self, raw: Raw) -> tuple[Supplier, list[str]]:
        return supplier(raw), []

    def natural_key(self, record: Supplier) -> str:
        return record.supplier_number

    def tombstone(self, payload: str, deletion: Deletion) -> Supplier:
        return deleted_supplier(Supplier.model_validate_json(payload), deletion.at)


class _TransactionFeed(_WindowedFeed[Windowed]):
    table = "transaction"
    kind: TransactionKind

    def __init__(self, client: NetSuiteClient) -> None:
        super().__init__(client)
        self._context: TransactionContext | None = None

    @property
    def context(self) -> TransactionContext:
        if self._context is None:
            client = self.client
            accounts = {str(row["id"]): account_value(row) for row in client.iter_all("account", ("acctnumber",))}
            named = _whole_table(client, "subsidiary", ("name",))
            subsidiaries = {str(row["id"]): str(row.get("name")) for row in named}
            self._context = TransactionContext(client.connection, accounts, subsidiaries)
        return self._context

    def changed(self, lo: datetime, hi: datetime) -> Iterator[Raw | Deletion]:
        yield from TransactionReader(self.client, self.kind).changed(lo, hi)
        yield from self.deletions(lo, hi)


class NetSuitePurchaseOrderFeed(_TransactionFeed[PurchaseOrder]):
    entity = "netsuite_purchase_orders"
    kind = PURCHASE_ORDER
    deleted = "purchaseorder"

    def convert(self, raw: Raw) -> tuple[PurchaseOrder, list[str]]:
        return purchase_order(raw, self.context), []

    def natural_key(self, record: PurchaseOrder) -> str:
        return record.order_number

    def tombstone(self, payload: str, deletion: Deletion) -> PurchaseOrder:
        return cancelled_order(PurchaseOrder.model_validate_json(payload), deletion.at)


class NetSuiteVendorBillFeed(_TransactionFeed[Invoice]):
    entity = "netsuite_vendor_bills"
    kind = VENDOR_BILL
    deleted = "vendorbill"

    def convert(self, raw: Raw) -> tuple[Invoice, list[str]]:
        return invoice(raw, self.context), []

    def natural_key(self, record: Invoice) -> str:
        return record.natural_key

    def tombstone(self, payload: str, deletion: Deletion) -> Invoice:
        return cancelled_invoice(Invoice.model_validate_json(payload), deletion.at)


class _ReferenceFeed(_Feed[Record]):
    snapshot = True

    def version(self, record: Record) -> datetime:
        raise TypeError(f"netsuite {self.entity} is read whole: the engine stamps its version")


class NetSuiteAccountFeed(_ReferenceFeed[GLAccount]):
    entity = "netsuite_accounts"

    def changed(self, lo: datetime, hi: datetime) -> Iterator[Raw]:
        return self.client.iter_all("account", ACCOUNT_COLUMNS)

    def convert(self, raw: Raw) -> tuple[GLAccount, list[str]]:
        return gl_account(raw), []

    def natural_key(self, record: GLAccount) -> str:
        return record.combination


class NetSuiteDimensionFeed(_ReferenceFeed[CostCenter]):
    def __init__(self, client: NetSuiteClient, dimension: DimensionTable) -> None:
        super().__init__(client)
        self.dimension = dimension
        self.entity = dimension.entity

    def changed(self, lo: datetime, hi: datetime) -> Iterator[Raw]:
        return _whole_table(self.client, self.dimension.table, NAMED_COLUMNS)

    def convert(self, raw: Raw) -> tuple[CostCenter, list[str]]:
        return dimension_value(self.dimension, raw), []

    def natural_key(self, record: CostCenter) -> str:
        return record.value


def dimension_feed(dimension: DimensionTable) -> Callable[[NetSuiteClient], NetSuiteDimensionFeed]:
    return lambda client: NetSuiteDimensionFeed(client, dimension)
