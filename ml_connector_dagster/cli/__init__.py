"""The `ml-connector` command."""
