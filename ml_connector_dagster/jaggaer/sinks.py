"""JAGGAER as a target the sync engine writes to: one sink per kind of record.

`write` may be called from `concurrency` threads at once, never for the same natural key at once.
`target_state` says what a record's state becomes in JAGGAER ("active"/"inactive"), where it has one.
"""

from collections.abc import Sequence

from ml_connector_dagster.http.errors import RequestRejected
from ml_connector_dagster.jaggaer.client import JaggaerClient
from ml_connector_dagster.records import CostCenter, GLAccount, Invoice, PurchaseOrder, Supplier
from ml_connector_dagster.records.errors import NothingToWrite


def _state(active: bool) -> str:
    return "active" if active else "inactive"


class JaggaerPurchaseOrderSink:
    system = "jaggaer"
    record_type = PurchaseOrder

    def __init__(self, client: JaggaerClient) -> None:
        self.client = client
        self.concurrency: int = client.connection.max_concurrent_requests
        self.bulk_lookup = not client.connection.po_upsert_supported

    def find_ids(self, natural_keys: Sequence[str]) -> dict[str, str]:
        return self.client.find_purchase_orders(natural_keys)

    def write(self, record: PurchaseOrder, known_id: str | None, looked_up: bool = False) -> str:
        document = self.client.purchase_order_document(record)
        return self.client.upsert_purchase_order(document, known_id, looked_up)

    def target_state(self, record: PurchaseOrder) -> str | None:
        return None


class JaggaerSupplierSink:
    """Company profiles: CREATEUPDATE is a native upsert by supplier number, so nothing is looked up first."""

    system = "jaggaer"
    record_type = Supplier
    bulk_lookup = False

    def __init__(self, client: JaggaerClient) -> None:
        self.client = client
        self.concurrency: int = client.connection.max_concurrent_requests

    def find_ids(self, natural_keys: Sequence[str]) -> dict[str, str]:
        return self.client.find_suppliers(natural_keys)

    def write(self, record: Supplier, known_id: str | None, looked_up: bool = False) -> str:
        return self.client.upsert_supplier(record)

    def target_state(self, record: Supplier) -> str | None:
        return _state(record.active)


class JaggaerInvoiceSink:
    """Invoices by "supplier_number/invoice_number": imported once, cancelled when cancelled in the ERP.

    J1P imports only create: a change to an invoice already imported cannot be sent, and is reported so."""

    system = "jaggaer"
    record_type = Invoice
    bulk_lookup = True

    def __init__(self, client: JaggaerClient) -> None:
        self.client = client
        self.concurrency: int = client.connection.max_concurrent_requests

    def find_ids(self, natural_keys: Sequence[str]) -> dict[str, str]:
        return self.client.find_invoices(natural_keys)

    def write(self, record: Invoice, known_id: str | None, looked_up: bool = False) -> str:
        if record.canceled:
            return self._cancel(record, known_id, looked_up)
        if known_id is not None:
            raise NothingToWrite(
                f"invoice {record.natural_key} was changed in the ERP after it was imported as JAGGAER invoice "
                f"{known_id}; J1P imports cannot change an imported invoice"
            )
        return self.client.import_invoice(record, None, looked_up)

    def _cancel(self, record: Invoice, known_id: str | None, looked_up: bool) -> str:
        key = record.natural_key
        target = known_id if looked_up else known_id or self.client.find_invoices([key]).get(key)
        if target is not None:
            try:
                return self.client.cancel_invoice(target)
            except RequestRejected as exc:
                if not self.client.is_not_found(exc):
                    raise
                # Gone from JAGGAER since we wrote it: the ledger's id is stale.
                target = self.client.find_invoices([key]).get(key)
                if target is not None:
                    return self.client.cancel_invoice(target)
        raise NothingToWrite("canceled in Fusion before it reached JAGGAER")

    def target_state(self, record: Invoice) -> str | None:
        return None


class _CustomFieldValueSink:
    """Values of one configured custom field; CREATEUPDATE upserts by value code. A disabled value is written
    inactive, so documents can no longer name it."""

    system = "jaggaer"
    bulk_lookup = False

    def __init__(self, client: JaggaerClient, field: str) -> None:
        self.client = client
        self.field = field
        self.concurrency: int = client.connection.max_concurrent_requests

    def find_ids(self, natural_keys: Sequence[str]) -> dict[str, str]:
        return self.client.custom_fields.find(self.field, natural_keys)

    def _write(self, value: str, description: str | None, enabled: bool) -> str:
        return self.client.upsert_custom_field_value(self.field, value, description, enabled)


class JaggaerGLAccountSink(_CustomFieldValueSink):
    """GL accounts as values of the `gl_account_field` custom field, keyed by combination."""

    record_type = GLAccount

    def __init__(self, client: JaggaerClient) -> None:
        super().__init__(client, client.connection.gl_account_field)

    def write(self, record: GLAccount, known_id: str | None, looked_up: bool = False) -> str:
        return self._write(record.combination, None, record.enabled)

    def target_state(self, record: GLAccount) -> str | None:
        return _state(record.enabled)


class JaggaerDimensionSink(_CustomFieldValueSink):
    """Values of a GL dimension (cost centers, an ERP's classifications) in the custom field `field`, keyed by
    value."""

    record_type = CostCenter

    def write(self, record: CostCenter, known_id: str | None, looked_up: bool = False) -> str:
        return self._write(record.value, record.description, record.enabled)

    def target_state(self, record: CostCenter) -> str | None:
        return _state(record.enabled)


class JaggaerCostCenterSink(JaggaerDimensionSink):
    """Cost centers as values of the `cost_center_field` custom field."""

    def __init__(self, client: JaggaerClient) -> None:
        super().__init__(client, client.connection.cost_center_field)
