"""Reference data every seeded pod holds from construction, shared by all seeders so documents agree with it:
the 12 base suppliers purchase orders and invoices name, business units, the chart of accounts
(accountCombinationsLOV) and the value sets of its segments."""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from ml_connector_dagster.fusion.simulator.rows import Row, Value, format_timestamp
from ml_connector_dagster.fusion.simulator.schema import (
    ACCOUNT_COMBINATIONS,
    ADDRESSES,
    SEGMENTS,
    SITES,
    SUPPLIERS,
    VALUE_SETS,
    VALUES,
)


class Place(NamedTuple):
    city: str
    state: str | None
    postal_code: str
    country: str  # ISO 3166 alpha-2


class BaseSupplier(NamedTuple):
    name: str
    supplier_id: int
    site: str
    number: str
    place: Place


class BusinessUnit(NamedTuple):
    name: str
    currency: str
    order_prefix: str
    company: str  # ledger company segment


# Listed twice: the US business unit carries twice the volume of the others.
BUSINESS_UNITS = tuple(
    BusinessUnit(*unit)
    for unit in (
        ("US1 Business Unit", "USD", "US", "101"),
        ("US1 Business Unit", "USD", "US", "101"),
        ("UK Business Unit", "GBP", "UK", "201"),
        ("DE Business Unit", "EUR", "DE", "301"),
        ("Canada Business Unit", "CAD", "CA", "401"),
        ("AU Business Unit", "AUD", "AU", "501"),
        ("JP Business Unit", "JPY", "JP", "601"),
    )
)
BU_BY_COUNTRY = {
    "US": "US1 Business Unit",
    "GB": "UK Business Unit",
    "DE": "DE Business Unit",
    "CA": "Canada Business Unit",
    "AU": "AU Business Unit",
    "JP": "JP Business Unit",
}
BASE_SUPPLIERS = tuple(
    BaseSupplier(name, supplier_id, site, str(1001 + position), Place(*place))
    for position, (name, supplier_id, site, place) in enumerate(
        (
            ("Lee Supplies", 300100009441125, "LEE US1", ("San Jose", "CA", "95134", "US")),
            ("Advanced Network Devices", 300100009441287, "FRESNO", ("Fresno", "CA", "93721", "US")),
            ("Grainger Industrial Supply", 300100010527341, "CHICAGO", ("Chicago", "IL", "60601", "US")),
            ("CDW Corporation", 300100010527562, "VERNON HILLS", ("Vernon Hills", "IL", "60061", "US")),
            ("Fastenal Company", 300100011208815, "WINONA", ("Winona", "MN", "55987", "US")),
            ("Staples Business Advantage", 300100011208943, "FRAMINGHAM", ("Framingham", "MA", "01702", "US")),
            ("Siemens AG", 300100012360120, "MUNICH", ("Munich", "BY", "80333", "DE")),
            ("Bosch Rexroth AG", 300100012360377, "LOHR", ("Lohr am Main", "BY", "97816", "DE")),
            ("Rexel UK Ltd", 300100013074462, "LONDON", ("London", None, "EC1A 1BB", "GB")),
            ("Wesco Distribution Canada", 300100013074508, "TORONTO", ("Toronto", "ON", "M5H 2N2", "CA")),
            ("Bunzl Australasia", 300100014112739, "SYDNEY", ("Sydney", "NSW", "2000", "AU")),
            ("Misumi Corporation", 300100014112901, "TOKYO", ("Tokyo", None, "112-0004", "JP")),
        )
    )
)
NATURAL_ACCOUNTS = {"60510": "Office supplies", "61120": "IT equipment", "62300": "Maintenance", "14100": "Prepaid"}
COST_CENTERS = ("10", "20", "30", "40")
# Charged by unmapped invoices: enabled in the LOV, deliberately absent from the cost-center value set.
UNMAPPED_COST_CENTER = "95"
# In the value set and the LOV, both disabled.
DISABLED_COST_CENTER = "90"
_COST_CENTER_NAMES = {
    "10": "Administration",
    "20": "Sales",
    "30": "Manufacturing",
    "40": "Information Technology",
    "90": "Discontinued operations",
}
COMPANIES = tuple(dict.fromkeys(unit.company for unit in BUSINESS_UNITS))
CHART_OF_ACCOUNTS_ID = 3001
_REFERENCE_STAMP = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)


def combination(company: str, cost_center: str, natural: str) -> str:
    """Concatenated segments as documents carry them (`101.10.60510.120.000.000`)."""
    return f"{company}.{cost_center}.{natural}.120.000.000"


def account_id(account: str) -> int:
    """The code combination id of a charge account: stable, so orders, invoices and the LOV agree."""
    return 300100001000000 + int(hashlib.sha256(account.encode()).hexdigest()[:8], 16) % 10**8


# Per ledger company segment: every (charge account, its code combination id) documents are charged to.
CHARGE_ACCOUNTS = {
    company: tuple(
        (combination(company, center, natural), account_id(combination(company, center, natural)))
        for center in COST_CENTERS
        for natural in NATURAL_ACCOUNTS
    )
    for company in COMPANIES
}


