"""`ml-connector status`: per entity, how far it is synced and what waits; per system, when its token expires.

The last window synced comes from the Dagster instance: a post asset's partition is materialized only when the
whole window posted, and also for a window that had nothing to move, which the store's audit trail (one row per
record moved) cannot tell from a window never run. Queues and failures come from the store.
"""

import json
from datetime import UTC, datetime
from typing import Any

import click
import pandas as pd

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.cli.instance import open_instance
from ml_connector_dagster.defs.flows.assets import post_key
from ml_connector_dagster.defs.health.freshness import last_synced_window
from ml_connector_dagster.flows import FLOWS
from ml_connector_dagster.store.health import HealthQueries, TokenExpiry

_FORMAT = "%Y-%m-%d %H:%M"


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime(_FORMAT) if value is not None else None


def _entities(queries: HealthQueries) -> list[dict[str, Any]]:
    instance = open_instance()
    rows = []
    for flow in FLOWS:
        found = queries.flow(flow.source, flow.target, flow.entity)
        window = last_synced_window(instance, post_key(flow))
        rows.append(
            {
                "entity": flow.entity,
                "direction": f"{flow.source} → {flow.target}",
                "last_window_synced": _when(window.start) if window else None,
                "pending": found.pending,
                "quarantined": found.quarantined,
                "failed_last_run": found.failed_in_last_run,
                "oldest_waiting": _when(found.oldest_waiting),
            }
        )
    return rows


def _tokens(expiries: list[TokenExpiry], now: datetime) -> list[dict[str, Any]]:
    systems = sorted({system for flow in FLOWS for system in (flow.source, flow.target)})
    rows: list[dict[str, Any]] = []
    for system in systems:
        cached = [expiry for expiry in expiries if expiry.system == system]
        if not cached:
            rows.append({"system": system, "profile": None, "token_expires": None, "expired": None})
        for expiry in cached:
            rows.append(
                {
                    "system": system,
                    "profile": expiry.profile,
                    "token_expires": _when(expiry.expires_at),
                    "expired": expiry.expires_at <= now,
                }
            )
    return rows


def _expiry_text(expires: str | None, expired: bool | None) -> str:
    if expires is None:
        return "no token"
    return f"{expires} (expired)" if expired else expires


@click.command()
@click.option("--json", "as_json", is_flag=True, help="one JSON object for scripts instead of tables")
def status(as_json: bool) -> None:
    """Per entity: last window synced, pending, quarantined, failed in its last run, oldest waiting record;
    per system: when its cached token expires (UTC)."""
    with open_store(need_keys=False) as store:
        queries = HealthQueries(store.engine)
        entities = _entities(queries)
        tokens = _tokens(queries.token_expiries(), datetime.now(UTC))
    if as_json:
        click.echo(json.dumps({"entities": entities, "tokens": tokens}, indent=2))
        return
    shown = pd.DataFrame(
        [
            {
                **row,
                "last_window_synced": row["last_window_synced"] or "never",
                "oldest_waiting": row["oldest_waiting"] or "-",
            }
            for row in entities
        ]
    )
    token_table = pd.DataFrame(
        [
            {
                "system": row["system"],
                "profile": row["profile"] or "-",
                "token_expires": _expiry_text(row["token_expires"], row["expired"]),
            }
            for row in tokens
        ]
    )
    with pd.option_context("display.max_colwidth", 60, "display.width", 250):
        click.echo(shown.to_string(index=False))
        click.echo("")
        click.echo(token_table.to_string(index=False))
