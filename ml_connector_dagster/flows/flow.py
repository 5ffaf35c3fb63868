"""What declaring an entity means: its source feed, target sink, record model, key, version and dependencies."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel

from ml_connector_dagster.flows.connections import SEPARATOR
from ml_connector_dagster.sync.dependencies import Needs
from ml_connector_dagster.sync.ports import SourceFeed, TargetSink


def _named(connection: str, entity: str) -> str:
    return f"{connection}{SEPARATOR}{entity}"


# How systems are named to people: descriptions, CLI help, the demo.
SYSTEM_TITLES = {"fusion": "Oracle Fusion", "jaggaer": "JAGGAER", "netsuite": "Oracle NetSuite"}


@dataclass(frozen=True)
class Flow:
    """One entity moved from a source system to a target system.

    `feed` and `sink` build the system adapters from an open client; keys and versions come from the feed
    (`record_key`, `natural_key`, `version`). `after` names the entities whose posts must land first in a run
    that holds both (reference data and suppliers before the transactions that use them); `needs` says what a
    record must find at the target before it posts, else it waits in the pending queue.
    """

    entity: str
    title: str
    source: str
    target: str
    record_type: type[BaseModel]
    feed: Callable[[Any], SourceFeed]
    sink: Callable[[Any], TargetSink]
    pull_description: str
    post_description: str
    after: tuple[str, ...] = ()
    needs: Needs[Any] | None = None
    # Read whole on every run (no change time at the source): no sensor, the schedule runs it.
    snapshot: bool = False
    # The purchase order numbers a record names, for a flow back to the ERP: the `orders_known` check compares
    # them with the orders the connector has read from the ERP.
    orders_named: Callable[[Any], Sequence[str]] | None = None
    # Entities whose flows write to this flow's source what its feed lists too (its feed is then an
    # `EchoingFeed`): records they wrote are not read back (sync/echoes.py).
    echoes: tuple[str, ...] = ()
    # The connection this flow belongs to (flows/connections.py); None: the one unnamed connection.
    connection: str | None = None

    def for_connection(self, name: str) -> "Flow":
        """This flow for one named connection: every entity it names, its own and those it depends on, prefixed
        with the connection, so nothing it keeps in the store meets another connection's."""
        needs = self.needs
        if needs is not None:
            needs = replace(
                needs,
                supplier_entity=_named(name, needs.supplier_entity),
                cost_center_entity=_named(name, needs.cost_center_entity),
                gl_entity=_named(name, needs.gl_entity),
            )
        return replace(
            self,
            entity=_named(name, self.entity),
            after=tuple(_named(name, entity) for entity in self.after),
            echoes=tuple(_named(name, entity) for entity in self.echoes),
            needs=needs,
            connection=name,
        )

    @property
    def base_entity(self) -> str:
        """The entity without its connection: `purchase_orders` for `emea__purchase_orders`."""
        return self.entity.removeprefix(f"{self.connection}{SEPARATOR}") if self.connection else self.entity

    def sibling(self, entity: str) -> str:
        """Another entity of the same connection, by its base name."""
        return _named(self.connection, entity) if self.connection else entity

    def resource(self, system: str) -> str:
        """The Dagster resource holding this flow's connection to `system` (its credential profile)."""
        return f"{self.connection}_{system}" if self.connection else system

    @property
    def source_resource(self) -> str:
        return self.resource(self.source)

    @property
    def target_resource(self) -> str:
        return self.resource(self.target)

    @property
    def direction(self) -> str:
        """`Oracle Fusion → JAGGAER`."""
        return f"{SYSTEM_TITLES.get(self.source, self.source)} → {SYSTEM_TITLES.get(self.target, self.target)}"

    @property
    def checks_accounts(self) -> bool:
        return self.needs is not None and self.needs.accounts is not None

    @property
    def checks_suppliers(self) -> bool:
        return self.needs is not None and self.needs.supplier is not None
