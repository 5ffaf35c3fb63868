"""`ml-connector` as a user runs it: the installed command in a subprocess, with a SQLite store, a Dagster
home and a master key of its own, against the simulators over real HTTP on loopback. No mocks.

Every behaviour under test runs in a subprocess. Setup steps and variations of a behaviour already covered
run the same command in-process through click's runner (`in_process=True`), only to save interpreter starts.
"""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet

from ml_connector_dagster.cli.simulators import LocalSimulators, running_simulators
from ml_connector_dagster.connections import load_connection
from ml_connector_dagster.fusion.connection import FusionConnection
from ml_connector_dagster.jaggaer.connection import JaggaerConnection
from ml_connector_dagster.store import MasterKeys, Store, generate_key
from ml_connector_dagster_tests.cli_fixtures import ConnectorCli

SECRET = "s3cr3t-Fusion-client-value-7f1c2a"
MISSING_KEY = "ML_CONNECTOR_MASTER_KEY is not set"
UNDECRYPTABLE = "The stored credentials for fusion/default cannot be decrypted with ML_CONNECTOR_MASTER_KEY"
FUSION_PROFILE = (
    "--base-url",
    "https://pod1.fa.us2.oraclecloud.com",
    "--token-url",
    "https://idcs-abc.identity.oraclecloud.com/oauth2/v1/token",
    "--client-id",
    "erp-integration",
)
FUSION_SCOPE = "urn:opc:resource:fa:instanceid=123urn:opc:resource:consumer::all"
DEFAULT_PURCHASE_ORDER_TEMPLATE = (
    Path(__file__).resolve().parents[1] / "ml_connector_dagster" / "jaggaer" / "templates" / "purchase_order.json"
)


def store_fusion(cli: ConnectorCli, master_key: str | None = "", in_process: bool = False) -> None:
    args = ("credentials", "set", "fusion", *FUSION_PROFILE, "--client-secret", SECRET, "--scope", FUSION_SCOPE)
    stored = cli.ok(*args, master_key=master_key, in_process=in_process).stdout
    assert stored.strip() == "stored fusion profile 'default' (1 secret value(s) encrypted)"


def assert_never_shown(cli: ConnectorCli, *texts: str) -> None:
    output, raw = cli.all_output(), cli.store_bytes()
    for text in texts:
        assert text not in output
        assert text.encode() not in raw


# 1. generate-key


def test_generate_key_prints_a_valid_fernet_key(cli: ConnectorCli) -> None:
    printed = cli.ok("credentials", "generate-key", master_key=None).stdout
    [key] = printed.splitlines()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}=", key)
    fernet = Fernet(key)
    assert fernet.decrypt(fernet.encrypt(b"round trip")) == b"round trip"
    # A fresh key every time, and one the connector itself accepts.
    assert cli.ok("credentials", "generate-key", master_key=None, in_process=True).stdout.strip() != key
    assert cli.ok("credentials", "list", master_key=key, in_process=True).stdout.strip() == "no credentials stored"


# 2. set and list: the settings are shown, the secret never


def test_set_then_list_shows_settings_and_never_the_secret(cli: ConnectorCli) -> None:
    store_fusion(cli)
    listed = cli.ok("credentials", "list").stdout.splitlines()
    assert listed == [
        "fusion/default: auth=oauth, base_url=https://pod1.fa.us2.oraclecloud.com, client_id=erp-integration, "
        f"scope={FUSION_SCOPE}, token_url=https://idcs-abc.identity.oraclecloud.com/oauth2/v1/token; "
        "client_secret=(encrypted)"
    ]
    # The settings are in the file in clear, so not finding the secret there means something.
    assert b"erp-integration" in cli.store_bytes()
    assert_never_shown(cli, SECRET)


def test_secret_given_by_environment_variable_replaces_the_profile_encrypted(cli: ConnectorCli) -> None:
    store_fusion(cli, in_process=True)
    env_secret = "second-secret-from-env-2"
    replaced = cli.invoke(
        "credentials",
        "set",
        "fusion",
        *FUSION_PROFILE,
        "--scope",
        "urn:scope",
        extra_env={"ML_CONNECTOR_FUSION_CLIENT_SECRET": env_secret},
    )
    assert replaced.code == 0, replaced.describe()
    [listed] = cli.ok("credentials", "list", in_process=True).stdout.splitlines()
    assert "scope=urn:scope" in listed and listed.endswith("; client_secret=(encrypted)")
    assert_never_shown(cli, SECRET, env_secret)


