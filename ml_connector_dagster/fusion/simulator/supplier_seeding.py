"""Deterministic suppliers beyond the 12 base ones: sites on their addresses, unique names and numbers."""

import random
from datetime import datetime, timedelta

from ml_connector_dagster.fusion.simulator.reference import BU_BY_COUNTRY, Place
from ml_connector_dagster.fusion.simulator.rows import Row, Value, format_timestamp
from ml_connector_dagster.fusion.simulator.schema import ADDRESSES, SITES, SUPPLIERS
from ml_connector_dagster.fusion.simulator.seeding import ABSENT, Draws, IdSequence, Malformation, iso_day

# Applied in turn to the malformed suppliers of a seed.
SUPPLIER_MALFORMATIONS: tuple[Malformation, ...] = (
    ("SupplierNumber", ABSENT),
    ("Supplier", None),
    ("CreationDate", "2026-13-45T99:00:00+00:00"),
    ("Status", 17),
)
_NAME_WORDS = ("Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Proseware", "Adatum", "Wingtip")
_NAME_TRADES = ("Industrial", "Office", "Logistics", "Electrical", "Packaging", "Safety", "Tooling", "Facilities")
_NAME_FORMS = ("Supply Co", "Ltd", "GmbH", "Inc", "Partners", "Pty Ltd")
_PLACES = tuple(
    Place(*place)
    for place in (
        ("Austin", "TX", "73301", "US"),
        ("Columbus", "OH", "43004", "US"),
        ("Denver", "CO", "80202", "US"),
        ("Manchester", None, "M1 1AE", "GB"),
        ("Hamburg", "HH", "20095", "DE"),
        ("Calgary", "AB", "T2P 1J9", "CA"),
        ("Melbourne", "VIC", "3000", "AU"),
        ("Osaka", None, "530-0001", "JP"),
    )
)
_TAX_ORGANIZATION_TYPES = ("Corporation",) * 3 + ("Partnership", "Individual", "Foreign Corporation")


class SupplierSeeder(Draws):
    def __init__(self, rng: random.Random, ids: IdSequence, names_taken: set[str]) -> None:
        super().__init__(rng, ids)
        self._names_taken = names_taken

    def supplier(self, updated: datetime) -> Row:
        supplier_id = self._ids.take("SupplierId", self._between(1, 9))
        number = str(self._ids.take("SupplierNumber"))
        name = f"{self._pick(_NAME_WORDS)} {self._pick(_NAME_TRADES)} {self._pick(_NAME_FORMS)}"
        # Supplier names are unique in Fusion: a repeated one gets the supplier number.
        if name in self._names_taken:
            name = f"{name} {number}"
        self._names_taken.add(name)
        addresses = [self._address(position) for position in range(self._between(1, 2))]
        sites = [self._site(addresses, updated) for _ in range(self._between(1, 3))]
        created = updated - timedelta(days=self._between(1, 900), milliseconds=self._between(0, 999))
        attrs: dict[str, Value] = {
            "SupplierId": supplier_id,
            "SupplierNumber": number,
            "Supplier": name,
            "Status": "INACTIVE" if self._random() < 0.1 else "ACTIVE",
            "DUNSNumber": None if self._random() < 0.2 else str(self._between(100_000_000, 999_999_999)),
            "TaxOrganizationType": self._pick(_TAX_ORGANIZATION_TYPES),
            "CreationDate": format_timestamp(created, millis=self._random() < 0.5),
            "LastUpdateDate": format_timestamp(updated, millis=updated.microsecond != 0),
        }
        return Row(SUPPLIERS.name, supplier_id, attrs, (tuple(sites), tuple(addresses)))

    def _address(self, position: int) -> Row:
        place = self._pick(_PLACES)
        address_id = self._ids.take("SupplierAddressId")
        attrs: dict[str, Value] = {
            "SupplierAddressId": address_id,
            "AddressName": "HEADQUARTERS" if position == 0 else "REMIT TO",
            "AddressLine1": f"{self._between(1, 9999)} {self._pick(('Oak', 'Harbour', 'Mill', 'Station'))} Road",
            "AddressLine2": None,
            "City": place.city,
            "State": place.state,
            "PostalCode": place.postal_code,
            "Country": place.country,
        }
        return Row(ADDRESSES.name, address_id, attrs)

    def _site(self, addresses: list[Row], updated: datetime) -> Row:
        address = self._pick(addresses)
        site_id = self._ids.take("SupplierSiteId")
        inactive = iso_day(updated.toordinal() - self._between(1, 300)) if self._random() < 0.1 else None
        attrs: dict[str, Value] = {
            "SupplierSiteId": site_id,
            "SupplierSite": f"{str(address.attrs['City']).upper()} {site_id % 1000:03d}",
            "ProcurementBU": BU_BY_COUNTRY[str(address.attrs["Country"])],
            "SupplierAddressId": address.key,
            "InactiveDate": inactive,
        }
        return Row(SITES.name, site_id, attrs)
