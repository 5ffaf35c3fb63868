"""`ml-connector receiver`: the JAGGAER Document Export receiver over HTTP until interrupted."""

import time

import click

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.cli.errors import ConfigurationError
from ml_connector_dagster.jaggaer.export import (
    CREDENTIALS_COMMAND,
    SYSTEM,
    DocumentExportReceiver,
    ExportCredentials,
    ReceiverSettings,
)
from ml_connector_dagster.simulation.server import LoopbackServer


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8730, show_default=True)
@click.option("--profile", default="default", show_default=True, help="the stored jaggaer_export credentials")
def receiver(host: str, port: int, profile: str) -> None:
    """Accept JAGGAER Document Export pushes and queue them for the next sync, until Ctrl-C.

    JAGGAER pushes over HTTPS: put a TLS-terminating proxy in front of this address. Limits and document
    types: ML_CONNECTOR_RECEIVER_* variables.
    """
    settings = ReceiverSettings()
    with open_store() as store:
        stored = store.vault.get(SYSTEM, profile)
        if stored is None:
            raise ConfigurationError(
                f"no JAGGAER Document Export credentials stored as {SYSTEM}/{profile}: run `{CREDENTIALS_COMMAND}`"
            )
        credentials = ExportCredentials.from_stored(stored)
        export = DocumentExportReceiver(store, credentials, settings)
        with LoopbackServer(export.app, port, host) as server:
            click.echo(f"receiving JAGGAER Document Export at {server.url}{settings.path} (audit run {export.run_id})")
            click.echo("Ctrl-C stops it.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                click.echo("stopped")
