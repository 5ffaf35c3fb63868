"""Finding a value set by its code: `q=ValueSetCode='…'`, then the item's own link (its key is the pod's)."""

from ml_connector_dagster.fusion.links import link
from ml_connector_dagster.http.client import ApiClient
from ml_connector_dagster.http.errors import RequestRejected

VALUE_SETS = "valueSets"


def values_href(http: ApiClient, code: str) -> str | None:
    """The href of the value set's `values` collection, or None when the pod has no value set with this code."""
    body = http.get_json(VALUE_SETS, {"q": f"ValueSetCode='{code}'", "limit": 1})
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise RequestRejected("fusion", f"GET {VALUE_SETS} answered without an items list")
    if not items:
        return None
    href = link(items[0], "self") if isinstance(items[0], dict) else None
    if href is None:
        raise RequestRejected("fusion", f"value set {code} came without a self link (links must not be switched off)")
    return f"{href}/child/values"
