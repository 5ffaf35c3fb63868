"""JAGGAER in Dagster: the client resource and the assets that post to it."""
