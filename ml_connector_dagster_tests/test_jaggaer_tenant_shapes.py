"""A JAGGAER tenant whose PO documents use a `header` object and a wrapped line list, synced by the real job
after only a change of the profile's template."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest

from ml_connector_dagster.cli.simulators import LocalSimulators, running_simulators
from ml_connector_dagster.jaggaer.simulator import JaggaerSimSettings
from ml_connector_dagster.store import AuditStatus, Store

from .conftest import hours_ago, run_purchase_orders
from .test_jaggaer_templates import HEADER_TEMPLATE, write_template


@pytest.fixture
def sims() -> Iterator[LocalSimulators]:
    with running_simulators(jaggaer_settings=JaggaerSimSettings(document_shape="header")) as running:
        yield running


def test_a_header_shaped_tenant_syncs_every_order_after_only_a_template_change(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance, tmp_path: Path
) -> None:
    sims.fusion.seed_purchase_orders(12, hours_ago(4), hours_ago(3))

    # The packaged default puts poNumber at the top: this tenant refuses every document, and says why.
    refused = run_purchase_orders(instance, hours_ago(4), hours_ago(3))
    assert refused.success, refused.failure
    assert (refused.counts.pulled, refused.counts.posted, refused.counts.failed) == (12, 0, 12)
    reasons = [row.reason for row in store.audit.query(run_id=refused.run_id, status=AuditStatus.FAILED)]
    assert len(reasons) == 12
    assert all(reason and "purchaseOrder.header.poNumber: required" in reason for reason in reasons), reasons[0]
    assert sims.jaggaer.purchase_order_stats().stored == 0

    stored = store.vault.get("jaggaer", "default")
    assert stored is not None
    template = write_template(tmp_path, HEADER_TEMPLATE)
    store.vault.put("jaggaer", "default", {**stored.settings, "purchase_order_template": template}, stored.secrets)

    synced = run_purchase_orders(instance, hours_ago(4), hours_ago(3))
    assert synced.success, synced.failure
    assert (synced.counts.posted, synced.counts.failed) == (12, 0)
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.distinct_po_numbers, stats.duplicates) == (12, 12, 0)
    documents = sims.jaggaer.purchase_orders()
    assert all(set(document) == {"header", "lineList"} for document in documents)
    assert all(document["lineList"]["line"] for document in documents)

    again = run_purchase_orders(instance, hours_ago(4), hours_ago(3))
    assert (again.counts.posted, again.counts.skipped, again.counts.failed) == (0, 12, 0)
    assert sims.jaggaer.purchase_order_stats().writes == 12

    # A change is an UPDATE of the same document, poId under its header.
    changed = documents[0]["header"]
    sims.fusion.touch_purchase_order(int(changed["externalId"]), at=hours_ago(2) + timedelta(minutes=5))
    update = run_purchase_orders(instance, hours_ago(2), hours_ago(1))
    assert (update.counts.posted, update.counts.failed) == (1, 0)
    [after] = sims.jaggaer.purchase_orders(changed["poNumber"])
    assert after["header"]["poId"] == changed["poId"]
    assert after["header"]["erpLastUpdate"] != changed["erpLastUpdate"]

    # The orders' ledger is lost: every order is found again by its number under the listed documents' header.
    store.engine.dispose()
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM ledger WHERE entity = 'purchase_orders'")
    recovered = run_purchase_orders(instance, hours_ago(4), hours_ago(1))
    assert (recovered.counts.posted, recovered.counts.failed) == (12, 0)
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (12, 0)
