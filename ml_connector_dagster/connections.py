"""Builds system clients from the credentials in the encrypted vault, with tokens cached in the store.

Sits above both the systems and the store, which know nothing of each other.
"""

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.connection import FusionConnection
from ml_connector_dagster.http.tokens import AccessToken
from ml_connector_dagster.jaggaer.client import JaggaerClient
from ml_connector_dagster.jaggaer.connection import JaggaerConnection
from ml_connector_dagster.netsuite.client import NetSuiteClient
from ml_connector_dagster.netsuite.connection import SYSTEM as NETSUITE
from ml_connector_dagster.netsuite.connection import NetSuiteConnection
from ml_connector_dagster.store import CachedToken, CredentialVault, Store

Connection = TypeVar("Connection", bound=BaseModel)


class ConnectionNotConfigured(Exception):
    """No credentials stored, or stored ones that no longer make a valid connection."""


class VaultTokenCache:
    """Tokens encrypted in the store, so every Dagster step process and CLI call shares one token."""

    def __init__(self, vault: CredentialVault, system: str, profile: str) -> None:
        self._vault = vault
        self._system = system
        self._profile = profile

    def load(self) -> AccessToken | None:
        cached = self._vault.load_token(self._system, self._profile)
        if cached is None:
            return None
        return AccessToken(value=cached.access_token, expires_at=cached.expires_at)

    def save(self, token: AccessToken) -> None:
        cached = CachedToken(access_token=token.value.get_secret_value(), expires_at=token.expires_at)
        self._vault.save_token(self._system, self._profile, cached)

    def forget(self) -> None:
        self._vault.forget_token(self._system, self._profile)


def load_connection(store: Store, system: str, profile: str, model: type[Connection]) -> Connection:
    stored = store.vault.get(system, profile)
    if stored is None:
        raise ConnectionNotConfigured(
            f"no {system} credentials stored for profile '{profile}': run `ml-connector credentials set {system}`"
        )
    try:
        return model.model_validate({**stored.settings, **stored.secrets})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        raise ConnectionNotConfigured(
            f"the stored {system} settings for profile '{profile}' are invalid: {problems}"
        ) from None


def fusion_client(store: Store, profile: str = "default") -> FusionClient:
    connection = load_connection(store, "fusion", profile, FusionConnection)
    return FusionClient(connection, VaultTokenCache(store.vault, "fusion", profile))


def jaggaer_client(store: Store, profile: str = "default") -> JaggaerClient:
    connection = load_connection(store, "jaggaer", profile, JaggaerConnection)
    return JaggaerClient(connection, VaultTokenCache(store.vault, "jaggaer", profile))


def netsuite_client(store: Store, profile: str = "default") -> NetSuiteClient:
    connection = load_connection(store, NETSUITE, profile, NetSuiteConnection)
    return NetSuiteClient(connection, VaultTokenCache(store.vault, NETSUITE, profile))
