"""Reading Fusion windows as a pod really behaves: edits during the read, paged children, other attribute names."""

import json

import dagster as dg
import httpx
import pytest

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.connections import fusion_client
from ml_connector_dagster.http.errors import CheckFailed
from ml_connector_dagster.store import AuditStatus, Store

from .conftest import PULL_ASSET, hours_ago, run_purchase_orders


def set_profile(store: Store, system: str, **settings: str) -> None:
    """Changes a stored profile the way `credentials set` does: every setting as text."""
    stored = store.vault.get(system, "default")
    assert stored is not None
    store.vault.put(system, "default", {**stored.settings, **settings}, stored.secrets)


def fusion_requests(sims: LocalSimulators) -> int:
    return int(httpx.get(f"{sims.fusion_url}/__sim__/stats").json()["requests"])


def pull_metadata(instance: dg.DagsterInstance) -> dict[str, object]:
    event = instance.get_latest_materialization_event(PULL_ASSET)
    assert event is not None and event.asset_materialization is not None
    return {key: value.value for key, value in event.asset_materialization.metadata.items()}


def fusion(sims: LocalSimulators) -> httpx.Client:
    """The pod asked directly, as a person checking it would (a local user, framework version 6)."""
    return httpx.Client(
        base_url=f"{sims.fusion_url}/fscmRestApi/resources/11.13.18.05",
        auth=("integration.user", "Welcome1"),
        headers={"REST-Framework-Version": "6"},
    )


def fusion_count(sims: LocalSimulators, q: str) -> int:
    answer = fusion(sims).get("purchaseOrders", params={"q": q, "limit": 1, "totalResults": "true"})
    return int(answer.raise_for_status().json()["totalResults"])


def fusion_line_count(sims: LocalSimulators, po_header_id: str) -> int:
    """How many lines the pod holds for one order."""
    client = fusion(sims)
    found = client.get("purchaseOrders", params={"finder": f"PrimaryKey;POHeaderId={po_header_id}"})
    [order] = found.json()["items"]
    lines = next(link["href"] for link in order["links"] if link["name"] == "lines")
    return int(client.get(lines, params={"limit": 1, "totalResults": "true"}).json()["totalResults"])


@pytest.mark.parametrize("keyset_form", ["nested", "flat"])
def test_every_order_is_pulled_while_orders_are_edited_during_the_read(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance, keyset_form: str
) -> None:
    sims.fusion.seed_purchase_orders(1200, hours_ago(3), hours_ago(2))
    # Small pages and three edits after each: offset paging would skip three rows a page here.
    set_profile(store, "fusion", keyset_form=keyset_form, expanded_page_size="100")
    sims.fusion.settings.edits_during_read = 3

    result = run_purchase_orders(instance, hours_ago(3), hours_ago(2))

    assert result.success, result.failure
    assert (result.counts.pulled, result.counts.posted, result.counts.failed) == (1200, 1200, 0)
    stats = sims.jaggaer.purchase_order_stats()
    assert (stats.stored, stats.duplicates) == (1200, 0)
    # The edited orders left the window mid-read (their new versions belong to the current window).
    assert fusion_count(sims, f"LastUpdateDate >= '{hours_ago(2).isoformat()}'") >= 30


