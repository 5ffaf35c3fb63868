"""The two directions flows move records in, each run together by a job and a schedule of its own."""

from dataclasses import dataclass

from ml_connector_dagster.flows.connections import SEPARATOR, Connection, configured_connections
from ml_connector_dagster.flows.flow import Flow
from ml_connector_dagster.flows.fusion_jaggaer import FUSION_TO_JAGGAER
from ml_connector_dagster.flows.jaggaer_fusion import JAGGAER_TO_FUSION
from ml_connector_dagster.flows.netsuite_jaggaer import NETSUITE_TO_JAGGAER


@dataclass(frozen=True)
class Direction:
    name: str  # the job of every flow of the direction
    flows: tuple[Flow, ...]

    @property
    def title(self) -> str:
        return self.flows[0].direction


_DIRECTIONS = (
    Direction("fusion_to_jaggaer", FUSION_TO_JAGGAER),
    Direction("jaggaer_to_fusion", JAGGAER_TO_FUSION),
    Direction("netsuite_to_jaggaer", NETSUITE_TO_JAGGAER),
)
# The directions a connection to each ERP runs.
_OF_ERP = {"fusion": ("fusion_to_jaggaer", "jaggaer_to_fusion"), "netsuite": ("netsuite_to_jaggaer",)}


def directions_of(connections: list[Connection] | None) -> tuple[Direction, ...]:
    """Every direction, or, with named connections, each connection's own (see flows/connections.py)."""
    if connections is None:
        return _DIRECTIONS
    return tuple(
        Direction(
            f"{connection.name}{SEPARATOR}{direction.name}",
            tuple(f.for_connection(connection.name) for f in direction.flows),
        )
        for connection in connections
        for direction in _DIRECTIONS
        if direction.name in _OF_ERP[connection.erp]
    )


CONNECTIONS = configured_connections()
DIRECTIONS = directions_of(CONNECTIONS)
# Every flow, in posting order within each direction.
FLOWS: tuple[Flow, ...] = tuple(flow for direction in DIRECTIONS for flow in direction.flows)


def flow_named(entity: str) -> Flow:
    for flow in FLOWS:
        if flow.entity == entity:
            return flow
    raise KeyError(f"no flow for entity {entity!r}; known: {', '.join(f.entity for f in FLOWS)}")


def direction_named(name: str) -> Direction:
    for direction in DIRECTIONS:
        if direction.name == name:
            return direction
    raise KeyError(f"no direction {name!r}; known: {', '.join(d.name for d in DIRECTIONS)}")