def base_suppliers() -> list[Row]:
    """The 12 suppliers purchase orders name, each with its ordering site and address (and a remit-to
    address for every other one), stamped long before any seeded window."""
    rows = []
    for position, supplier in enumerate(BASE_SUPPLIERS):
        place = supplier.place
        address_id = 300100009600000 + 10 * position
        addresses = [_address(address_id, "HEADQUARTERS", f"{100 + position} Main Street", place)]
        if position % 2 == 0:
            addresses.append(_address(address_id + 1, "REMIT TO", f"PO Box {4000 + position}", place))
        site: dict[str, Value] = {
            "SupplierSiteId": 300100009700000 + 10 * position,
            "SupplierSite": supplier.site,
            "ProcurementBU": BU_BY_COUNTRY[place.country],
            "SupplierAddressId": address_id,
            "InactiveDate": None,
        }
        updated = _REFERENCE_STAMP + timedelta(minutes=position)
        attrs: dict[str, Value] = {
            "SupplierId": supplier.supplier_id,
            "SupplierNumber": supplier.number,
            "Supplier": supplier.name,
            "Status": "ACTIVE",
            "DUNSNumber": f"{804501000 + 7919 * position}",
            "TaxOrganizationType": "Corporation",
            "CreationDate": format_timestamp(updated - timedelta(days=400 + position)),
            "LastUpdateDate": format_timestamp(updated),
        }
        sites = (Row(SITES.name, int(str(site["SupplierSiteId"])), site),)
        rows.append(Row(SUPPLIERS.name, supplier.supplier_id, attrs, (sites, tuple(addresses))))
    return rows


def _address(address_id: int, name: str, line1: str, place: Place) -> Row:
    attrs: dict[str, Value] = {
        "SupplierAddressId": address_id,
        "AddressName": name,
        "AddressLine1": line1,
        "AddressLine2": None,
        "City": place.city,
        "State": place.state,
        "PostalCode": place.postal_code,
        "Country": place.country,
    }
    return Row(ADDRESSES.name, address_id, attrs)


def account_combinations() -> list[Row]:
    """Every combination documents charge (enabled), the unmapped cost center's (enabled) and the disabled
    cost center's (disabled, end-dated)."""
    centers = [*COST_CENTERS, UNMAPPED_COST_CENTER, DISABLED_COST_CENTER]
    rows = []
    for company in COMPANIES:
        for center in centers:
            for natural in NATURAL_ACCOUNTS:
                account = combination(company, center, natural)
                enabled = center != DISABLED_COST_CENTER
                ccid = account_id(account)
                attrs: dict[str, Value] = {
                    "_CODE_COMBINATION_ID": ccid,
                    "_CHART_OF_ACCOUNTS_ID": CHART_OF_ACCOUNTS_ID,
                    "EnabledFlag": enabled,
                    # Asset for the balance-sheet account, expense for the rest.
                    "AccountType": "A" if natural.startswith("1") else "E",
                    "StartDateActive": "2015-01-01",
                    "EndDateActive": None if enabled else "2025-12-31",
                    **dict(zip(SEGMENTS, account.split("."), strict=True)),
                }
                rows.append(Row(ACCOUNT_COMBINATIONS.name, ccid, attrs))
    if len({row.key for row in rows}) != len(rows):
        raise RuntimeError("two charge accounts share a code combination id")
    return rows


def value_sets(cost_center_code: str) -> list[Row]:
    """The value sets of the company, cost-center and natural-account segments."""
    cost_centers = {center: _COST_CENTER_NAMES[center] for center in (*COST_CENTERS, DISABLED_COST_CENTER)}
    companies = {company: f"Company {company}" for company in COMPANIES}
    sets = (
        ("CORP_COMPANY", "Corporate company segment", companies),
        (cost_center_code, "Corporate cost center segment", cost_centers),
        ("CORP_ACCOUNT", "Corporate natural account segment", NATURAL_ACCOUNTS),
    )
    rows = []
    for number, (code, description, values) in enumerate(sets, start=1):
        set_id = 300100002100000 + number
        children = tuple(
            Row(VALUES.name, value_id, _value(value_id, value, name, enabled=value != DISABLED_COST_CENTER))
            for value_id, (value, name) in enumerate(values.items(), start=300100002200000 + 100 * number)
        )
        attrs: dict[str, Value] = {"ValueSetId": set_id, "ValueSetCode": code, "Description": description}
        rows.append(Row(VALUE_SETS.name, set_id, attrs, (children,)))
    return rows


def _value(value_id: int, value: str, description: str, enabled: bool) -> dict[str, Value]:
    return {
        "ValueId": value_id,
        "Value": value,
        "Description": description,
        "EnabledFlag": enabled,
        "StartDateActive": "2015-01-01",
        "EndDateActive": None if enabled else "2025-12-31",
        "LastUpdateDate": format_timestamp(_REFERENCE_STAMP),
    }