def test_children_come_with_their_headers_in_a_tenth_of_a_request_per_order(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(1000, hours_ago(3), hours_ago(2))
    before = fusion_requests(sims)

    result = run_purchase_orders(instance, hours_ago(3), hours_ago(2))

    assert result.success and result.counts.posted == 1000
    pull_requests = fusion_requests(sims) - before
    assert pull_requests / 1000 <= 0.1, f"{pull_requests} Fusion requests for 1,000 orders"
    document = sims.jaggaer.purchase_orders()[0]
    lines = document["poLineList"]["poLine"]
    assert len(lines) == fusion_line_count(sims, document["externalId"])
    assert all(line["unitPrice"] is not None for line in lines), "the documented Price attribute was read"
    schedules = lines[0]["scheduleList"]["schedule"]
    assert schedules and schedules[0]["splittableFieldSetGroupList"]["splittableFieldSetGroup"]


def test_a_child_collection_longer_than_its_expanded_page_is_read_whole(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(12, hours_ago(3), hours_ago(2), max_lines=40)

    result = run_purchase_orders(instance, hours_ago(3), hours_ago(2))

    assert result.success and result.counts.posted == 12
    documents = sims.jaggaer.purchase_orders()
    counts = {d["externalId"]: len(d["poLineList"]["poLine"]) for d in documents}
    assert max(counts.values()) > 25, "some orders have more lines than one expanded page holds"
    for po_header_id, count in counts.items():
        assert count == fusion_line_count(sims, po_header_id)


def test_children_read_per_order_when_expand_is_switched_off(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(30, hours_ago(3), hours_ago(2), max_lines=30)
    set_profile(store, "fusion", children="links", page_size="10")

    result = run_purchase_orders(instance, hours_ago(3), hours_ago(2))

    assert result.success and result.counts.posted == 30
    for document in sims.jaggaer.purchase_orders():
        assert len(document["poLineList"]["poLine"]) == fusion_line_count(sims, document["externalId"])


def test_an_optional_attribute_the_pod_lacks_is_counted_not_silently_null(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(20, hours_ago(3), hours_ago(2))
    sims.fusion.settings.missing_attributes = {"lines": ["Price"]}

    result = run_purchase_orders(instance, hours_ago(3), hours_ago(2))

    assert result.success and result.counts.posted == 20
    line_total = sum(len(d["poLineList"]["poLine"]) for d in sims.jaggaer.purchase_orders())
    assert pull_metadata(instance)["missing"] == f"Price on {line_total:,} lines"
    warnings = [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if entry.level >= 30 and "did not send" in entry.user_message
    ]
    assert len(warnings) == 1 and "Price on" in warnings[0]


def test_a_required_attribute_the_pod_lacks_quarantines_naming_it(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(5, hours_ago(3), hours_ago(2))
    sims.fusion.settings.missing_attributes = {"lines": ["Description"]}

    result = run_purchase_orders(instance, hours_ago(3), hours_ago(2))

    assert result.success and (result.counts.quarantined, result.counts.posted) == (5, 0)
    for row in store.audit.query(run_id=result.run_id, status=AuditStatus.QUARANTINED):
        assert row.reason and "lines[LineNumber 1].Description is missing (the pod did not send it)" in row.reason


def test_a_pod_that_names_an_attribute_differently_is_described_in_the_profile(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(5, hours_ago(3), hours_ago(2))
    sims.fusion.settings.renamed_attributes = {"lines": {"Price": "UnitPrice"}}
    set_profile(store, "fusion", attribute_names=json.dumps({"lines.Price": "UnitPrice"}))

    result = run_purchase_orders(instance, hours_ago(3), hours_ago(2))

    assert result.success and result.counts.posted == 5
    assert "missing" not in pull_metadata(instance)
    for document in sims.jaggaer.purchase_orders():
        assert all(line["unitPrice"] is not None for line in document["poLineList"]["poLine"])


def test_ping_checks_the_pods_attributes_and_the_keyset_form(store: Store, sims: LocalSimulators) -> None:
    sims.fusion.seed_purchase_orders(5, hours_ago(30), hours_ago(2))
    lines = fusion_client(store).ping()
    assert "keyset form 'nested' works" in " ".join(lines)

    sims.fusion.settings.missing_attributes = {"lines": ["Price", "Description"]}
    with pytest.raises(CheckFailed) as found:
        fusion_client(store).ping()
    assert "lines.Description is not on this pod" in str(found.value)
    assert "Price" not in str(found.value), "an optional attribute is a warning, not a failure"

    sims.fusion.settings.missing_attributes = {}
    sims.fusion.settings.last_update_date_queryable = False
    with pytest.raises(CheckFailed, match="purchaseOrders.LastUpdateDate is not queryable"):
        fusion_client(store).ping()


def test_an_order_whose_children_the_pod_refuses_is_quarantined_and_its_window_completes(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance
) -> None:
    sims.fusion.seed_purchase_orders(12, hours_ago(3), hours_ago(2), max_lines=40)
    orders = fusion(sims).get("purchaseOrders", params={"limit": 50, "onlyData": "true"}).json()["items"]
    long_orders = {str(o["POHeaderId"]) for o in orders if fusion_line_count(sims, str(o["POHeaderId"])) > 25}
    assert long_orders, "some orders need their lines read beyond the expanded page"
    # The pod refuses every read of a lines collection: only orders with more lines than one page need one.
    refuse = {"status": 400, "times": 1000, "method": "GET", "path_contains": "/child/lines"}
    httpx.put(f"{sims.fusion_url}/__sim__/faults", json={"rules": [refuse]}).raise_for_status()

    result = run_purchase_orders(instance, hours_ago(3), hours_ago(2))

    assert result.success, result.failure
    assert (result.counts.quarantined, result.counts.posted) == (len(long_orders), 12 - len(long_orders))
    quarantined = store.audit.query(run_id=result.run_id, status=AuditStatus.QUARANTINED)
    assert {row.record_key for row in quarantined} == long_orders
    for row in quarantined:
        assert row.reason and "could not be read" in row.reason and "(400)" in row.reason
