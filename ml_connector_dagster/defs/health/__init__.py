"""Alerts on failed runs and checks, and freshness checks per entity."""
