"""Links in Fusion items and collections: the only way to address children and opaque-keyed items."""

from typing import Any

from ml_connector_dagster.http.errors import RequestRejected

SYSTEM = "fusion"


def link(body: dict[str, Any], rel: str, name: str | None = None) -> str | None:
    """The href of `body`'s first link with this `rel` (and `name`, when given), if any."""
    for entry in body.get("links", []):
        if not isinstance(entry, dict) or entry.get("rel") != rel or not entry.get("href"):
            continue
        if name is None or entry.get("name") == name:
            return str(entry["href"])
    return None


def child_href(item: dict[str, Any], name: str) -> str:
    href = link(item, "child", name)
    if href is None:
        raise RequestRejected(
            SYSTEM, f"an item has no '{name}' child link to read its {name} from (links must not be switched off)"
        )
    return href
