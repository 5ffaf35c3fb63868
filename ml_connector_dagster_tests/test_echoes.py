"""Echoes: an invoice the connector imported into JAGGAER from the ERP is listed by JAGGAER beside the
supplier-submitted ones; the JAGGAER → Fusion flow must not read it back (real HTTP to the simulator, a real
store)."""

from contextlib import closing
from datetime import timedelta

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.connections import jaggaer_client
from ml_connector_dagster.defs.flows.engine import new_pull
from ml_connector_dagster.flows import flow_named
from ml_connector_dagster.store import AuditStatus, SeenVersion, Store

from .conftest import hours_ago
from .test_jaggaer_sources import submitted

# What an import of an ERP invoice leaves: a freight line with its amount under a name the read shape does not
# use, so the echo would not even convert.
_IMPORTED_LINES = {
    "invoiceLine": [
        {"lineNumber": 1, "poNumber": "PO-1", "poLineNumber": 1, "quantity": 2, "unitPrice": 40},
        {"lineNumber": 2, "lineType": "Freight", "amount": "12.50"},
    ]
}


def test_an_invoice_the_erp_flow_wrote_is_skipped_by_the_flow_back_with_the_reason(
    store: Store, sims: LocalSimulators
) -> None:
    lo, hi = hours_ago(3), hours_ago(2)
    at = lo + timedelta(minutes=10)
    sims.jaggaer.add_invoice(submitted("FUS-INV-1", lineList=_IMPORTED_LINES), at=at)
    sims.jaggaer.add_invoice(submitted("SUPPLIER-INV-2"), at=at)
    # The Fusion → JAGGAER invoices flow wrote FUS-INV-1 (its ledger names it by natural key).
    seen = SeenVersion(source_key="300100", natural_key="S-1/FUS-INV-1", version=lo, payload_hash="h")
    store.ledger.record_seen("fusion", "jaggaer", "invoices", [seen])
    flow = flow_named("payables_invoices")

    with closing(jaggaer_client(store)) as client:
        report = new_pull(flow, store, flow.feed(client), "run-echo").run(lo, hi)

    counts = report.counts
    assert (counts.pulled, counts.staged, counts.skipped, counts.quarantined) == (2, 1, 1, 0)
    [staged] = store.staging.iter_between("jaggaer", "payables_invoices", lo, hi)
    assert [record.natural_key for record in staged] == ["S-1/SUPPLIER-INV-2"]
    [skipped] = store.audit.query(run_id="run-echo", status=AuditStatus.SKIPPED, limit=10)
    assert skipped.reason == "written to jaggaer by the connector's invoices flow from fusion: not read back"
