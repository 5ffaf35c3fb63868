"""The sync engine: windows, dedupe, versioning, quarantine, audit. Knows nothing of Dagster or HTTP."""
