"""`ping` for a NetSuite account: the login, the tables the connector reads, and the time zone it assumes.

A table missing from SuiteQL ("Record 'classification' was not found") means its feature is off, or the role
may not see it; finding out here beats a sync that fails on its first window.
"""

from collections.abc import Callable
from typing import Any

from ml_connector_dagster.http.errors import AuthenticationError, CheckFailed, RequestRejected
from ml_connector_dagster.http.paging import Page
from ml_connector_dagster.netsuite.connection import SYSTEM, NetSuiteConnection

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
    if missing["needed"]:
        raise CheckFailed(
            SYSTEM,
            f"tables the connector reads are not found: {', '.join(missing['needed'])}; give the integration's "
            "role permission to see them (and SuiteAnalytics Workbook)",
        )
    return lines
