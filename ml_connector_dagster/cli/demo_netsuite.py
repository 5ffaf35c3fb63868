"""The NetSuite side of `ml-connector demo`: an account seeded beside Fusion, its retired account's bills that wait
for a mapping, and a vendor deleted and a bill voided in NetSuite between passes, which JAGGAER must follow."""

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.netsuite.charges import DELIMITER
from ml_connector_dagster.netsuite.simulator.seeding import RETIRED_ACCOUNT
from ml_connector_dagster.store import MappingRule, Store
from ml_connector_dagster.sync.report import SyncCounts

ERP = "netsuite"
# cost center = the department (segment 2), GL value = the account number (segment 5): see netsuite/charges.py.
NETSUITE_RULE = MappingRule(delimiter=DELIMITER, cost_center_segment=2, gl_account="segment:5")
# Where the demo's exception rows send lines of the retired account: Office Supplies.
REPLACEMENT_ACCOUNT = "6100"
_DEMO = "ml-connector demo"


@dataclass(frozen=True)
class NetSuiteSeed:
    vendors: int
    orders: int
    bills: int
    retired: int
    unused_vendor: int  # a vendor no transaction names: the one deleted between passes
    voided_bill: int
    voided_bill_number: str

    def line(self) -> str:
        return (
            f"seeded netsuite: {self.vendors} vendors, {self.orders} purchase orders, {self.bills} vendor bills "
            f"({self.retired} charged to retired account 6900), and the GL rule for NetSuite: cost center = "
            "department (segment 2), GL value = account (segment 5)"
        )


def seed_netsuite(
    sims: LocalSimulators, store: Store, orders: int, bills: int, retired: int, start: datetime, end: datetime
) -> NetSuiteSeed:
    netsuite = sims.netsuite
    store.gl_mappings.set_rule(NETSUITE_RULE, "demo", _DEMO, erp=ERP)
    netsuite.seed_reference(start - timedelta(days=30))
    vendors = netsuite.seed_vendors(25, start, end)
    netsuite.seed_purchase_orders(orders, start, end)
    seeded = netsuite.seed_vendor_bills(bills, start, end, lines=3)
    netsuite.seed_vendor_bills(retired, start, end, lines=2, accounts=[RETIRED_ACCOUNT], seed=11)
    unused = netsuite.seed_vendors(1, start, end, seed=13)
    return NetSuiteSeed(
        vendors=vendors.count + unused.count,
        orders=orders,
        bills=bills + retired,
        retired=retired,
        unused_vendor=unused.first_id,
        voided_bill=seeded.first_id,
        voided_bill_number=f"INV-{seeded.first_id}",
    )


def delete_and_void(sims: LocalSimulators, seed: NetSuiteSeed, end: datetime) -> str:
    """What NetSuite users do between passes: delete a vendor, void a bill (inside the synced windows)."""
    at = end - timedelta(seconds=1)
    sims.netsuite.delete_vendor(seed.unused_vendor, at)
    sims.netsuite.void_bill(seed.voided_bill, at)
    return (
        f"in netsuite: vendor {seed.unused_vendor} deleted and bill {seed.voided_bill_number} voided; the next pass "
        "deactivates and cancels them in JAGGAER"
    )


def missing_rows(store: Store) -> list[list[str]]:
    """Mapping rows for the NetSuite charges records wait on: the department stays, the retired account's lines
    go to the replacement account."""
    waiting = sorted(
        {
            token.removeprefix("account:")
            for entry in store.pending.list()
            if entry.ref.source_system == ERP
            for token in entry.waits_on
            if token.startswith("account:")
        }
    )
    rows = []
    for combination in waiting:
        department = combination.split(DELIMITER)[NETSUITE_RULE.cost_center_segment - 1]
        rows.append([combination, "", department, REPLACEMENT_ACCOUNT, "account 6900 retired: charge 6100"])
    return rows


def import_rows(store: Store, rows: list[list[str]], path: Path) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["combination", "code_combination_id", "cost_center", "gl_account", "note"])
    writer.writerows(rows)
    path.write_text(text.getvalue(), encoding="utf-8")
    store.gl_mappings.import_csv(text.getvalue(), "demo", f"import of {path.name}", erp=ERP)


def followed_in_jaggaer(sims: LocalSimulators, seed: NetSuiteSeed) -> list[str]:
    """What JAGGAER must show after the deletion and the void; the problems, if any."""
    problems = []
    number = f"V{seed.unused_vendor:05d}"
    companies = [c for c in sims.jaggaer.companies.collection.documents() if c.get("extCode") == number]
    if not companies or any(company.get("status") != "INACTIVE" for company in companies):
        problems.append(f"vendor {number}, deleted in NetSuite, is not inactive in JAGGAER")
    invoices = [
        i
        for i in sims.jaggaer.invoices.collection.documents()
        if i.get("supplierInvoiceNumber") == seed.voided_bill_number
    ]
    if not invoices or any(invoice.get("workflowStatus") != "Canceled" for invoice in invoices):
        problems.append(f"bill {seed.voided_bill_number}, voided in NetSuite, is not cancelled in JAGGAER")
    return problems


def netsuite_problems(first: SyncCounts, after: SyncCounts, seed: NetSuiteSeed) -> list[str]:
    """`first`, `after`: the vendor bills' counts in the first pass and the pass after the mapping import."""
    problems = []
    if first.pending != seed.retired:
        problems.append(f"{first.pending} NetSuite bills waited for a mapping, not the {seed.retired} seeded")
    if after.posted != seed.retired + 1:
        problems.append("the pass after the mapping import did not post every waiting bill and the voided one")
    return problems
