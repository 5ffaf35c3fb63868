"""Run tags naming the external systems a run talks to, which the run queue limits runs by.

The pools (`fusion_api`, `jaggaer_api`, …) bound the steps that call a system at once; these tags let the
QueuedRunCoordinator's `tag_concurrency_limits` bound the runs, so a run is not started only to wait for a
pool slot while holding a run worker. The deployment files (deploy/) name the same tag keys.
"""

from ml_connector_dagster.defs.runs.owner import TAG_PREFIX
from ml_connector_dagster.flows import Flow

SYSTEM_TAG_PREFIX = f"{TAG_PREFIX}system."
SYSTEM_TAG_VALUE = "true"


def system_tag(system: str) -> str:
    """The tag key a run touching `system` carries, e.g. `ml_connector/system.fusion`."""
    return f"{SYSTEM_TAG_PREFIX}{system}"


def system_tags(flows: tuple[Flow, ...]) -> dict[str, str]:
    """One tag per system the flows read from or write to."""
    systems = sorted({system for flow in flows for system in (flow.source, flow.target)})
    return {system_tag(system): SYSTEM_TAG_VALUE for system in systems}
