"""The op concurrency pools, one per external system, created before any step of a run claims a slot.

Dagster creates a pool's row at the first claim on it. On PostgreSQL, two runs making that first claim at the
same moment both insert the row; the loser's transaction aborts (InFailedSqlTransaction) and its run fails
with no step failure (dagster 1.13). Creating the pools before the steps run, tolerating that race here where
losing it is harmless, keeps it out of every run.
"""

import dagster as dg
from sqlalchemy.exc import DBAPIError

from ml_connector_dagster.flows import FLOWS


def pool_of(resource: str) -> str:
    """The pool every step talking to a system through `resource` (`fusion`, or a connection's `emea_fusion`)
    claims a slot in."""
    return f"{resource}_api"


POOLS = tuple(sorted({pool_of(flow.resource(system)) for flow in FLOWS for system in (flow.source, flow.target)}))


def ensure_pools(instance: dg.DagsterInstance) -> None:
    """Creates, with the instance's default limit, each pool that does not exist yet."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits or instance.global_op_concurrency_default_limit is None:
        return
    for pool in set(POOLS) - _existing(instance):
        try:
            storage.initialize_concurrency_limit_to_default(pool)
        except DBAPIError:
            # Another process created it between the read and the insert: the pool exists, which is the point.
            if pool not in _existing(instance):
                raise


def _existing(instance: dg.DagsterInstance) -> set[str]:
    """The pools with a limit row, which is what a step's claim looks for before creating one."""
    return {limit.name for limit in instance.event_log_storage.get_pool_limits()}
