"""The alternatives measured beside the connector, each reading the window's purchase order headers only.

Both are configured as a user would for Fusion: a bearer token from the pod's token endpoint, REST framework
version 6 (below 2 an `and` filter matches nothing), the window as a `q` filter, ordered by
`LastUpdateDate:asc,POHeaderId:asc`, offset paging with limit 499 until `hasMore` is false, and `onlyData=true`
(headers without links: the lightest read Fusion offers, so the figures are the alternatives' best).
"""

import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ml_connector_dagster.fusion.simulator import FusionSimSettings

from results import Window

PAGE_SIZE = 499
RESOURCES_PATH = "/fscmRestApi/resources/11.13.18.05"
FRAMEWORK_VERSION = "6"
ORDER_BY = "LastUpdateDate:asc,POHeaderId:asc"


def _literal(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def header_params(window: Window) -> dict[str, str]:
    q = f"LastUpdateDate >= '{_literal(window.start)}' and LastUpdateDate < '{_literal(window.end)}'"
    return {"q": q, "orderBy": ORDER_BY, "onlyData": "true"}


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


def naive_headers(fusion_url: str, window: Window, token: str) -> tuple[int, float]:
    """A quick script: one request after another, every header kept in a list. Returns (headers, seconds)."""
    headers = {"Authorization": f"Bearer {token}", "REST-Framework-Version": FRAMEWORK_VERSION}
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    with httpx.Client(base_url=fusion_url + RESOURCES_PATH, headers=headers, timeout=120) as client:
        offset = 0
        while True:
            params = {**header_params(window), "limit": str(PAGE_SIZE), "offset": str(offset)}
            response = client.get("purchaseOrders", params=params)
            response.raise_for_status()
            body = response.json()
            rows.extend(body["items"])
            if not body.get("hasMore"):
                break
            offset += len(body["items"])
    return len(rows), time.perf_counter() - started


def dlt_headers(fusion_url: str, window: Window, token: str) -> tuple[int, float]:
    """dlt's rest_api source into duckdb, pipeline and database in a temporary directory.

    Returns (headers loaded, seconds of the whole `pipeline.run`: extract, normalize and load).
    """
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
                        "name": "purchase_orders",
                        "primary_key": "POHeaderId",
                        "write_disposition": "append",
                        "endpoint": {
                            "path": "purchaseOrders",
                            "params": header_params(window),
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
            loaded = int(client.execute_sql("SELECT count(*) FROM purchase_orders")[0][0])
    return loaded, seconds
