"""Everything Dagster needs for a set of flows, built from their declarations."""

import dagster as dg

from ml_connector_dagster.defs.flows.assets import post_asset, pull_asset
from ml_connector_dagster.defs.flows.checks import flow_checks
from ml_connector_dagster.defs.flows.exports import document_exports_sensor
from ml_connector_dagster.defs.flows.jobs import all_flows_job, direction_job, flow_job, hourly_schedule
from ml_connector_dagster.defs.flows.netsuite_push import netsuite_pushes_sensor
from ml_connector_dagster.defs.flows.replay import replay_job
from ml_connector_dagster.defs.flows.sensors import flow_sensor
from ml_connector_dagster.flows import Direction, Flow
from ml_connector_dagster.settings import ConnectorSettings


def flow_definitions(
    flows: tuple[Flow, ...], directions: tuple[Direction, ...], settings: ConnectorSettings
) -> dg.Definitions:
    assets = [factory(flow) for flow in flows for factory in (pull_asset, post_asset)]
    checks = [check for flow in flows for check in flow_checks(flow)]
    jobs = {flow.entity: flow_job(flow) for flow in flows}
    by_direction = [direction_job(direction) for direction in directions]
    sensors = [flow_sensor(flow, jobs[flow.entity]) for flow in flows if not flow.snapshot]
    sensors.append(document_exports_sensor(jobs))
    sensors.append(netsuite_pushes_sensor(jobs))
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=[*jobs.values(), *by_direction, all_flows_job(flows), replay_job],
        schedules=[hourly_schedule(job, settings) for job in by_direction],
        sensors=sensors,
    )
