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
from ml_connector_dagster.jaggaer.export.settings import ReceiverSettings
from ml_connector_dagster.netsuite.push import PushSettings
from ml_connector_dagster.settings import ConnectorSettings


def flow_definitions(
    flows: tuple[Flow, ...], directions: tuple[Direction, ...], settings: ConnectorSettings, named: bool = False
) -> dg.Definitions:
    """`named`: the flows are named connections' (flows/connections.py). Their push sensors are built only when
    ML_CONNECTOR_RECEIVER_DOCUMENT_FLOWS / ML_CONNECTOR_NETSUITE_PUSH_RECORD_FLOWS name their flows (e.g.
    `us__netsuite_vendors`); with one unnamed connection, a setting naming no flow is an error."""
    assets = [factory(flow) for flow in flows for factory in (pull_asset, post_asset)]
    checks = [check for flow in flows for check in flow_checks(flow)]
    jobs = {flow.entity: flow_job(flow) for flow in flows}
    by_direction = [direction_job(direction) for direction in directions]
    sensors = [flow_sensor(flow, jobs[flow.entity]) for flow in flows if not flow.snapshot]
    routed = {
        document_exports_sensor: ReceiverSettings().document_flows.values(),
        netsuite_pushes_sensor: PushSettings().record_flows.values(),
    }
    sensors.extend(build(jobs) for build, entities in routed.items() if not named or set(entities) <= set(jobs))
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=[*jobs.values(), *by_direction, all_flows_job(flows), replay_job],
        schedules=[hourly_schedule(job, settings) for job in by_direction],
        sensors=sensors,
    )
