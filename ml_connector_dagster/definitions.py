"""The code location: every system's assets, the shared store, jobs, schedules and run recovery."""

import dagster as dg

from ml_connector_dagster.defs.fusion.assets import fusion_purchase_orders
from ml_connector_dagster.defs.fusion.resources import FusionResource
from ml_connector_dagster.defs.jaggaer.assets import jaggaer_purchase_orders
from ml_connector_dagster.defs.jaggaer.resources import JaggaerResource
from ml_connector_dagster.defs.jobs import purchase_orders_schedule, purchase_orders_sync
from ml_connector_dagster.defs.runs.executor import recovering_executor
from ml_connector_dagster.defs.runs.sensors import abandoned_runs_sensor
from ml_connector_dagster.defs.store.resources import ConnectorStoreResource
from ml_connector_dagster.settings import ConnectorSettings

defs = dg.Definitions(
    assets=[fusion_purchase_orders, jaggaer_purchase_orders],
    jobs=[purchase_orders_sync],
    schedules=[purchase_orders_schedule(ConnectorSettings())],
    sensors=[abandoned_runs_sensor],
    resources={
        "store": ConnectorStoreResource(),
        "fusion": FusionResource(),
        "jaggaer": JaggaerResource(),
    },
    executor=recovering_executor,
)