def test_tuning_and_tenant_settings_are_stored_and_read_back(cli: ConnectorCli, tmp_path: Path) -> None:
    fusion_options = ("--max-concurrent-requests", "8", "--keyset-form", "flat", "--children", "links")
    attributes = ("--attribute", "lines.Price=UnitPrice", "--attribute", "schedules.Quantity=QuantityOrdered")
    cli.ok(
        "credentials", "set", "fusion", *FUSION_PROFILE, "--client-secret", SECRET, "--scope", FUSION_SCOPE,
        *fusion_options, "--expanded-page-size", "100", *attributes, in_process=True,
    )  # fmt: skip
    template = tmp_path / "tenant-po.json"
    template.write_text(DEFAULT_PURCHASE_ORDER_TEMPLATE.read_text())
    jaggaer_options = ("--max-concurrent-requests", "2", "--write-rate-per-second", "2.5", "--not-found-codes", "40,44")
    jaggaer_options += ("--purchase-order-list-path", "data.items")
    cli.ok(
        "credentials", "set", "jaggaer", "--instance-url", "https://acme.jaggaer.com", "--api-base-url",
        "https://api.jaggaer.com", "--client-id", "j1p", "--client-secret", SECRET, *jaggaer_options,
        # Relative to the folder the command runs in.
        "--purchase-order-template", str(template.relative_to(cli.root)),
    )  # fmt: skip

    fusion_line, jaggaer_line = cli.ok("credentials", "list", in_process=True).stdout.splitlines()
    assert 'attribute_names={"lines.Price": "UnitPrice", "schedules.Quantity": "QuantityOrdered"}' in fusion_line
    assert f"purchase_order_template={template}, " in jaggaer_line, "kept as an absolute path"
    assert "not_found_codes=[40, 44]" in jaggaer_line
    # What was stored opens as the connections the clients are built from.
    store = Store.open(f"sqlite:///{cli.db_path}", MasterKeys.from_env_value(cli.master_key))
    try:
        fusion = load_connection(store, "fusion", "default", FusionConnection)
        jaggaer = load_connection(store, "jaggaer", "default", JaggaerConnection)
    finally:
        store.close()
    assert (fusion.max_concurrent_requests, fusion.expanded_page_size) == (8, 100)
    assert (fusion.keyset_form, fusion.children) == ("flat", "links")
    assert fusion.attribute_names == {"lines.Price": "UnitPrice", "schedules.Quantity": "QuantityOrdered"}
    assert (jaggaer.max_concurrent_requests, jaggaer.write_rate_per_second) == (2, 2.5)
    assert (jaggaer.not_found_codes, jaggaer.purchase_order_list_path) == ([40, 44], "data.items")
    assert jaggaer.purchase_order_template == str(template)


def test_malformed_tenant_settings_are_refused(cli: ConnectorCli, tmp_path: Path) -> None:
    profile = ("credentials", "set", "fusion", *FUSION_PROFILE, "--client-secret", SECRET, "--scope", "s")
    not_a_pair = cli.invoke(*profile, "--attribute", "lines.Price")
    assert not_a_pair.code == 2 and "'lines.Price' is not NAME=SOURCE" in not_a_pair.stderr, not_a_pair.describe()
    unknown = cli.refused(*profile, "--attribute", "lines.Cost=UnitCost", in_process=True)
    assert unknown.startswith("attribute_names: unknown attribute lines.Cost"), unknown
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    jaggaer = ("credentials", "set", "jaggaer", "--instance-url", "https://i", "--api-base-url", "https://a")
    jaggaer += ("--client-id", "c", "--client-secret", SECRET)
    message = cli.refused(*jaggaer, "--purchase-order-template", str(broken), in_process=True)
    assert message.startswith("purchase_order_template: ") and f"{broken}: at $: not valid JSON" in message, message
    assert cli.ok("credentials", "list", in_process=True).stdout.strip() == "no credentials stored"


# 3. an incomplete profile


def test_incomplete_oauth_profile_is_refused_naming_the_missing_field(cli: ConnectorCli) -> None:
    message = cli.refused("credentials", "set", "fusion", *FUSION_PROFILE, "--client-secret", SECRET)
    assert message == "OAuth to Fusion needs scope"
    assert cli.ok("credentials", "list", in_process=True).stdout.strip() == "no credentials stored"
    assert_never_shown(cli, SECRET)


def test_other_invalid_profiles_are_refused_naming_the_field(cli: ConnectorCli) -> None:
    basic = ("credentials", "set", "fusion", "--base-url", "https://pod1", "--auth", "basic", "--password", SECRET)
    assert cli.refused(*basic, in_process=True) == "HTTP Basic to Fusion needs username"
    too_big = ("credentials", "set", "fusion", *FUSION_PROFILE, "--client-secret", SECRET, "--scope", "s")
    message = cli.refused(*too_big, "--page-size", "500", in_process=True)
    assert message.startswith("page_size: ") and "499" in message
    assert_never_shown(cli, SECRET)


