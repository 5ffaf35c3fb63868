"""`ml-connector receiver`: the JAGGAER Document Export receiver (or, with `--netsuite`, the NetSuite change
notification receiver) over HTTP until interrupted."""

import time

import click
from starlette.types import ASGIApp

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.cli.errors import ConfigurationError
from ml_connector_dagster.jaggaer import export
from ml_connector_dagster.netsuite import push
from ml_connector_dagster.simulation.server import LoopbackServer
from ml_connector_dagster.store import Store

JAGGAER_PORT = 8730
NETSUITE_PORT = 8731


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", type=int, help=f"default {JAGGAER_PORT}, or {NETSUITE_PORT} with --netsuite")
@click.option(
    "--profile", default="default", show_default=True, help="the stored jaggaer_export (or netsuite_push) credentials"
)
@click.option("--netsuite", is_flag=True, help="receive NetSuite change notifications from the SuiteScript instead")
def receiver(host: str, port: int | None, profile: str, netsuite: bool) -> None:
    """Accept JAGGAER Document Export pushes (or NetSuite change notifications) and queue them for the next
    sync, until Ctrl-C.

    Both senders push over HTTPS: put a TLS-terminating proxy in front of this address. Limits and routing:
    ML_CONNECTOR_RECEIVER_* (JAGGAER) and ML_CONNECTOR_NETSUITE_PUSH_* (NetSuite) variables.
    """
    with open_store() as store:
        app, path, described, run_id = _netsuite(store, profile) if netsuite else _jaggaer(store, profile)
        with LoopbackServer(app, port or (NETSUITE_PORT if netsuite else JAGGAER_PORT), host) as server:
            click.echo(f"receiving {described} at {server.url}{path} (audit run {run_id})")
            click.echo("Ctrl-C stops it.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                click.echo("stopped")


def _jaggaer(store: Store, profile: str) -> tuple[ASGIApp, str, str, str]:
    stored = store.vault.get(export.SYSTEM, profile)
    if stored is None:
        raise ConfigurationError(
            f"no JAGGAER Document Export credentials stored as {export.SYSTEM}/{profile}: "
            f"run `{export.CREDENTIALS_COMMAND}`"
        )
    settings = export.ReceiverSettings()
    receiving = export.DocumentExportReceiver(store, export.ExportCredentials.from_stored(stored), settings)
    return receiving.app, settings.path, "JAGGAER Document Export", receiving.run_id


def _netsuite(store: Store, profile: str) -> tuple[ASGIApp, str, str, str]:
    stored = store.vault.get(push.SYSTEM, profile)
    if stored is None:
        raise ConfigurationError(
            f"no NetSuite push secret stored as {push.SYSTEM}/{profile}: run `{push.CREDENTIALS_COMMAND}`"
        )
    settings = push.PushSettings()
    receiving = push.NetSuitePushReceiver(store, push.PushCredentials.from_stored(stored), settings)
    return receiving.app, settings.path, "NetSuite change notifications", receiving.run_id
