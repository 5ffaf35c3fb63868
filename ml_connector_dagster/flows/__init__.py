"""Flow declarations: one per entity, everything the factories need to build its assets, checks and sensors."""

from ml_connector_dagster.flows.directions import (
    CONNECTIONS,
    DIRECTIONS,
    FLOWS,
    Direction,
    direction_named,
    flow_named,
)
from ml_connector_dagster.flows.flow import Flow

__all__ = ["CONNECTIONS", "DIRECTIONS", "FLOWS", "Direction", "Flow", "direction_named", "flow_named"]
