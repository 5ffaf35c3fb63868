"""Reads Oracle Fusion REST collections: pinned framework version, ordered windows, offset paging."""

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from ml_connector_dagster.fusion.connection import FusionConnection
from ml_connector_dagster.http.client import ApiClient, Authorizer
from ml_connector_dagster.http.paging import Page, iterate_pages
from ml_connector_dagster.http.tokens import (
    BasicAuthorizer,
    BearerAuthorizer,
    ClientCredentialsGrant,
    TokenCache,
    TokenProvider,
)

SYSTEM = "fusion"
Item = dict[str, Any]

# Child collections in the order they nest under a purchase order, each with its primary key for a stable order.
_PO_CHILDREN: tuple[tuple[str, str], ...] = (
    ("lines", "POLineId"),
    ("schedules", "LineLocationId"),
    ("distributions", "PODistributionId"),
)


class FusionClient:
    def __init__(
        self,
        connection: FusionConnection,
        token_cache: TokenCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.connection = connection
        self.tokens: TokenProvider | None = None
        authorizer: Authorizer
        if connection.auth == "oauth":
            assert connection.token_url and connection.client_id and connection.client_secret
            grant = ClientCredentialsGrant(
                token_url=connection.token_url,
                client_id=connection.client_id,
                client_secret=connection.client_secret,
                scope=connection.scope,
                client_auth="basic",
            )
            margin = timedelta(seconds=connection.token_refresh_margin_seconds)
            self.tokens = TokenProvider.for_grant(SYSTEM, grant, connection.retry, margin, token_cache, sleep)
            authorizer = BearerAuthorizer(self.tokens)
        else:
            assert connection.username and connection.password
            authorizer = BasicAuthorizer(connection.username, connection.password)
        self._http = ApiClient(
            SYSTEM,
            connection.resources_url,
            authorizer,
            retry=connection.retry,
            timeout_seconds=connection.timeout_seconds,
            headers={"REST-Framework-Version": str(connection.framework_version)},
            sleep=sleep,
        )

    def close(self) -> None:
        self._http.close()
        if self.tokens is not None:
            self.tokens.close()

    def ping(self) -> str:
        body = self._http.get_json("purchaseOrders", {"limit": 1, "onlyData": "true"})
        return f"authenticated and read purchaseOrders ({len(body.get('items', []))} item on the first page)"

    def iter_purchase_orders(self, lo: datetime, hi: datetime) -> Iterator[Item]:
        """Headers with LastUpdateDate in [lo, hi), oldest first, each with lines → schedules → distributions.

        Children are re-read for every changed header: whether a child change moves the header's
        LastUpdateDate is unverified.
        """
        q = f"LastUpdateDate >= '{self._literal(lo)}' and LastUpdateDate < '{self._literal(hi)}'"
        params = {"q": q, "orderBy": "LastUpdateDate:asc,POHeaderId:asc"}
        for header in self._iter_collection("purchaseOrders", params):
            yield self._with_children(header, _PO_CHILDREN)

    def _with_children(self, item: Item, children: tuple[tuple[str, str], ...]) -> Item:
        if not children:
            return item
        (name, key), rest = children[0], children[1:]
        href = _child_href(item, name)
        rows = [self._with_children(child, rest) for child in self._iter_collection(href, {"orderBy": f"{key}:asc"})]
        return {**item, name: rows}

    def _iter_collection(self, url: str, params: dict[str, str]) -> Iterator[Item]:
        def fetch(offset: int) -> Page[Item]:
            body = self._http.get_json(url, {**params, "limit": self.connection.page_size, "offset": offset})
            items = body.get("items", [])
            return Page(items=items, has_more=bool(body.get("hasMore")), advance=int(body.get("count", len(items))))

        return iterate_pages(fetch, 0, f"fusion {url}")

    def _literal(self, moment: datetime) -> str:
        text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return text + ("Z" if self.connection.datetime_literal == "z" else "+00:00")


def _child_href(item: Item, name: str) -> str:
    for link in item.get("links", []):
        if link.get("rel") == "child" and link.get("name") == name:
            return str(link["href"])
    raise LookupError(f"fusion item has no '{name}' child link; request items with links (onlyData must be off)")
