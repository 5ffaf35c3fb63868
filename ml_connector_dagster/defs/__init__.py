"""Dagster wiring: one folder per external system, plus what they share (partitions, the store)."""
