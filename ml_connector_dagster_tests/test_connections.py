"""Several connections at once, declared in one file: each gets its own assets, jobs, pools and credential
profiles, and two of them sync side by side, through the installed command, without touching each other's
ledger."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ml_connector_dagster.cli.simulators import running_simulators, store_simulator_credentials
from ml_connector_dagster.flows.connections import ConnectionsFileError, load_connections
from ml_connector_dagster.store import MappingRule, MasterKeys, Store
from ml_connector_dagster_tests.cli_fixtures import ConnectorCli

from .conftest import hours_ago

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TWO_PODS = """
connections:
  - name: emea
    erp: fusion
  - name: apac
    erp: fusion
    erp_profile: apac-pod
    jaggaer_profile: apac-tenant
"""


def test_a_connections_file_names_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "connections.yaml"
    path.write_text(
        "connections:\n  - {name: emea, erp: fusion}\n  - {name: emea, erp: netsuite}\n  - {name: Bad, erp: sap}\n"
    )
    with pytest.raises(ConnectionsFileError) as refused:
        load_connections(path)
    message = str(refused.value)
    assert str(path) in message and "connections.2.name" in message and "connections.2.erp" in message
    path.write_text(TWO_PODS)
    assert [(c.name, c.profile("fusion"), c.profile("jaggaer")) for c in load_connections(path)] == [
        ("emea", "emea", "emea"),
        ("apac", "apac-pod", "apac-tenant"),
    ]


def test_two_fusion_pods_sync_side_by_side_each_into_its_own_ledger(cli: ConnectorCli, tmp_path: Path) -> None:
    connections = tmp_path / "connections.yaml"
    connections.write_text(TWO_PODS)
    env = {"ML_CONNECTOR_CONNECTIONS_FILE": str(connections)}
    start, end = hours_ago(4), hours_ago(2)
    with running_simulators() as emea, running_simulators() as apac:
        for sims in (emea, apac):
            sims.fusion.seed_suppliers(0, start, end)  # the suppliers the orders name, changed in the range
        emea.fusion.seed_purchase_orders(12, start, end)
        apac.fusion.seed_purchase_orders(20, start, end, seed=11)
        store = Store.open(f"sqlite:///{cli.db_path}", MasterKeys.from_env_value(cli.master_key))
        try:
            for sims, fusion_profile, jaggaer_profile in ((emea, "emea", "emea"), (apac, "apac-pod", "apac-tenant")):
                store_simulator_credentials(
                    store,
                    sims.fusion_url,
                    sims.jaggaer_url,
                    sims.fusion.settings,
                    sims.jaggaer.settings,
                    fusion_profile,
                )
                if jaggaer_profile != fusion_profile:
                    stored = store.vault.get("jaggaer", fusion_profile)
                    assert stored is not None
                    store.vault.put("jaggaer", jaggaer_profile, settings=stored.settings, secrets=stored.secrets)
            store.gl_mappings.set_rule(
                MappingRule(delimiter=".", cost_center_segment=2, gl_account="combination"), "test", "test"
            )
        finally:
            store.close()

        window = ("--start", start.strftime("%Y-%m-%d %H:%M"), "--end", end.strftime("%Y-%m-%d %H:%M"))
        synced = cli.run("sync", "all", *window, extra_env=env, timeout=300)
        assert synced.code == 0, synced.describe()
        lines = synced.stdout.splitlines()
        assert any(line.startswith("emea__purchase_orders: pulled=12 posted=12 ") for line in lines), synced.stdout
        assert any(line.startswith("apac__purchase_orders: pulled=20 posted=20 ") for line in lines), synced.stdout
        assert (emea.jaggaer.purchase_order_stats().stored, apac.jaggaer.purchase_order_stats().stored) == (12, 20)
        assert emea.jaggaer.purchase_order_stats().duplicates == apac.jaggaer.purchase_order_stats().duplicates == 0

    store = Store.open(f"sqlite:///{cli.db_path}", MasterKeys.from_env_value(cli.master_key))
    try:
        ledgers = {
            name: sum(1 for _ in store.ledger.entries("fusion", "jaggaer", f"{name}__purchase_orders"))
            for name in ("emea", "apac")
        }
        assert ledgers == {"emea": 12, "apac": 20}
        assert not list(store.ledger.entries("fusion", "jaggaer", "purchase_orders"))
    finally:
        store.close()


def test_the_code_location_with_connections_loads_with_names_pools_and_profiles_of_each(tmp_path: Path) -> None:
    connections = tmp_path / "connections.yaml"
    connections.write_text(TWO_PODS + "  - name: us\n    erp: netsuite\n")
    probe = textwrap.dedent(
        """
        import json
        from ml_connector_dagster.definitions import defs
        from ml_connector_dagster.defs.runs.pools import POOLS
        keys = sorted(k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys())
        profiles = {name: resource.profile for name, resource in (defs.resources or {}).items() if name != "store"}
        jobs = [defs.resolve_job_def(name).name for name in ("emea__fusion_to_jaggaer", "us__netsuite_vendors_sync")]
        print(json.dumps({"keys": keys, "pools": sorted(POOLS), "profiles": profiles, "jobs": jobs}))
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ML_CONNECTOR_", "DAGSTER_"))}
    env |= {"ML_CONNECTOR_CONNECTIONS_FILE": str(connections), "DAGSTER_HOME": str(tmp_path)}
    shown = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    loaded = json.loads(shown.stdout)
    keys = set(loaded["keys"])
    assert {"emea/fusion/purchase_orders", "apac/jaggaer/invoices", "us/netsuite/netsuite_vendor_bills"} <= keys
    assert not any(key.startswith(("two_way/", "fusion/", "jaggaer/")) for key in keys), (
        "two-way cycles and unnamed assets belong to the one unnamed connection"
    )
    pools = ["apac_fusion_api", "apac_jaggaer_api", "emea_fusion_api", "emea_jaggaer_api", "us_jaggaer_api"]
    assert loaded["pools"] == [*pools, "us_netsuite_api"]
    assert loaded["profiles"] == {
        "emea_fusion": "emea",
        "emea_jaggaer": "emea",
        "apac_fusion": "apac-pod",
        "apac_jaggaer": "apac-tenant",
        "us_netsuite": "us",
        "us_jaggaer": "us",
    }
    assert loaded["jobs"] == ["emea__fusion_to_jaggaer", "us__netsuite_vendors_sync"]
    validated = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
