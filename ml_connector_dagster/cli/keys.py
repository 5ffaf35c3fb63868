"""The master key for local runs (demo, dev): the environment's, or one kept under the home folder."""

import os
from pathlib import Path

import click

from ml_connector_dagster.store import MASTER_KEY_ENV, MasterKeys, generate_key


def local_master_keys(home: Path) -> MasterKeys:
    """Production sets ML_CONNECTOR_MASTER_KEY; a local run without one gets a key file of its own."""
    if not os.environ.get(MASTER_KEY_ENV):
        path = home / "master.key"
        if not path.exists():
            home.mkdir(parents=True, exist_ok=True)
            path.write_text(generate_key())
            path.chmod(0o600)
            click.echo(f"created a local master key at {path} (set {MASTER_KEY_ENV} in production)")
        os.environ[MASTER_KEY_ENV] = path.read_text().strip()
    return MasterKeys.from_env_value(os.environ[MASTER_KEY_ENV])
