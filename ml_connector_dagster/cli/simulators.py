"""The simulators on loopback (Oracle Fusion, Oracle NetSuite, JAGGAER), and the credentials that point the
connector at them."""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from ml_connector_dagster.fusion.simulator import FusionSimSettings, FusionSimulator
from ml_connector_dagster.jaggaer.simulator import JaggaerSimSettings, JaggaerSimulator
from ml_connector_dagster.netsuite.connection import SYSTEM as NETSUITE
from ml_connector_dagster.netsuite.simulator import NetSuiteSimSettings, NetSuiteSimulator
from ml_connector_dagster.netsuite.simulator.auth import SimAuth, demo_key_pair
from ml_connector_dagster.simulation.server import LoopbackServer
from ml_connector_dagster.store import Store


@dataclass
class LocalSimulators:
    fusion: FusionSimulator
    jaggaer: JaggaerSimulator
    fusion_url: str
    jaggaer_url: str
    netsuite: NetSuiteSimulator
    netsuite_url: str

    def store_credentials(self, store: Store, profile: str = "default") -> None:
        store_simulator_credentials(
            store, self.fusion_url, self.jaggaer_url, self.fusion.settings, self.jaggaer.settings, profile
        )
        store_netsuite_credentials(store, self.netsuite_url, self.netsuite, profile)


def store_netsuite_credentials(store: Store, url: str, netsuite: NetSuiteSimulator, profile: str = "default") -> None:
    """An M2M profile for the NetSuite simulator, signed with the demo certificate key it registers."""
    auth = netsuite.auth.settings
    key = demo_key_pair()
    store.vault.put(
        NETSUITE,
        profile,
        settings={
            "account_id": auth.account_id,
            "base_url": url,
            "auth": "m2m",
            "client_id": auth.client_id,
            "certificate_id": auth.certificate_id,
            "algorithm": key.algorithm,
            "account_timezone": netsuite.settings.account_timezone,
        },
        secrets={"private_key": key.private_pem},
    )


def store_simulator_credentials(
    store: Store,
    fusion_url: str,
    jaggaer_url: str,
    fusion: FusionSimSettings,
    jaggaer: JaggaerSimSettings,
    profile: str = "default",
) -> None:
    """Stores connection profiles for both simulators through the same vault real credentials use."""
    store.vault.put(
        "fusion",
        profile,
        settings={
            "base_url": fusion_url,
            "auth": "oauth",
            "token_url": f"{fusion_url}/oauth2/v1/token",
            "client_id": fusion.client_id,
            "scope": fusion.scope,
        },
        secrets={"client_secret": fusion.client_secret},
    )
    store.vault.put(
        "jaggaer",
        profile,
        settings={
            "instance_url": jaggaer_url,
            "api_base_url": jaggaer_url,
            "client_id": jaggaer.client_id,
            "realm": jaggaer.realm,
            "purchase_order_path": jaggaer.purchase_order_path,
            "po_upsert_supported": str(jaggaer.po_upsert_supported).lower(),
        },
        secrets={"client_secret": jaggaer.client_secret},
    )


@contextmanager
def running_simulators(
    fusion_port: int = 0,
    jaggaer_port: int = 0,
    fusion_settings: FusionSimSettings | None = None,
    jaggaer_settings: JaggaerSimSettings | None = None,
    netsuite_port: int = 0,
    netsuite_settings: NetSuiteSimSettings | None = None,
) -> Iterator[LocalSimulators]:
    fusion = FusionSimulator(fusion_settings)
    jaggaer = JaggaerSimulator(jaggaer_settings)
    netsuite = NetSuiteSimulator(SimAuth(), netsuite_settings)
    with ExitStack() as stack:
        fusion_server = stack.enter_context(LoopbackServer(fusion.app, fusion_port))
        jaggaer_server = stack.enter_context(LoopbackServer(jaggaer.app, jaggaer_port))
        netsuite_server = stack.enter_context(LoopbackServer(netsuite.app, netsuite_port))
        yield LocalSimulators(fusion, jaggaer, fusion_server.url, jaggaer_server.url, netsuite, netsuite_server.url)
