"""Several connections at once: a customer with several Fusion pods, NetSuite accounts or JAGGAER tenants names
each in one YAML file (`ML_CONNECTOR_CONNECTIONS_FILE`):

    connections:
      - name: emea            # lower case, digits, single underscores
        erp: fusion           # or netsuite
        erp_profile: emea     # the stored credential profiles (default: the name)
        jaggaer_profile: emea

Each connection gets its ERP's flows with names of its own: entities `emea__purchase_orders` (so the ledger,
staging, pending queue and audit keep connections apart), assets `emea/fusion/purchase_orders`, jobs, sensors,
pools (`emea_fusion_api`) and resources (`emea_fusion`, `emea_jaggaer`) holding its profiles. Without the file
there is one unnamed connection: the `default` profiles and the names the connector has always used.
"""

from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from ml_connector_dagster.settings import ConnectorSettings

# Between a connection's name and what it names; never inside a connection's name.
SEPARATOR = "__"
# The systems a flow's resource key ends with (`emea_fusion` → fusion).
SYSTEMS = ("fusion", "netsuite", "jaggaer")


class ConnectionsFileError(ValueError):
    pass


class Connection(BaseModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$", max_length=30)
    erp: Literal["fusion", "netsuite"]
    erp_profile: str | None = Field(default=None, min_length=1)
    jaggaer_profile: str | None = Field(default=None, min_length=1)

    def profile(self, system: str) -> str:
        """The credential profile this connection's `system` resource uses."""
        chosen = self.jaggaer_profile if system == "jaggaer" else self.erp_profile
        return chosen or self.name


class ConnectionsFile(BaseModel):
    connections: list[Connection] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        names = [connection.name for connection in self.connections]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"each connection needs a name of its own; repeated: {', '.join(repeated)}")
        return self


def load_connections(path: Path) -> list[Connection]:
    """The connections a file declares; ConnectionsFileError names the file and what is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConnectionsFileError(f"{path}: cannot read the connections file ({error})") from None
    try:
        return ConnectionsFile.model_validate(data).connections
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in error.errors())
        raise ConnectionsFileError(f"{path}: {problems}") from None


def configured_connections() -> list[Connection] | None:
    """The connections of ML_CONNECTOR_CONNECTIONS_FILE, or None when there is no such file configured."""
    path = ConnectorSettings().connections_file
    return None if path is None else load_connections(path)


def system_of(resource: str) -> str:
    """The system a resource key serves: `emea_fusion` and `fusion` both serve fusion."""
    return resource.rpartition("_")[2]
