"""The alert sensors, and a freshness check per flow with the sensor that runs them."""

import dagster as dg

from ml_connector_dagster.defs.health.alerts import check_failure_alerts, run_failure_alerts
from ml_connector_dagster.defs.health.freshness import freshness_check, freshness_sensor
from ml_connector_dagster.flows import Flow


def health_definitions(flows: tuple[Flow, ...]) -> dg.Definitions:
    checks = [freshness_check(flow) for flow in flows]
    return dg.Definitions(
        asset_checks=checks,
        sensors=[run_failure_alerts, check_failure_alerts, freshness_sensor(checks)],
    )
