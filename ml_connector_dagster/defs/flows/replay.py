"""The replay job: re-sends failed, quarantined or pending records of one flow (or all), chosen by config."""

from datetime import datetime

import dagster as dg
from pydantic import Field

from ml_connector_dagster.defs.errors import as_dagster_failure
from ml_connector_dagster.defs.flows.assets import post_key
from ml_connector_dagster.defs.flows.engine import (
    has_profiles,
    new_post,
    new_pull,
    opened_store,
    source_feed,
    target_sink,
)
from ml_connector_dagster.defs.runs.system_tags import system_tags
from ml_connector_dagster.flows import FLOWS, Flow
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.sync.replay import Replay, ReplaySelection

REPLAY_JOB = "replay"


class ReplayConfig(dg.Config):
    entity: str = Field(default="all", description="a flow's entity (e.g. invoices), or all")
    run_id: str | None = Field(default=None, description="only records that failed or were held in this run")
    keys: list[str] = Field(default=[], description="only these source keys (e.g. InvoiceIds)")
    start: str | None = Field(default=None, description="failures recorded at or after (ISO 8601)")
    end: str | None = Field(default=None, description="failures recorded before (ISO 8601)")
    kinds: list[str] = Field(
        default=["failed", "quarantined", "pending"], description="any of failed, quarantined, pending"
    )

    def selection(self) -> ReplaySelection:
        try:
            return ReplaySelection(
                run_id=self.run_id,
                keys=self.keys,
                start=datetime.fromisoformat(self.start) if self.start else None,
                end=datetime.fromisoformat(self.end) if self.end else None,
                kinds=self.kinds,
            )
        except ValueError as error:
            raise dg.Failure(description=f"replay config: {error}", allow_retries=False) from None

    def flows(self) -> tuple[Flow, ...]:
        if self.entity == "all":
            return FLOWS
        chosen = tuple(flow for flow in FLOWS if flow.entity == self.entity)
        if not chosen:
            known = ", ".join(flow.entity for flow in FLOWS)
            raise dg.Failure(description=f"no flow for entity {self.entity!r}: use one of {known}, or all")
        return chosen


# Every system resource of every connection: a replay of all flows may touch any of them.
_RESOURCES = {"store", *(resource for flow in FLOWS for resource in (flow.source_resource, flow.target_resource))}


@dg.op(required_resource_keys=_RESOURCES)
def replay_records(context: dg.OpExecutionContext, config: ReplayConfig) -> None:
    """Replays each chosen flow in posting order; counts are logged as observations of its post asset."""
    settings = ConnectorSettings()
    selection = config.selection()
    for flow in config.flows():
        if config.entity == "all" and not has_profiles(context, flow):
            continue  # a deployment serving one ERP: the other ERP's flows have nothing to replay
        with (
            as_dagster_failure(),
            opened_store(context) as store,
            source_feed(context, flow, store) as feed,  # type: ignore[arg-type]
            target_sink(context, flow, store) as sink,  # type: ignore[arg-type]
        ):
            pull = new_pull(flow, store, feed, context.run_id)
            report = Replay(store, pull, new_post(flow, store, sink, context.run_id, settings), selection).run()
        metadata = {name: dg.MetadataValue.int(value) for name, value in report.counts.model_dump().items()}
        context.log_event(dg.AssetObservation(asset_key=post_key(flow), metadata=metadata))
        context.log.info(f"replay {flow.entity}: {report.counts.line()}")


@dg.job(
    name=REPLAY_JOB,
    tags=system_tags(FLOWS),
    description="Re-sends failed, quarantined or pending records after a fix; the audit "
    "trail links each replayed record to the run it repairs. Replaying what was written is a no-op.",
)
def replay_job() -> None:
    replay_records()
