"""Two-way reference data in Dagster: one asset per entity, each materialization one cycle (both systems read
whole, every difference written where it is missing), a job for all of them and a schedule."""

from dataclasses import asdict

import dagster as dg

from ml_connector_dagster.defs.errors import as_dagster_failure
from ml_connector_dagster.defs.flows.assets import OWNERS
from ml_connector_dagster.defs.flows.engine import opened_store
from ml_connector_dagster.defs.runs.pools import pool_of
from ml_connector_dagster.defs.runs.system_tags import SYSTEM_TAG_VALUE, system_tag
from ml_connector_dagster.flows import flow_named
from ml_connector_dagster.flows.two_way import TwoWayEntity
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.store import Store
from ml_connector_dagster.sync.two_way import TwoWayCycle

TWO_WAY_JOB = "two_way_sync"
GROUP = "two_way"


def two_way_key(entity: TwoWayEntity) -> dg.AssetKey:
    return dg.AssetKey([GROUP, entity.entity])


def two_way_asset(entity: TwoWayEntity) -> dg.AssetsDefinition:
    @dg.asset(
        key=two_way_key(entity),
        group_name=GROUP,
        # Like every asset of the location, so a backfill that selects them all still runs as one run.
        backfill_policy=dg.BackfillPolicy.single_run(),
        # The ERP is the system a burst of reads and PATCHes must not crowd: the cycle takes Fusion's slot.
        pool=pool_of("fusion"),
        kinds={"oracle", "jaggaer"},
        owners=OWNERS,
        tags={"entity": entity.entity},
        required_resource_keys={"store", "fusion", "jaggaer"},
        description=f"{entity.description} Each run is one cycle: both systems read whole, a change made in "
        "either written to the other, conflicts settled by the entity's policy (ML_CONNECTOR_TWO_WAY_POLICIES, "
        "default: Fusion is the system of record) and audited with both versions.",
    )
    def _cycle(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        policy = ConnectorSettings().two_way_policy(entity.entity)
        with (
            as_dagster_failure(),
            opened_store(context) as store,
            context.resources.fusion.client(store) as fusion,
            context.resources.jaggaer.client(store) as jaggaer,
        ):
            others = held_for_others(store, entity)
            cycle = TwoWayCycle(
                store, entity.entity, entity.fusion(fusion), entity.jaggaer(jaggaer), policy, context.run_id, others
            )
            report = cycle.run()
        counts = report.counts
        context.log.info(f"two-way {entity.entity}: {counts.line()}")
        metadata: dict[str, dg.MetadataValue] = {
            name: dg.MetadataValue.int(value) for name, value in asdict(counts).items()
        }
        metadata["policy"] = dg.MetadataValue.text(policy)
        metadata["summary"] = dg.MetadataValue.text(counts.line())
        if report.problems:
            metadata["problems"] = dg.MetadataValue.md("\n".join(f"- {p}" for p in report.problems[:50]))
        return dg.MaterializeResult(metadata=metadata)

    return _cycle


def held_for_others(store: Store, entity: TwoWayEntity) -> frozenset[str]:
    """The keys of the records other ERPs' one-way flows wrote to JAGGAER (their ledgers say so)."""
    return frozenset(
        key
        for flow in entity.others
        for state in ("active", "inactive")
        for key in store.ledger.natural_keys_with_state(flow_named(flow).source, "jaggaer", flow, state)
    )


def two_way_definitions(entities: tuple[TwoWayEntity, ...]) -> dg.Definitions:
    job = dg.define_asset_job(
        TWO_WAY_JOB,
        selection=dg.AssetSelection.assets(*(two_way_key(entity) for entity in entities)),
        tags={system_tag(system): SYSTEM_TAG_VALUE for system in ("fusion", "jaggaer")},
        description="One two-way cycle of every reference entity: suppliers, cost centers, GL values.",
    )
    schedule = dg.ScheduleDefinition(
        name=f"{TWO_WAY_JOB}_hourly", job=job, cron_schedule="40 * * * *", execution_timezone="UTC"
    )
    return dg.Definitions(assets=[two_way_asset(entity) for entity in entities], jobs=[job], schedules=[schedule])
