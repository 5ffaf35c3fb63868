"""The credential vault: connection settings in clear, secrets and cached tokens encrypted at rest.

Encryption is Fernet under a master key that lives only in the environment, never in the database.
Error messages name the environment variable and the position of a bad key, never key material.
"""

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Connection, Engine, bindparam, delete, select, update

from ml_connector_dagster.store.database import upsert_insert, write_transaction
from ml_connector_dagster.store.models import CachedToken, StoredCredentials
from ml_connector_dagster.store.tables import credentials, token_cache

MASTER_KEY_ENV = "ML_CONNECTOR_MASTER_KEY"


class MasterKeyError(Exception):
    pass


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


class MasterKeys:
    """Comma-separated Fernet keys: the first encrypts, every one decrypts, so keys can be rotated."""

    def __init__(self, keys: list[Fernet]) -> None:
        self._fernet = MultiFernet(keys)
        self._count = len(keys)

    @classmethod
    def from_env_value(cls, value: str | None) -> "MasterKeys":
        parts = [part.strip() for part in (value or "").split(",")]
        if not any(parts):
            raise MasterKeyError(
                f"{MASTER_KEY_ENV} is not set: generate a key with "
                "`ml-connector credentials generate-key` and export it."
            )
        keys: list[Fernet] = []
        for position, part in enumerate(parts, start=1):
            if not part:
                continue
            try:
                keys.append(Fernet(part))
            except (ValueError, TypeError):
                # `from None`: the underlying error could echo the malformed key.
                raise MasterKeyError(
                    f"Key {position} in {MASTER_KEY_ENV} is not a valid Fernet key "
                    "(expected 32 url-safe base64-encoded bytes, as `ml-connector credentials generate-key` prints)."
                ) from None
        return cls(keys)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "MasterKeys":
        return cls.from_env_value(environ.get(MASTER_KEY_ENV))

    def __repr__(self) -> str:
        return f"MasterKeys(<{self._count} key(s)>)"

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str, system: str, profile: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise _undecryptable(system, profile) from None

    def rotate(self, token: str, system: str, profile: str) -> str:
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise _undecryptable(system, profile) from None


def _undecryptable(system: str, profile: str) -> MasterKeyError:
    return MasterKeyError(
        f"The stored credentials for {system}/{profile} cannot be decrypted with {MASTER_KEY_ENV}: set the key "
        "they were stored under (during rotation list the new key first, then the old one)."
    )


class CredentialVault:
    def __init__(self, engine: Engine, keys: MasterKeys) -> None:
        self._engine = engine
        self._keys = keys

    def put(self, system: str, profile: str, settings: Mapping[str, str], secrets: Mapping[str, str]) -> None:
        """Store or replace a profile; a replaced profile's cached token is dropped with it."""
        row = {
            "system": system,
            "profile": profile,
            "settings_json": json.dumps(dict(settings), sort_keys=True),
            "secrets_encrypted": self._keys.encrypt(json.dumps(dict(secrets), sort_keys=True)),
            "updated_at": datetime.now(UTC),
        }
        with self._engine.begin() as connection:
            insert = upsert_insert(connection, credentials)
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=["system", "profile"],
                    set_={name: insert.excluded[name] for name in ("settings_json", "secrets_encrypted", "updated_at")},
                ).values(**row)
            )
            # A token issued for the old secrets must not outlive them.
            _delete_token(connection, system, profile)

    def get(self, system: str, profile: str) -> StoredCredentials | None:
        statement = select(credentials).where(credentials.c.system == system, credentials.c.profile == profile)
        with self._engine.connect() as connection:
            row = connection.execute(statement).first()
        if row is None:
            return None
        secrets = json.loads(self._keys.decrypt(row.secrets_encrypted, system, profile))
        return StoredCredentials(
            system=system, profile=profile, settings=json.loads(row.settings_json), secrets=secrets
        )

    def delete(self, system: str, profile: str) -> bool:
        with self._engine.begin() as connection:
            _delete_token(connection, system, profile)
            statement = delete(credentials).where(credentials.c.system == system, credentials.c.profile == profile)
            return connection.execute(statement).rowcount > 0

    def load_token(self, system: str, profile: str) -> CachedToken | None:
        """The cached token as stored, expired or not: the caller decides what is fresh enough."""
        statement = select(token_cache).where(token_cache.c.system == system, token_cache.c.profile == profile)
        with self._engine.connect() as connection:
            row = connection.execute(statement).first()
        if row is None:
            return None
        access_token = self._keys.decrypt(row.token_encrypted, system, profile)
        return CachedToken(access_token=access_token, expires_at=row.expires_at)

    def save_token(self, system: str, profile: str, token: CachedToken) -> None:
        row = {
            "system": system,
            "profile": profile,
            "token_encrypted": self._keys.encrypt(token.access_token),
            "expires_at": token.expires_at,
            "updated_at": datetime.now(UTC),
        }
        with self._engine.begin() as connection:
            insert = upsert_insert(connection, token_cache)
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=["system", "profile"],
                    set_={name: insert.excluded[name] for name in ("token_encrypted", "expires_at", "updated_at")},
                ).values(**row)
            )

    def forget_token(self, system: str, profile: str) -> None:
        with self._engine.begin() as connection:
            _delete_token(connection, system, profile)

    def rotate(self) -> int:
        """Re-encrypt every secret and cached token under the first key; returns the rows rewritten.

        All or nothing: if one value cannot be decrypted, nothing is rewritten, so the old key is
        still enough to read everything.
        """
        now = datetime.now(UTC)
        rewritten = 0
        with write_transaction(self._engine) as connection:
            for table, column in ((credentials, "secrets_encrypted"), (token_cache, "token_encrypted")):
                # FOR UPDATE (ignored by SQLite, which already holds the write lock) stops a concurrent
                # put from being overwritten with the old value.
                selected = select(table.c.system, table.c.profile, table.c[column]).with_for_update()
                rows = [
                    {"key_system": system, "key_profile": profile, "token": self._keys.rotate(token, system, profile)}
                    for system, profile, token in connection.execute(selected)
                ]
                if rows:
                    statement = (
                        update(table)
                        .where(table.c.system == bindparam("key_system"), table.c.profile == bindparam("key_profile"))
                        .values({column: bindparam("token"), "updated_at": now})
                    )
                    connection.execute(statement, rows)
                rewritten += len(rows)
        return rewritten

    # Defined last: inside the class body the name `list` means this method from here on.
    def list(self) -> list[tuple[str, str]]:
        """(system, profile) pairs that have credentials, sorted."""
        statement = select(credentials.c.system, credentials.c.profile).order_by(
            credentials.c.system, credentials.c.profile
        )
        with self._engine.connect() as connection:
            return [(system, profile) for system, profile in connection.execute(statement)]


def _delete_token(connection: Connection, system: str, profile: str) -> None:
    connection.execute(delete(token_cache).where(token_cache.c.system == system, token_cache.c.profile == profile))
