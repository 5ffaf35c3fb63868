"""Runs the two-way job (one cycle of every reference entity) on the instance, and reads back what each did."""

from collections.abc import Mapping

import dagster as dg
from pydantic import BaseModel

from ml_connector_dagster.cli.runs import execute
from ml_connector_dagster.defs.flows.two_way import TWO_WAY_JOB
from ml_connector_dagster.sync.two_way import TwoWayCounts


class TwoWayRunResult(BaseModel):
    run_id: str
    success: bool
    by_entity: dict[str, TwoWayCounts]
    failure: str | None = None


def run_two_way(instance: dg.DagsterInstance) -> TwoWayRunResult:
    result = execute(instance, TWO_WAY_JOB, (), {}, {})
    by_entity = {}
    for entry in instance.all_logs(result.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.asset_materialization
        if materialization is not None:
            by_entity[materialization.asset_key.path[-1]] = _counts(materialization.metadata)
    return TwoWayRunResult(run_id=result.run_id, success=result.success, by_entity=by_entity, failure=result.failure)


def _counts(metadata: Mapping[str, dg.MetadataValue]) -> TwoWayCounts:
    names = TwoWayCounts.__dataclass_fields__
    ints = {name: value.value for name, value in metadata.items() if isinstance(value, dg.IntMetadataValue)}
    return TwoWayCounts(**{name: value for name, value in ints.items() if name in names})
