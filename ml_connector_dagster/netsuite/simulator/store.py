"""The account's tables, its id counters and the edits users make: touch, void, delete."""

import threading
from datetime import datetime
from decimal import Decimal

from ml_connector_dagster.netsuite.simulator.formats import epoch_seconds
from ml_connector_dagster.netsuite.simulator.schema import SCHEMAS
from ml_connector_dagster.netsuite.simulator.tables import Row, Table

# Tables whose rows `touch` can move, by the column their change time is in.
TOUCHABLE = frozenset({"transaction", "vendor", "account", "department", "classification", "location", "subsidiary"})
_ZERO = Decimal(0)


class AccountStore:
    def __init__(self) -> None:
        # Held by every read and edit: the test thread seeds while the server thread answers.
        self.lock = threading.RLock()
        self.tables: dict[str, Table] = {name: Table(schema) for name, schema in SCHEMAS.items()}
        self._next: dict[str, int] = {"vendor": 101, "transaction": 1001, "uniquekey": 1}

    def take_ids(self, counter: str, count: int) -> range:
        first = self._next[counter]
        self._next[counter] = first + count
        return range(first, first + count)

    def position(self, table: str, record_id: int) -> int:
        """Position of the row with this id; KeyError when the table has none."""
        positions = self.tables[table].find("id", record_id)
        if not positions:
            raise KeyError(f"no {table} {record_id}")
        return positions[0]

    def row(self, table: str, record_id: int) -> Row | None:
        try:
            return self.tables[table].at(self.position(table, record_id))
        except KeyError:
            return None

    def children(self, table: str, transaction_id: int) -> list[Row]:
        """Lines (or accounting lines) of one transaction, in their order."""
        held = self.tables[table]
        return [held.at(position) for position in sorted(held.find("transaction", transaction_id))]

    def touch(self, table: str, record_id: int, at: datetime) -> None:
        """A user saving the record unchanged: its lastmodifieddate moves to `at`."""
        if table not in TOUCHABLE:
            raise ValueError(f"cannot touch {table!r}; one of {sorted(TOUCHABLE)}")
        with self.lock:
            self._set(self.tables[table], self.position(table, record_id), {"lastmodifieddate": epoch_seconds(at)})

    def void_bill(self, bill_id: int, at: datetime, status: str | None) -> None:
        """Voids a vendor bill without a reversing journal: `voided` 'T', every amount 0, all rows changed at
        `at`; `status` replaces the status when given. KeyError when there is no such bill."""
        instant = epoch_seconds(at)
        with self.lock:
            position = self.position("transaction", bill_id)
            header = self.tables["transaction"]
            if header.at(position)[header.schema.position["recordtype"]] != "vendorbill":
                raise KeyError(f"no vendor bill {bill_id}")
            changes: dict[str, object] = {"voided": "T", "foreigntotal": _ZERO, "lastmodifieddate": instant}
            if status is not None:
                changes["status"] = status
            self._set(header, position, changes)
            lines = self.tables["transactionline"]
            for line in lines.find("transaction", bill_id):
                self._set(lines, line, {"netamount": _ZERO, "linelastmodifieddate": instant})
            accounting = self.tables["transactionaccountingline"]
            for line in accounting.find("transaction", bill_id):
                zeroed = {"debit": None, "credit": None, "amount": _ZERO}
                if accounting.at(line)[accounting.schema.position["lastmodifieddate"]] is not None:
                    zeroed["lastmodifieddate"] = instant
                self._set(accounting, line, zeroed)

    def delete(self, table: str, record_id: int, at: datetime, type_name: str, name: str) -> None:
        """Deletes the record and writes its deletedrecord row. KeyError when there is none."""
        with self.lock:
            held = self.tables[table]
            held.delete(self.position(table, record_id))
            deleted = (epoch_seconds(at), record_id, None, type_name, name, "UI")
            self.tables["deletedrecord"].extend([deleted])

    def _set(self, table: Table, position: int, changes: dict[str, object]) -> None:
        updated = list(table.at(position))
        for column, value in changes.items():
            updated[table.schema.position[column]] = value
        table.replace(position, tuple(updated))

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {name: len(table) for name, table in self.tables.items()}
