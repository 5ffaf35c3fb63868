"""Secrets are encrypted at rest, unreadable with the wrong key, and survive key rotation."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from ml_connector_dagster.store import (
    CachedToken,
    CredentialVault,
    MasterKeyError,
    MasterKeys,
    Store,
    StoredCredentials,
    generate_key,
)
from ml_connector_dagster.store.database import VERSION_TABLE
from ml_connector_dagster.store.tables import metadata

SECRET = "s3cr3t-Client-Secret-Value"
TOKEN = "eyJ-access-token-value"
SETTINGS = {"base_url": "https://fusion.example.com", "client_id": "ml-connector"}
NOT_SET = (
    "ML_CONNECTOR_MASTER_KEY is not set: generate a key with `ml-connector credentials generate-key` and export it."
)
UNDECRYPTABLE = (
    "The stored credentials for fusion/prod cannot be decrypted with ML_CONNECTOR_MASTER_KEY: set the key they "
    "were stored under (during rotation list the new key first, then the old one)."
)


def _vault(engine: Engine, keys: str) -> CredentialVault:
    return CredentialVault(engine, MasterKeys.from_env_value(keys))


def _token() -> CachedToken:
    return CachedToken(access_token=TOKEN, expires_at=datetime(2030, 1, 1, 12, tzinfo=UTC))


def test_credentials_round_trip_and_no_secret_is_stored_in_clear(store: Store) -> None:
    store.vault.put("fusion", "prod", SETTINGS, {"client_secret": SECRET})
    store.vault.put("jaggaer", "test", {"base_url": "https://jaggaer.example.com"}, {"password": "pw-2"})
    store.vault.save_token("fusion", "prod", _token())

    assert store.vault.get("fusion", "prod") == StoredCredentials(
        system="fusion", profile="prod", settings=SETTINGS, secrets={"client_secret": SECRET}
    )
    assert store.vault.list() == [("fusion", "prod"), ("jaggaer", "test")]
    assert store.vault.get("fusion", "other") is None

    with store.engine.connect() as connection:
        raw = [repr(row) for table in metadata.sorted_tables for row in connection.execute(select(table))]
        raw += [repr(row) for row in connection.exec_driver_sql(f"SELECT * FROM {VERSION_TABLE}")]
    dump = "\n".join(raw)
    assert "ml-connector" in dump  # the dump does hold the rows: settings are stored in clear
    assert SECRET not in dump and TOKEN not in dump and "pw-2" not in dump


def test_representations_never_show_secret_values(store: Store, master_key: str) -> None:
    store.vault.put("fusion", "prod", SETTINGS, {"client_secret": SECRET})
    credentials = store.vault.get("fusion", "prod")
    assert credentials is not None and credentials.secrets["client_secret"] == SECRET
    for text in (repr(credentials), str(credentials), repr(_token()), str(_token())):
        assert SECRET not in text and TOKEN not in text
    assert "client_secret" in repr(credentials)
    assert master_key not in repr(MasterKeys.from_env_value(master_key))


def test_put_replaces_a_profile_and_drops_its_cached_token(store: Store) -> None:
    store.vault.put("fusion", "prod", SETTINGS, {"client_secret": "old"})
    store.vault.save_token("fusion", "prod", _token())

    store.vault.put("fusion", "prod", {"base_url": "https://new.example.com"}, {"client_secret": SECRET})

    credentials = store.vault.get("fusion", "prod")
    assert credentials is not None
    assert (credentials.settings, credentials.secrets) == (
        {"base_url": "https://new.example.com"},
        {"client_secret": SECRET},
    )
    assert store.vault.load_token("fusion", "prod") is None


def test_delete_removes_credentials_and_token(store: Store) -> None:
    store.vault.put("fusion", "prod", SETTINGS, {"client_secret": SECRET})
    store.vault.save_token("fusion", "prod", _token())
    assert store.vault.delete("fusion", "prod") is True
    assert store.vault.delete("fusion", "prod") is False
    assert store.vault.get("fusion", "prod") is None and store.vault.load_token("fusion", "prod") is None
    assert store.vault.list() == []


def test_token_cache_round_trip(store: Store) -> None:
    assert store.vault.load_token("fusion", "prod") is None
    store.vault.save_token("fusion", "prod", _token())
    assert store.vault.load_token("fusion", "prod") == _token()

    renewed = CachedToken(access_token="renewed", expires_at=datetime.now(UTC) + timedelta(hours=1))
    store.vault.save_token("fusion", "prod", renewed)
    loaded = store.vault.load_token("fusion", "prod")
    assert loaded == renewed and loaded.expires_at.tzinfo is UTC

    store.vault.forget_token("fusion", "prod")
    assert store.vault.load_token("fusion", "prod") is None


def test_the_wrong_key_is_a_clear_error_without_key_material(store: Store, master_key: str) -> None:
    store.vault.put("fusion", "prod", SETTINGS, {"client_secret": SECRET})
    store.vault.save_token("fusion", "prod", _token())
    other_key = generate_key()
    wrong = _vault(store.engine, other_key)

    for read in (lambda: wrong.get("fusion", "prod"), lambda: wrong.load_token("fusion", "prod")):
        with pytest.raises(MasterKeyError) as raised:
            read()
        message = str(raised.value)
        assert message == UNDECRYPTABLE
        assert master_key not in message and other_key not in message and SECRET not in message
        assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_rotation_moves_everything_to_the_new_key(store: Store, master_key: str) -> None:
    store.vault.put("fusion", "prod", SETTINGS, {"client_secret": SECRET})
    store.vault.put("jaggaer", "prod", {}, {"password": "pw-2"})
    store.vault.save_token("fusion", "prod", _token())
    new_key = generate_key()

    assert _vault(store.engine, f"{new_key},{master_key}").rotate() == 3

    only_new = _vault(store.engine, new_key)
    credentials = only_new.get("fusion", "prod")
    assert credentials is not None and credentials.secrets == {"client_secret": SECRET}
    jaggaer = only_new.get("jaggaer", "prod")
    assert jaggaer is not None and jaggaer.secrets == {"password": "pw-2"}
    assert only_new.load_token("fusion", "prod") == _token()
    with pytest.raises(MasterKeyError):
        _vault(store.engine, master_key).get("fusion", "prod")


def test_a_failed_rotation_rewrites_nothing(store: Store, master_key: str) -> None:
    store.vault.put("fusion", "prod", SETTINGS, {"client_secret": SECRET})
    # The old key left out of the list by mistake: nothing can be decrypted, nothing may change.
    with pytest.raises(MasterKeyError, match="fusion/prod"):
        _vault(store.engine, generate_key()).rotate()
    credentials = store.vault.get("fusion", "prod")
    assert credentials is not None and credentials.secrets == {"client_secret": SECRET}
    assert _vault(store.engine, master_key).rotate() == 1


@pytest.mark.parametrize("value", [None, "", "  ", " , "])
def test_a_missing_master_key_says_how_to_make_one(value: str | None) -> None:
    with pytest.raises(MasterKeyError) as raised:
        MasterKeys.from_env_value(value)
    assert str(raised.value) == NOT_SET


def test_a_malformed_master_key_names_its_position_but_not_its_text() -> None:
    good = generate_key()
    with pytest.raises(MasterKeyError) as raised:
        MasterKeys.from_env_value(f"{good}, not-a-fernet-key-at-all")
    message = str(raised.value)
    assert "Key 2 in ML_CONNECTOR_MASTER_KEY is not a valid Fernet key" in message
    assert "not-a-fernet-key-at-all" not in message and good not in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_master_keys_come_from_the_environment_variable() -> None:
    key = generate_key()
    assert repr(MasterKeys.from_env({"ML_CONNECTOR_MASTER_KEY": key})) == "MasterKeys(<1 key(s)>)"
    with pytest.raises(MasterKeyError, match="is not set"):
        MasterKeys.from_env({})


def test_a_store_opened_without_keys_refuses_the_vault_only(store_url: str) -> None:
    store = Store.open(store_url)
    try:
        with pytest.raises(MasterKeyError) as raised:
            _ = store.vault
        assert str(raised.value) == NOT_SET
        assert store.audit.query() == []
    finally:
        store.close()
