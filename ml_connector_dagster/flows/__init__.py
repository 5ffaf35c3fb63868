"""Flow declarations: one per entity, everything the factories need to build its assets, checks and sensors."""

from ml_connector_dagster.flows.flow import Flow
from ml_connector_dagster.flows.fusion_jaggaer import FLOWS, flow_named

__all__ = ["FLOWS", "Flow", "flow_named"]
