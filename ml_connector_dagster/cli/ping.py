"""`ml-connector ping fusion|jaggaer|netsuite`: check a connection profile against the system, or say plainly
what failed."""

import click

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.connections import fusion_client, jaggaer_client, netsuite_client

_CLIENTS = {"fusion": fusion_client, "jaggaer": jaggaer_client, "netsuite": netsuite_client}


@click.command()
@click.argument("system", type=click.Choice(list(_CLIENTS)))
@click.option("--profile", default="default", show_default=True)
def ping(system: str, profile: str) -> None:
    """Authenticate against SYSTEM with the stored credentials and check what the connector relies on there:
    one line per check, or one sentence naming the check that failed (exit 1)."""
    with open_store() as store:
        client = _CLIENTS[system](store, profile)
        try:
            lines = client.ping()
        finally:
            client.close()
    click.echo(f"{system} ({profile}):")
    for line in lines:
        click.echo(f"  {line}")
