"""A NetSuite charge as one combination string, so the GL mapping (rows and rule) reads it as it reads Fusion's
segments: `<subsidiary>.<department>.<class>.<location>.<account>`, ids of the classifications (empty where the
line has none or the feature is off) and the account's number.

With the rule "cost center = segment 2, GL value = segment:5", a line maps to its department and account
wherever both are active in JAGGAER; a line without a department, or on an account or department JAGGAER does
not hold active, waits for an explicit mapping row.
"""

from ml_connector_dagster.records import ChargeAccount

DELIMITER = "."
SEGMENTS = ("subsidiary", "department", "class", "location", "account")


def charge(
    subsidiary: int | None, department: int | None, klass: int | None, location: int | None, account: str
) -> ChargeAccount:
    """The charge a line makes, named by its combination."""
    parts = ["" if value is None else str(value) for value in (subsidiary, department, klass, location)]
    return ChargeAccount(None, DELIMITER.join([*parts, account]))
