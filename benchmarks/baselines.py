"""The alternatives measured beside the connector, each reading the window's headers of one Fusion resource
(purchaseOrders, invoices, suppliers) only.

Both are configured as a user would for Fusion: a bearer token from the pod's token endpoint, REST framework
version 6 (below 2 an `and` filter matches nothing), the window as a `q` filter, ordered by change time and key
(`LastUpdateDate:asc,POHeaderId:asc`), offset paging with limit 499 until `hasMore` is false, and
`onlyData=true` (headers without links: the lightest read Fusion offers, so the figures are the alternatives'
best).
"""

import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ml_connector_dagster.fusion.invoices import InvoiceMapping
from ml_connector_dagster.fusion.purchase_orders import PurchaseOrderMapping
from ml_connector_dagster.fusion.resources import WindowedResource
from ml_connector_dagster.fusion.simulator import FusionSimSettings
from ml_connector_dagster.fusion.suppliers import SupplierMapping

from results import Window

PAGE_SIZE = 499
RESOURCES_PATH = "/fscmRestApi/resources/11.13.18.05"
FRAMEWORK_VERSION = "6"
# The resource, key and change-time attribute the connector's own feed reads, with the shipped names.
RESOURCES: dict[str, WindowedResource] = {
    "purchase_orders": PurchaseOrderMapping({}).resource,
    "invoices": InvoiceMapping({}).resource,
    "suppliers": SupplierMapping({}).resource,
}


def _literal(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def header_params(resource: WindowedResource, window: Window) -> dict[str, str]:
    changed = resource.changed_at
    q = f"{changed} >= '{_literal(window.start)}' and {changed} < '{_literal(window.end)}'"
    return {"q": q, "orderBy": f"{changed}:asc,{resource.key}:asc", "onlyData": "true"}


def fusion_token(fusion_url: str) -> str:
    sim = FusionSimSettings()
    response = httpx.post(
        f"{fusion_url}/oauth2/v1/token",
        data={"grant_type": "client_credentials", "scope": sim.scope},
        auth=(sim.client_id, sim.client_secret),
        timeout=60,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def naive_headers(fusion_url: str, entity: str, window: Window, token: str) -> tuple[int, float]:
    """A quick script: one request after another, every header kept in a list. Returns (headers, seconds)."""
    resource = RESOURCES[entity]
    headers = {"Authorization": f"Bearer {token}", "REST-Framework-Version": FRAMEWORK_VERSION}
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    with httpx.Client(base_url=fusion_url + RESOURCES_PATH, headers=headers, timeout=120) as client:
        offset = 0
        while True:
            params = {**header_params(resource, window), "limit": str(PAGE_SIZE), "offset": str(offset)}
            response = client.get(resource.name, params=params)
            response.raise_for_status()
            body = response.json()
            rows.extend(body["items"])
            if not body.get("hasMore"):
                break
            offset += len(body["items"])
    return len(rows), time.perf_counter() - started


def dlt_headers(fusion_url: str, entity: str, window: Window, token: str) -> tuple[int, float]:
    """dlt's rest_api source into duckdb, pipeline and database in a temporary directory; the dlt resource is
    named after the entity (`purchase_orders`, `invoices`, `suppliers`).

    Returns (headers loaded, seconds of the whole `pipeline.run`: extract, normalize and load).
    """
    resource = RESOURCES[entity]
    with tempfile.TemporaryDirectory(prefix="bench-dlt-") as home:
        # dlt reads its settings from the environment when imported: no telemetry (loopback only), and
        # nothing written outside this directory.
        os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
        os.environ["DLT_DATA_DIR"] = str(Path(home) / "data")
        import dlt
        from dlt.sources.rest_api import rest_api_source

        source = rest_api_source(
            {
                "client": {
                    "base_url": fusion_url + RESOURCES_PATH + "/",
                    "auth": {"type": "bearer", "token": token},
                    "headers": {"REST-Framework-Version": FRAMEWORK_VERSION},
                    "paginator": {
                        "type": "offset",
                        "limit": PAGE_SIZE,
                        "offset_param": "offset",
                        "limit_param": "limit",
                        "total_path": None,
                        "has_more_path": "hasMore",
                    },
                },
                "resources": [
                    {
                        "name": entity,
                        "primary_key": resource.key,
                        "write_disposition": "append",
                        "endpoint": {
                            "path": resource.name,
                            "params": header_params(resource, window),
                            "data_selector": "items",
                        },
                    }
                ],
            }
        )
        pipeline = dlt.pipeline(
            pipeline_name="fusion_headers",
            pipelines_dir=str(Path(home) / "pipelines"),
            destination=dlt.destinations.duckdb(str(Path(home) / "warehouse.duckdb")),
            dataset_name="fusion",
        )
        started = time.perf_counter()
        pipeline.run(source)
        seconds = time.perf_counter() - started
        with pipeline.sql_client() as client:
            loaded = int(client.execute_sql(f"SELECT count(*) FROM {entity}")[0][0])
    return loaded, seconds
