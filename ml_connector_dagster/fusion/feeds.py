"""Fusion as a source of records, in the shape the sync engine reads (`sync/ports.py` SourceFeed).

Windowed feeds read what changed in [lo, hi) by LastUpdateDate. Snapshot feeds (`snapshot = True`) read
reference data that has no change time at the source: every row, whatever the window; the engine stamps
their version itself.
"""

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.invoices import InvoiceMapping
from ml_connector_dagster.fusion.purchase_orders import PurchaseOrderMapping
from ml_connector_dagster.fusion.record_tree import WindowedTree
from ml_connector_dagster.fusion.reference import CostCenterMapping, GLAccountMapping
from ml_connector_dagster.fusion.suppliers import SupplierMapping
from ml_connector_dagster.records import CostCenter, GLAccount, Invoice, PurchaseOrder, Supplier
from ml_connector_dagster.records.invoice import invoice_key

Record = TypeVar("Record", bound=BaseModel)
Converted = TypeVar("Converted", bound=BaseModel, covariant=True)
Windowed = TypeVar("Windowed", PurchaseOrder, Supplier, Invoice)


class _Mapping(Protocol[Converted]):
    def convert(self, raw: Mapping[str, Any]) -> tuple[Converted, list[str]]: ...

    def record_key(self, raw: Mapping[str, Any]) -> str: ...


class _Feed(Generic[Record]):
    system = "fusion"
    entity: str
    snapshot: bool
    mapping: _Mapping[Record]

    def __init__(self, client: FusionClient) -> None:
        self.client = client

    def convert(self, raw: dict[str, Any]) -> tuple[Record, list[str]]:
        return self.mapping.convert(raw)

    def record_key(self, raw: dict[str, Any]) -> str:
        return self.mapping.record_key(raw)


class _WindowedFeed(_Feed[Windowed]):
    snapshot = False
    mapping: WindowedTree[Windowed]

    def changed(self, lo: datetime, hi: datetime) -> Iterator[dict[str, Any]]:
        return self.client.iter_window(self.mapping.resource, lo, hi)

    def version(self, record: Windowed) -> datetime:
        return record.version

    def first_change_at_or_after(self, instant: datetime) -> datetime | None:
        return self.client.first_change(self.mapping.resource, instant)


class _SnapshotFeed(_Feed[Record]):
    snapshot = True

    def version(self, record: Record) -> datetime:
        raise TypeError(
            f"fusion {self.entity} is a snapshot without a change time at the source: the engine stamps its version"
        )


class FusionPurchaseOrderFeed(_WindowedFeed[PurchaseOrder]):
    entity = "purchase_orders"

    def __init__(self, client: FusionClient, mapping: PurchaseOrderMapping | None = None) -> None:
        super().__init__(client)
        self.mapping = mapping or PurchaseOrderMapping(client.connection.attribute_names)

    def natural_key(self, record: PurchaseOrder) -> str:
        return record.order_number


class FusionSupplierFeed(_WindowedFeed[Supplier]):
    entity = "suppliers"

    def __init__(self, client: FusionClient, mapping: SupplierMapping | None = None) -> None:
        super().__init__(client)
        self.mapping = mapping or SupplierMapping(client.connection.attribute_names)

    def natural_key(self, record: Supplier) -> str:
        return record.supplier_number


class FusionInvoiceFeed(_WindowedFeed[Invoice]):
    entity = "invoices"

    def __init__(self, client: FusionClient, mapping: InvoiceMapping | None = None) -> None:
        super().__init__(client)
        self.mapping = mapping or InvoiceMapping(client.connection.attribute_names)

    def natural_key(self, record: Invoice) -> str:
        return record.natural_key

    def raw_natural_key(self, raw: dict[str, Any]) -> str | None:
        supplier = raw.get(self.mapping.attribute("invoices", "supplier_number"))
        number = raw.get(self.mapping.attribute("invoices", "invoice_number"))
        return invoice_key(str(supplier), str(number)) if supplier and number else None


class FusionGLAccountFeed(_SnapshotFeed[GLAccount]):
    entity = "gl_accounts"

    def __init__(self, client: FusionClient, mapping: GLAccountMapping | None = None) -> None:
        super().__init__(client)
        connection = client.connection
        self.mapping: GLAccountMapping = mapping or GLAccountMapping(
            connection.attribute_names, connection.gl_segment_attributes, connection.segment_delimiter
        )

    def changed(self, lo: datetime, hi: datetime) -> Iterator[dict[str, Any]]:
        """Every account combination: the LOV has no change time, so the window does not narrow the read."""
        return self.client.iter_all(self.mapping.resource)

    def natural_key(self, record: GLAccount) -> str:
        return record.combination


class FusionCostCenterFeed(_SnapshotFeed[CostCenter]):
    entity = "cost_centers"

    def __init__(self, client: FusionClient, mapping: CostCenterMapping | None = None) -> None:
        super().__init__(client)
        connection = client.connection
        self.mapping: CostCenterMapping = mapping or CostCenterMapping(
            connection.cost_center_value_set, connection.attribute_names
        )

    def changed(self, lo: datetime, hi: datetime) -> Iterator[dict[str, Any]]:
        """Every value of the cost-center value set, whatever the window."""
        return self.client.iter_value_set(self.mapping.value_set_code, self.mapping.key)

    def natural_key(self, record: CostCenter) -> str:
        return record.value
