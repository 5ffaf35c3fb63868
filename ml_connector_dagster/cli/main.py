"""`ml-connector`: simulators, credentials, connectivity checks, syncs, the audit trail, the demo."""

import signal
import threading

import click

from ml_connector_dagster.cli.audit import audit
from ml_connector_dagster.cli.credentials import credentials
from ml_connector_dagster.cli.demo import demo
from ml_connector_dagster.cli.dev import dev
from ml_connector_dagster.cli.errors import FriendlyGroup
from ml_connector_dagster.cli.mappings import mappings
from ml_connector_dagster.cli.pending import pending
from ml_connector_dagster.cli.ping import ping
from ml_connector_dagster.cli.receiver import receiver
from ml_connector_dagster.cli.reconcile import reconcile
from ml_connector_dagster.cli.replay import replay
from ml_connector_dagster.cli.simulate import simulate
from ml_connector_dagster.cli.status import status
from ml_connector_dagster.cli.sync import sync
from ml_connector_dagster.cli.two_way import two_way


@click.group(cls=FriendlyGroup)
def cli() -> None:
    """Keeps Oracle Fusion Cloud ERP or Oracle NetSuite and JAGGAER in sync (Dagster edition)."""
    # SIGTERM (a supervisor stopping the process) interrupts like Ctrl-C: a run in progress stops at its next
    # checkpoint and reports what it did, where Python's default would end the process at once.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.default_int_handler)


_COMMANDS = (
    audit,
    credentials,
    demo,
    dev,
    mappings,
    pending,
    ping,
    receiver,
    reconcile,
    replay,
    simulate,
    status,
    sync,
    two_way,
)
for command in _COMMANDS:
    cli.add_command(command)
