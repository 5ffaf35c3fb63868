"""Fusion suppliers (suppliers with their sites and addresses) → the canonical Supplier."""

from collections.abc import Mapping

from ml_connector_dagster.fusion.record_tree import Level, WindowedTree
from ml_connector_dagster.records import Supplier, SupplierAddress, SupplierSite

# Child items do not repeat SupplierId: a site names its address by SupplierAddressId.
SUPPLIER = Level(
    "suppliers",
    Supplier,
    {
        "source_id": "SupplierId",
        "supplier_number": "SupplierNumber",
        "name": "Supplier",
        "status": "Status",
        "duns_number": "DUNSNumber",
        "tax_organization_type": "TaxOrganizationType",
        "last_update_date": "LastUpdateDate",
    },
    key="source_id",
    number="supplier_number",
    children=(
        Level(
            "sites",
            SupplierSite,
            {
                "site_id": "SupplierSiteId",
                "site_name": "SupplierSite",
                "procurement_bu": "ProcurementBU",
                "address_id": "SupplierAddressId",
                "inactive_date": "InactiveDate",
            },
            key="site_id",
            number="site_name",
        ),
        Level(
            "addresses",
            SupplierAddress,
            {
                "address_id": "SupplierAddressId",
                "address_name": "AddressName",
                "address_line1": "AddressLine1",
                "address_line2": "AddressLine2",
                "city": "City",
                "state": "State",
                "postal_code": "PostalCode",
                "country": "Country",
            },
            key="address_id",
            number="address_name",
        ),
    ),
)


class SupplierMapping(WindowedTree[Supplier]):
    """Reads one pod's suppliers: documented names, with the profile's overrides applied."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        super().__init__(SUPPLIER, "supplier", overrides)
