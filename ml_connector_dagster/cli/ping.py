"""`ml-connector ping fusion|jaggaer`: authenticate and make one read, or say plainly what failed."""

import click

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.connections import fusion_client, jaggaer_client


@click.command()
@click.argument("system", type=click.Choice(["fusion", "jaggaer"]))
@click.option("--profile", default="default", show_default=True)
def ping(system: str, profile: str) -> None:
    """Authenticate against SYSTEM with the stored credentials and make one read."""
    with open_store() as store:
        client = fusion_client(store, profile) if system == "fusion" else jaggaer_client(store, profile)
        try:
            click.echo(f"{system} ({profile}): {client.ping()}")
        finally:
            client.close()
