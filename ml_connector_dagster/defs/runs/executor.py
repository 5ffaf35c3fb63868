"""Dagster's default executor, which first recovers and then names the process executing the run.

A run launched by the daemon or the UI is executed by a run worker process that Dagster records only by pid,
not by host: the tags let `fail_abandoned_runs` judge it like a run of `ml-connector sync`. And like a sync, the
run first fails the runs of its host whose process is gone, so it never waits for a pool slot a dead run holds.
"""

from collections.abc import Iterator

import dagster as dg
from dagster._core.execution.context.system import PlanOrchestrationContext
from dagster._core.execution.plan.plan import ExecutionPlan
from dagster._core.execution.retries import RetryMode
from dagster._core.execution.step_dependency_config import StepDependencyConfig

from ml_connector_dagster.defs.runs.owner import RunOwner
from ml_connector_dagster.defs.runs.pools import ensure_pools
from ml_connector_dagster.defs.runs.recovery import fail_abandoned_runs

_DEFAULT = dg.multi_or_in_process_executor


class RecoveringExecutor(dg.Executor):
    def __init__(self, inner: dg.Executor) -> None:
        self._inner = inner

    @property
    def retries(self) -> RetryMode:
        return self._inner.retries

    @property
    def step_dependency_config(self) -> StepDependencyConfig:
        return self._inner.step_dependency_config

    def execute(
        self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan
    ) -> Iterator[dg.DagsterEvent]:
        # Before any step claims a pool slot, so a run that holds one always names its process.
        plan_context.instance.add_run_tags(plan_context.run_id, RunOwner.current().tags())
        for abandoned in fail_abandoned_runs(plan_context.instance):
            plan_context.log.warning(abandoned.message())
        ensure_pools(plan_context.instance)
        yield from self._inner.execute(plan_context, execution_plan)


def _create(init_context: dg.InitExecutorContext) -> dg.Executor:
    create = _DEFAULT.executor_creation_fn
    assert create is not None
    return RecoveringExecutor(create(init_context))


recovering_executor = dg.ExecutorDefinition(
    name="recovering_multi_or_in_process",
    config_schema=_DEFAULT.config_schema,
    requirements=_DEFAULT.get_requirements,
    executor_creation_fn=_create,
    description="Dagster's default executor (multiprocess unless configured in_process). Each run first fails "
    "the runs of its host whose process is gone, freeing their pool slots, and is tagged with the host, pid and "
    "start time of its run worker, so it is found the same way if that worker dies.",
)
