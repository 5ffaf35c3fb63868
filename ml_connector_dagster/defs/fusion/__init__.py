"""Oracle Fusion in Dagster: the client resource and the assets that pull from it."""
