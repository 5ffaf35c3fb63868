"""Purchase orders and vendor bills read whole: headers of a window by keyset, then the lines (and, for bills,
the accounting lines) and vendors of up to `in_list_size` headers in one IN list each.

The children of each batch are read by a pool of `max_concurrent_requests` workers while the next pages of
headers are read, so every request the account allows is in flight and the latency of one hides behind the
others; batches are still yielded in header order, and at most one more batch than workers is held at once.
"""

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from ml_connector_dagster.netsuite.client import NetSuiteClient
from ml_connector_dagster.netsuite.suiteql import Day, quote

HEADER_COLUMNS = ("tranid", "entity", Day("trandate"), "status", "currency", "foreigntotal", "voided")
LINE_COLUMNS = (
    "linesequencenumber",
    "mainline",
    "item",
    "quantity",
    "rate",
    "netamount",
    "department",
    "class",
    "location",
    "subsidiary",
)
ACCOUNTING_COLUMNS = ("transactionline", "account", "debit", "credit", "amount")
VENDOR_COLUMNS = ("entityid", "companyname")
# What a transaction's raw record holds beside its header's columns.
LINES, ACCOUNTING, VENDOR = "lines", "accounting", "vendor"

Item = dict[str, Any]


@dataclass(frozen=True)
class TransactionKind:
    record_type: str  # transaction.recordtype
    accounting: bool  # whether its accounts come from transactionaccountingline (else from the line)


PURCHASE_ORDER = TransactionKind("purchaseorder", accounting=False)
VENDOR_BILL = TransactionKind("vendorbill", accounting=True)


class TransactionReader:
    def __init__(self, client: NetSuiteClient, kind: TransactionKind) -> None:
        self.client = client
        self.kind = kind
        self._line_columns = (*LINE_COLUMNS, client.connection.order_line_account_column)

    def changed(self, lo: datetime, hi: datetime) -> Iterator[Item]:
        """Each transaction changed in [lo, hi) with its lines, accounting lines and vendor, oldest first."""
        where = f"recordtype = {quote(self.kind.record_type)}"
        headers = self.client.iter_window("transaction", HEADER_COLUMNS, lo, hi, where)
        size = self.client.connection.in_list_size
        workers = self.client.connection.max_concurrent_requests
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="netsuite-children") as pool:
            reading: deque[Future[list[Item]]] = deque()
            while batch := list(islice(headers, size)):
                reading.append(pool.submit(self._whole, batch))
                if len(reading) > workers:
                    yield from reading.popleft().result()
            while reading:
                yield from reading.popleft().result()

    def _whole(self, headers: Sequence[Item]) -> list[Item]:
        ids = [header["id"] for header in headers]
        client = self.client
        lines = _by_parent(client.rows_for("transactionline", "transaction", ids, self._line_columns))
        accounting = (
            _by_parent(
                client.rows_for(
                    "transactionaccountingline", "transaction", ids, ACCOUNTING_COLUMNS, key=("transactionline",)
                )
            )
            if self.kind.accounting
            else {}
        )
        vendor_ids = sorted({header["entity"] for header in headers if header.get("entity")})
        vendors = {row["id"]: row for row in client.rows_for("vendor", "id", vendor_ids, VENDOR_COLUMNS, key=())}
        return [
            {
                **header,
                LINES: lines.get(str(header["id"]), []),
                ACCOUNTING: accounting.get(str(header["id"]), []),
                VENDOR: vendors.get(header.get("entity")),
            }
            for header in headers
        ]


def _by_parent(rows: Iterator[Item]) -> dict[str, list[Item]]:
    grouped: dict[str, list[Item]] = {}
    for row in rows:
        grouped.setdefault(str(row["transaction"]), []).append(row)
    return grouped
