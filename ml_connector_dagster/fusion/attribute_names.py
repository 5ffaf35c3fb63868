"""Every attribute the Fusion mappings read, as a profile's `attribute_names` may rename them."""

from collections.abc import Iterable

from ml_connector_dagster.fusion.invoices import INVOICE
from ml_connector_dagster.fusion.purchase_orders import PURCHASE_ORDER
from ml_connector_dagster.fusion.record_tree import check_overrides
from ml_connector_dagster.fusion.reference import ACCOUNT_COMBINATION, VALUE
from ml_connector_dagster.fusion.suppliers import SUPPLIER

# Resource names are unique across the trees, so `<resource>.<attribute>` says which mapping an override is for.
TREES = (PURCHASE_ORDER, SUPPLIER, INVOICE, ACCOUNT_COMBINATION, VALUE)


def check_attribute_overrides(overrides: Iterable[str]) -> None:
    """Raises ValueError for an override no mapping reads (a typo would otherwise be silently ignored)."""
    check_overrides(overrides, TREES)
