"""`ping` for a NetSuite account: the login, the tables the connector reads, and the time zone it assumes.

A table missing from SuiteQL ("Record 'classification' was not found") means its feature is off, or the role
may not see it; finding out here beats a sync that fails on its first window.
"""

from collections.abc import Callable
from typing import Any

from ml_connector_dagster.http.errors import AuthenticationError, CheckFailed, RequestRejected
from ml_connector_dagster.http.paging import Page
from ml_connector_dagster.netsuite.connection import SYSTEM, NetSuiteConnection
from ml_connector_dagster.netsuite.suiteql import quote

QueryPage = Callable[[str, int], Page[dict[str, Any]]]
# Each table the connector reads, and a column it always has (deletedrecord has no id).
NEEDED_TABLES = {
    "transaction": "id",
    "transactionline": "id",
    "transactionaccountingline": "transaction",
    "vendor": "id",
    "account": "id",
    "deletedrecord": "recordid",
}
# Reference data behind a feature (or OneWorld) an account may not have: their mappings are simply not synced.
OPTIONAL_TABLES = {
    "department": "id",
    "classification": "id",
    "location": "id",
    "subsidiary": "id",
}
_LOGIN_SETTINGS = {
    "m2m": "client_id, certificate_id, private_key (and algorithm)",
    "tba": "consumer_key, consumer_secret, token_id, token_secret",
}


def ping(query_page: QueryPage, connection: NetSuiteConnection) -> list[str]:
    """Lines a person reads; raises CheckFailed when the login fails or a table every sync needs is missing."""
    lines: list[str] = []
    missing: dict[str, list[str]] = {"needed": [], "optional": []}
    for kind, tables in (("needed", NEEDED_TABLES), ("optional", OPTIONAL_TABLES)):
        for table, column in tables.items():
            try:
                query_page(f"SELECT {column} FROM {table}", 1)
            except AuthenticationError as refused:
                raise CheckFailed(
                    SYSTEM,
                    f"login to account {connection.account_id} with auth={connection.auth} failed ({refused}): check "
                    f"the settings {_LOGIN_SETTINGS[connection.auth]}, and that the role has the permissions "
                    "'REST Web Services' and 'Log in using Access Tokens'",
                    refused.status,
                ) from None
            except RequestRejected as rejected:
                if f"Record '{table}' was not found" not in str(rejected):
                    raise
                missing[kind].append(table)
            if not lines:
                lines.append(f"authenticated to account {connection.account_id} with auth={connection.auth}")
    if missing["optional"]:
        lines.append(
            f"tables missing (feature off): {', '.join(missing['optional'])}; their GL dimensions are not synced"
        )
    else:
        lines.append(f"tables present: {', '.join([*NEEDED_TABLES, *OPTIONAL_TABLES])}")
    lines.append(
        f"account_timezone {connection.account_timezone}: SuiteQL datetimes are read as this zone's local time; "
        "it must match the account's time zone preference or windows shift by the difference"
    )
    if not missing["needed"]:
        lines.extend(_unverified_settings(query_page, connection))
    if "subsidiary" in missing["optional"] and connection.business_unit is None:
        raise CheckFailed(
            SYSTEM,
            "the account has no subsidiary table (no OneWorld), so documents cannot take their business unit from "
            "their subsidiary: set business_unit on the netsuite connection",
        )
    if missing["needed"]:
        raise CheckFailed(
            SYSTEM,
            f"tables the connector reads are not found: {', '.join(missing['needed'])}; give the integration's "
            "role permission to see them (and SuiteAnalytics Workbook)",
        )
    return lines


def _unverified_settings(query_page: QueryPage, connection: NetSuiteConnection) -> list[str]:
    """What the reference could not confirm, checked against this account: the order-line account column, the
    currencies transactions use, and how deletedrecord names deleted records."""
    column = connection.order_line_account_column
    try:
        query_page(f"SELECT {column} FROM transactionline", 1)
    except RequestRejected as rejected:
        raise CheckFailed(
            SYSTEM,
            f"transactionline has no column {column!r} ({rejected}): set order_line_account_column to the column "
            "holding a line's expense account",
        ) from None
    lines = [f"order_line_account_column {column}: present on transactionline"]
    known = ", ".join(str(currency) for currency in sorted(connection.currency_codes))
    uncovered = query_page(f"SELECT currency FROM transaction WHERE currency NOT IN ({known})", 1).items
    if uncovered:
        lines.append(
            f"currency_codes: transactions use currency id {uncovered[0].get('currency')}, which has no ISO code: "
            "add it, or those transactions are quarantined"
        )
    else:
        lines.append(f"currency_codes: every transaction's currency is one of ids {known}")
    for kind, type_name in connection.deleted_record_types.items():
        found = query_page(f"SELECT recordid FROM deletedrecord WHERE type = {quote(type_name)}", 1).items
        seen = "deletions seen" if found else "no deletion seen yet: if deleted records show another type, set it"
        lines.append(f"deleted_record_types {kind}={type_name!r}: {seen}")
    return lines
