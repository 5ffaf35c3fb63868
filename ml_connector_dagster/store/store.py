"""One object that opens the store and hands out its repositories."""

from sqlalchemy import Engine

from ml_connector_dagster.store.audit import AuditTrail
from ml_connector_dagster.store.database import create_store_engine, migrate
from ml_connector_dagster.store.gl_mappings import GLMappings
from ml_connector_dagster.store.inbound import InboundQueue
from ml_connector_dagster.store.ledger import Ledger
from ml_connector_dagster.store.pending import PendingQueue
from ml_connector_dagster.store.quarantine import Quarantine
from ml_connector_dagster.store.staging import Staging
from ml_connector_dagster.store.two_way import TwoWayState
from ml_connector_dagster.store.vault import MASTER_KEY_ENV, CredentialVault, MasterKeyError, MasterKeys
from ml_connector_dagster.store.watermarks import Watermarks


class Store:
    def __init__(self, engine: Engine, master_keys: MasterKeys | None = None) -> None:
        self.engine = engine
        self.staging = Staging(engine)
        self.ledger = Ledger(engine)
        self.audit = AuditTrail(engine)
        self.quarantine = Quarantine(engine)
        self.pending = PendingQueue(engine)
        self.inbound = InboundQueue(engine)
        self.gl_mappings = GLMappings(engine)
        self.watermarks = Watermarks(engine)
        self.two_way = TwoWayState(engine)
        self._vault = CredentialVault(engine, master_keys) if master_keys is not None else None

    @classmethod
    def open(cls, url: str, master_keys: MasterKeys | None = None) -> "Store":
        """Connect and bring the schema up to date; without keys, everything but the vault works."""
        engine = create_store_engine(url)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, master_keys)

    @property
    def vault(self) -> CredentialVault:
        if self._vault is None:
            raise MasterKeyError(
                f"{MASTER_KEY_ENV} is not set: generate a key with "
                "`ml-connector credentials generate-key` and export it."
            )
        return self._vault

    def close(self) -> None:
        self.engine.dispose()