# 4. the master key: missing, malformed, wrong


def test_missing_master_key_is_one_clear_sentence(cli: ConnectorCli) -> None:
    message = cli.refused("credentials", "list", master_key=None)
    assert message == (
        "ML_CONNECTOR_MASTER_KEY is not set: generate a key with `ml-connector credentials generate-key` and export it."
    )
    for args in (("credentials", "rotate-key"), ("ping", "jaggaer"), ("credentials", "delete", "fusion")):
        assert cli.refused(*args, master_key=None, in_process=True).startswith(MISSING_KEY)
    # Refused before anything is stored.
    store = ("credentials", "set", "fusion", *FUSION_PROFILE, "--client-secret", SECRET, "--scope", "s")
    assert cli.refused(*store, master_key=None, in_process=True).startswith(MISSING_KEY)
    assert_never_shown(cli, SECRET)


def test_malformed_master_key_names_its_position_not_its_text(cli: ConnectorCli) -> None:
    good, bad = generate_key(), "not-a-fernet-key-XYZ"
    message = cli.refused("credentials", "list", master_key=f"{good},{bad}", in_process=True)
    assert message.startswith("Key 2 in ML_CONNECTOR_MASTER_KEY is not a valid Fernet key")
    assert_never_shown(cli, good, bad)


def test_wrong_master_key_cannot_decrypt_and_says_so(cli: ConnectorCli) -> None:
    store_fusion(cli, in_process=True)
    wrong = generate_key()
    message = cli.refused("credentials", "list", master_key=wrong)
    assert message.startswith(UNDECRYPTABLE), message
    assert_never_shown(cli, wrong, cli.master_key, SECRET)


# 5. key rotation


def test_rotate_key_moves_everything_to_the_new_key(cli: ConnectorCli) -> None:
    key_a, key_b = cli.master_key, generate_key()
    store_fusion(cli, master_key=key_a)

    rotated = cli.ok("credentials", "rotate-key", master_key=f"{key_b},{key_a}").stdout
    assert "re-encrypted 1 stored value(s) under the first key" in rotated

    listed = cli.ok("credentials", "list", master_key=key_b).stdout
    assert listed.startswith("fusion/default: auth=oauth") and "client_secret=(encrypted)" in listed
    assert cli.refused("credentials", "list", master_key=key_a).startswith(UNDECRYPTABLE)
    assert_never_shown(cli, key_a, key_b, SECRET)


def test_rotate_key_without_the_old_key_changes_nothing(cli: ConnectorCli) -> None:
    key_a = cli.master_key
    store_fusion(cli, in_process=True)
    message = cli.refused("credentials", "rotate-key", master_key=f"{generate_key()},{generate_key()}", in_process=True)
    assert message.startswith(UNDECRYPTABLE), message
    assert "client_secret=(encrypted)" in cli.ok("credentials", "list", master_key=key_a, in_process=True).stdout


# 6, 7. ping


def test_ping_both_systems_then_a_wrong_client_secret(cli: ConnectorCli, simulators: LocalSimulators) -> None:
    fusion_secret = simulators.fusion.settings.client_secret
    jaggaer_secret = simulators.jaggaer.settings.client_secret
    cli.point_at(simulators)

    # A heading, then one indented line per check.
    heading, *fusion = cli.ok("ping", "fusion").stdout.splitlines()
    assert heading == "fusion (default):"
    assert fusion and all(line.startswith("  ") for line in fusion), fusion
    assert fusion[0].startswith("  authenticated"), fusion
    heading, *jaggaer = cli.ok("ping", "jaggaer").stdout.splitlines()
    assert heading == "jaggaer (default):"
    assert jaggaer and all(line.startswith("  ") for line in jaggaer), jaggaer
    assert jaggaer[0].startswith("  authenticated and listed purchase orders"), jaggaer
    # The tokens those pings fetched are cached encrypted: neither they nor the secrets are in the file.
    assert_never_shown(cli, fusion_secret, jaggaer_secret)

    # Replacing the profile with a wrong secret drops the cached token, so the next ping asks for a new one.
    wrong = "definitely-not-the-fusion-secret-91"
    cli.point_at(simulators, fusion_secret=wrong)
    message = cli.refused("ping", "fusion")
    assert message.startswith(
        "fusion: the token endpoint refused client 'fusion-sim-client': check the client id and secret"
    ), message
    assert_never_shown(cli, wrong, fusion_secret, jaggaer_secret)


