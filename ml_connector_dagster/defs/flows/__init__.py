"""Dagster definitions built from the flow declarations: assets, blocking checks, sensors, jobs, schedules."""
