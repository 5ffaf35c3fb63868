"""Dagster wiring: one folder per external system, plus what they share (partitions, the store)."""

import warnings

import dagster as dg

# BackfillPolicy is marked beta in Dagster 1.13, which we pin to a minor version; without this every
# command and every run prints the same warning about it.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