def test_ping_without_a_stored_profile(cli: ConnectorCli) -> None:
    message = cli.refused("ping", "fusion")
    assert message == "no fusion credentials stored for profile 'default': run `ml-connector credentials set fusion`"
    message = cli.refused("ping", "jaggaer", "--profile", "staging", in_process=True)
    assert message == "no jaggaer credentials stored for profile 'staging': run `ml-connector credentials set jaggaer`"


# 8. a real sync, then the audit trail


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _table(printed: str) -> list[list[str]]:
    return [line.split() for line in printed.strip().splitlines()]


def test_sync_then_audit(cli: ConnectorCli) -> None:
    # Whole hourly windows that closed more than the settle lag ago.
    now = datetime.now(UTC)
    start, end = _floor_hour(now) - timedelta(hours=5), _floor_hour(now) - timedelta(hours=1)
    count, malformed = 30, 2
    with running_simulators() as sims:
        sims.fusion.seed_suppliers(0, start, end)
        sims.fusion.seed_purchase_orders(count, start, end, malformed=malformed)
        cli.point_at(sims)
        rule = cli.ok("mappings", "rule", "--cost-center-segment", "2", master_key=None).stdout
        assert rule.startswith("rule: cost center = segment 2, GL value = combination"), rule
        synced = cli.ok(
            "sync",
            "all",
            "--start",
            start.strftime("%Y-%m-%d %H:%M"),
            "--end",
            end.strftime("%Y-%m-%d %H:%M"),
        ).stdout
        in_jaggaer = sims.jaggaer.purchase_order_stats()

    lines = synced.strip().splitlines()
    run_line = next(line for line in lines if line.startswith("run "))
    assert re.fullmatch(r"run [0-9a-f-]{36}", run_line), synced
    run_id = run_line.removeprefix("run ")
    entities = [line.partition(":")[0] for line in lines[lines.index(run_line) + 1 :]]
    # Both directions, each in posting order.
    assert entities == [
        "cost_centers",
        "gl_accounts",
        "suppliers",
        "purchase_orders",
        "invoices",
        "receipts",
        "acknowledgments",
        "payables_invoices",
    ], synced
    posted = count - malformed
    counts_line = next(line for line in lines if line.startswith("purchase_orders:"))
    assert counts_line == (
        f"purchase_orders: pulled={count} posted={posted} skipped=0 quarantined=2 failed=0 pending=0"
    ), synced
    assert "suppliers: pulled=12 posted=12 " in synced, synced
    assert (in_jaggaer.stored, in_jaggaer.duplicates) == (posted, 0)

    # The two quarantined records, each with a reason that names the field at fault.
    quarantined = cli.ok("audit", "--status", "quarantined", master_key=None).stdout.strip().splitlines()
    header, rows = quarantined[0].split(), quarantined[1:]
    assert header == ["recorded_at", "run_id", "system", "entity", "record_key", "source_version", "status", "reason"]
    assert len(rows) == malformed, quarantined
    for row in rows:
        assert row.split()[1:4] == [run_id, "fusion", "purchase_orders"] and row.split()[6] == "quarantined", row
    # The simulator breaks the first two seeded malformations: CurrencyCode removed, Supplier nulled.
    reasons = "\n".join(rows)
    assert "CurrencyCode" in reasons and "Supplier" in reasons, reasons

    # Counts per run, system, entity and status.
    summary = _table(cli.ok("audit", "--summary", master_key=None).stdout)
    assert summary[0] == ["run_id", "system", "entity", "posted", "quarantined"], summary
    by_entity = {(row[1], row[2]): row[3:] for row in summary[1:] if row[0] == run_id}
    assert by_entity[("fusion", "purchase_orders")] == ["0", str(malformed)], summary
    assert by_entity[("jaggaer", "purchase_orders")] == [str(posted), "0"], summary
    assert by_entity[("jaggaer", "suppliers")] == ["12", "0"], summary

    # --run-id keeps that run's rows only.
    filtered = _table(
        cli.ok("audit", "--run-id", run_id, "--entity", "purchase_orders", "--limit", "100", master_key=None).stdout
    )
    assert len(filtered) == 1 + count
    assert all(row[1] == run_id for row in filtered[1:])
    assert sorted(row[6] for row in filtered[1:]) == ["posted"] * posted + ["quarantined"] * malformed
    none = cli.ok("audit", "--run-id", "no-such-run", master_key=None, in_process=True).stdout
    assert none.strip() == "no audit rows match"
