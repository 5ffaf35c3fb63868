"""What every NetSuite transaction needs to become a canonical document: the account's currencies, business
units and account numbers, and the charge each line makes."""

from collections.abc import Mapping
from datetime import UTC, date, datetime, time

from ml_connector_dagster.netsuite.charges import charge
from ml_connector_dagster.netsuite.connection import NetSuiteConnection
from ml_connector_dagster.netsuite.values import Row, RowReader
from ml_connector_dagster.records import ChargeAccount


class TransactionContext:
    """Read once per feed: account numbers by internal id, subsidiary names by id."""

    def __init__(
        self, connection: NetSuiteConnection, account_values: Mapping[str, str], subsidiaries: Mapping[str, str]
    ) -> None:
        self.connection = connection
        self.account_values = account_values
        self.subsidiaries = subsidiaries

    def currency(self, reader: RowReader) -> str:
        currency = reader.required_integer("currency")
        code = self.connection.currency_codes.get(currency)
        if code is None:
            raise reader.bad(
                "currency", f"{currency} has no ISO code: add it to the netsuite connection's currency_codes"
            )
        return code

    def business_unit(self, reader: RowReader, mainline: Row | None) -> str:
        if self.connection.business_unit is not None:
            return self.connection.business_unit
        if mainline is None:
            raise reader.bad("lines", "hold no mainline (the header's own line, which names its subsidiary)")
        subsidiary = mainline.get("subsidiary")
        name = self.subsidiaries.get(str(subsidiary)) if subsidiary is not None else None
        if name is None:
            raise reader.bad(
                "subsidiary",
                f"{subsidiary!r} names no subsidiary the connector can read: set business_unit on the netsuite "
                "connection (accounts without OneWorld have no subsidiaries)",
            )
        return name

    def line_charge(self, line: RowReader, account: int | None) -> ChargeAccount:
        value = "" if account is None else self.account_values.get(str(account), str(account))
        dimensions = (line.integer(column) for column in ("subsidiary", "department", "class", "location"))
        return charge(*dimensions, value)

    def midnight(self, day: date) -> datetime:
        """A transaction date as the instant it starts in the account's zone."""
        return datetime.combine(day, time(), self.connection.zone).astimezone(UTC)


def body_lines(header: RowReader, lines: list[Row]) -> tuple[Row | None, list[Row]]:
    """The mainline (the header's own line) and the body lines in their order."""
    mainline = next((line for line in lines if line.get("mainline") == "T"), None)
    body = [line for line in lines if line.get("mainline") != "T"]

    def order(line: Row) -> tuple[int, int]:
        read = RowReader(line, f"{header.what} line {str(line.get('id'))[:40]}", header.key)
        return read.integer("linesequencenumber") or 0, read.required_integer("id")

    body.sort(key=order)
    return mainline, body


def status_name(names: Mapping[str, str], code: str | None) -> str:
    """SuiteQL shows a transaction's status as its letter; the document carries its name."""
    if code is None:
        return "Unknown"
    return names.get(code, code)
