"""`ml-connector credentials set netsuite` and `ml-connector ping netsuite`, as a person runs them, against the
NetSuite simulator on loopback: the certificate key is read from a file and kept encrypted, and ping logs in with
the configured method, runs SuiteQL and reports missing tables and the time zone in use."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ml_connector_dagster.netsuite.simulator import NetSuiteSimSettings, NetSuiteSimulator
from ml_connector_dagster.netsuite.simulator.auth import SimAuth, SimAuthSettings, demo_key_pair
from ml_connector_dagster.simulation.server import LoopbackServer
from ml_connector_dagster_tests.cli_fixtures import ConnectorCli

DEMO = SimAuthSettings()


@pytest.fixture
def account_url() -> Iterator[str]:
    simulator = NetSuiteSimulator(SimAuth(), NetSuiteSimSettings(features_off=["classification"]))
    with LoopbackServer(simulator.app) as server:
        yield server.url


def _m2m(cli: ConnectorCli, url: str, key_file: Path) -> None:
    cli.ok(
        "credentials", "set", "netsuite",
        "--account-id", DEMO.account_id,
        "--client-id", DEMO.client_id,
        "--certificate-id", DEMO.certificate_id,
        "--private-key-file", str(key_file),
        "--algorithm", demo_key_pair().algorithm,
        "--base-url", url,
    )  # fmt: skip


def test_an_m2m_profile_keeps_the_key_encrypted_and_pings(cli: ConnectorCli, account_url: str, tmp_path: Path) -> None:
    key_file = tmp_path / "netsuite.pem"
    key_file.write_text(demo_key_pair().private_pem)
    _m2m(cli, account_url, key_file)

    listed = cli.ok("credentials", "list").stdout
    assert "netsuite/default:" in listed and "private_key=(encrypted)" in listed
    assert "BEGIN" not in listed

    pinged = cli.ok("ping", "netsuite").stdout
    assert pinged.startswith("netsuite (default):")
    assert "classification" in pinged and "America/Los_Angeles" in pinged
    # What the reference leaves unverified is checked against the account, setting by setting.
    assert "order_line_account_column expenseaccount: present on transactionline" in pinged
    assert "deleted_record_types vendor='vendor'" in pinged and "currency_codes" in pinged


def test_a_tba_profile_pings_and_a_wrong_secret_is_named(cli: ConnectorCli, account_url: str) -> None:
    def store(token_secret: str) -> None:
        cli.ok(
            "credentials", "set", "netsuite",
            "--account-id", DEMO.account_id,
            "--auth", "tba",
            "--consumer-key", DEMO.consumer_key,
            "--consumer-secret", DEMO.consumer_secret,
            "--token-id", DEMO.token_id,
            "--token-secret", token_secret,
            "--base-url", account_url,
        )  # fmt: skip

    store(DEMO.token_secret)
    assert cli.ok("ping", "netsuite").stdout.startswith("netsuite (default):")

    store("not-the-secret")
    refused = cli.refused("ping", "netsuite")
    assert "token_secret" in refused and "not-the-secret" not in refused


def test_an_m2m_profile_without_a_key_file_is_refused_before_anything_is_stored(
    cli: ConnectorCli, account_url: str
) -> None:
    refused = cli.run(
        "credentials", "set", "netsuite", "--account-id", DEMO.account_id, "--client-id", DEMO.client_id,
        "--certificate-id", DEMO.certificate_id, "--base-url", account_url,
    )  # fmt: skip
    assert refused.code != 0 and "--private-key-file is required with --auth m2m" in refused.output
    assert "no credentials stored" in cli.ok("credentials", "list").stdout
