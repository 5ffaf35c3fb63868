"""The soak's world: the three simulators (in this process, on loopback), records seeded over the soak's range,
the store and Dagster instance the runs share, and the check of what reached the targets against the sources."""

import logging
import os
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg2

from ml_connector_dagster.cli.demo import DEMO_RULE
from ml_connector_dagster.cli.demo_inbound import _SUPPLIER_NUMBERS, _invoice, _receipt_line
from ml_connector_dagster.cli.demo_netsuite import ERP as NETSUITE_ERP
from ml_connector_dagster.cli.demo_netsuite import NETSUITE_RULE
from ml_connector_dagster.cli.simulators import LocalSimulators, running_simulators
from ml_connector_dagster.defs.partitions import PARTITION_FORMAT
from ml_connector_dagster.jaggaer.simulator import JaggaerSimSettings
from ml_connector_dagster.store import MASTER_KEY_ENV, MasterKeys, Store, generate_key

_SOAK = "ml-connector soak"
_SOAK_DATABASE = "mlc_soak"
# Small pages, so the rows the simulators edit after each page shift what a later page would read.
_PAGE_SIZES = {"fusion": {"expanded_page_size": "20", "page_size": "20"}, "jaggaer": {"page_size": "10"}}


@dataclass(frozen=True)
class Volumes:
    """Records seeded over the whole range, per source entity."""

    fusion_orders: int
    fusion_invoices: int
    fusion_suppliers: int
    inbound: int  # each of JAGGAER receipts, acknowledgments and supplier invoices
    netsuite_vendors: int
    netsuite_orders: int
    netsuite_bills: int


@dataclass
class Seeded:
    fusion_invoices: int = 0  # their numbers are the pod's to choose: checked by count
    receipts: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # order numbers
    supplier_invoices: list[str] = field(default_factory=list)
    netsuite_vendors: list[str] = field(default_factory=list)
    netsuite_orders: list[str] = field(default_factory=list)
    netsuite_bills: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EntityCheck:
    """What one entity's target holds against its source: `records` at the source (latest versions);
    `not_due`: changed in a window that has not settled yet (no run may read it), so only checked present."""

    entity: str
    records: int
    lost: int
    duplicated: int
    stale: int
    not_due: int = 0
    examples: tuple[str, ...] = ()


def _instance_storage(admin_url: str | None) -> str:
    """PostgreSQL storage in a database of the soak's own, created afresh: a single-run backfill logs one
    materialization per window and asset, which SQLite's event log writes ten times slower. SQLite when no
    server answers."""
    if admin_url is None:
        return ""
    try:
        connection = psycopg2.connect(admin_url, connect_timeout=5)
    except psycopg2.Error:
        print(f"no PostgreSQL at {admin_url}: the soak's Dagster instance uses SQLite (slower)", file=sys.stderr)
        return ""
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {_SOAK_DATABASE} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {_SOAK_DATABASE}")
    connection.close()
    url = admin_url.rsplit("/", 1)[0] + f"/{_SOAK_DATABASE}"
    return f"storage:\n  postgres:\n    postgres_url: {url.replace('postgresql://', 'postgresql+psycopg2://', 1)}\n"


def soak_environment(home: Path, start: datetime, postgres_admin_url: str | None) -> dict[str, str]:
    """What every `ml-connector sync` of the soak runs with: its own store, instance, key and first window;
    pending records looked at again on the next run."""
    (home / "dagster").mkdir(parents=True, exist_ok=True)
    storage = _instance_storage(postgres_admin_url)
    (home / "dagster" / "dagster.yaml").write_text(f"telemetry:\n  enabled: false\n{storage}")
    return {
        **os.environ,
        "ML_CONNECTOR_DATABASE_URL": f"sqlite:///{home / 'connector.db'}",
        MASTER_KEY_ENV: generate_key(),
        "DAGSTER_HOME": str(home / "dagster"),
        "ML_CONNECTOR_PARTITION_START": start.strftime(PARTITION_FORMAT),
        "ML_CONNECTOR_PENDING_FIRST_DELAY_SECONDS": "1",
        "ML_CONNECTOR_PENDING_BACKOFF_FACTOR": "1",
        "NO_COLOR": "1",
        # One planned event per asset for a run's windows, not one per window and asset: halves what Dagster
        # writes per window. Dagster's trade-off: a failed run's windows are not marked failed in its UI; the soak
        # judges the targets, never that status.
        "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true",
    }


@contextmanager
def simulators() -> Iterator[LocalSimulators]:
    """Fusion, JAGGAER and NetSuite on loopback; JAGGAER edits one document after each list page it serves.
    uvicorn's traceback for each dropped connection is silenced: the drops are the faults, counted apart."""
    logging.getLogger("uvicorn.error").addFilter(lambda record: "Exception in ASGI application" not in str(record.msg))
    with running_simulators(jaggaer_settings=JaggaerSimSettings(edits_during_read=1)) as sims:
        yield sims


def prepare_store(sims: LocalSimulators, env: dict[str, str]) -> None:
    """Credentials pointing at the simulators (small pages), and the GL rules the demo uses for both ERPs."""
    store = Store.open(env["ML_CONNECTOR_DATABASE_URL"], MasterKeys.from_env_value(env[MASTER_KEY_ENV]))
    try:
        sims.store_credentials(store)
        for system, sizes in _PAGE_SIZES.items():
            stored = store.vault.get(system, "default")
            assert stored is not None
            store.vault.put(system, "default", {**stored.settings, **sizes}, stored.secrets)
        store.gl_mappings.set_rule(DEMO_RULE, "soak", _SOAK)
        store.gl_mappings.set_rule(NETSUITE_RULE, "soak", _SOAK, erp=NETSUITE_ERP)
    finally:
        store.close()


def seed(sims: LocalSimulators, volumes: Volumes, start: datetime, end: datetime, rng: random.Random) -> Seeded:
    """Every source's records spread over [start, end). What others name (base suppliers, vendors) is stamped in
    the first hour, so documents wait on nothing the soak does not sync first."""
    first_hour = start + timedelta(hours=1)
    fusion, netsuite = sims.fusion, sims.netsuite
    fusion.seed_suppliers(0, start, first_hour)
    fusion.seed_suppliers(volumes.fusion_suppliers, start, end)
    fusion.seed_purchase_orders(volumes.fusion_orders, start, end)
    invoices = fusion.seed_invoices(volumes.fusion_invoices, start, end)
    netsuite.seed_reference(start - timedelta(days=30))
    vendors = netsuite.seed_vendors(volumes.netsuite_vendors, start, first_hour)
    orders = netsuite.seed_purchase_orders(volumes.netsuite_orders, start, end)
    bills = netsuite.seed_vendor_bills(volumes.netsuite_bills, start, end, lines=3)
    seeded = Seeded(
        fusion_invoices=invoices.created,
        netsuite_vendors=[f"V{i:05d}" for i in range(vendors.first_id, vendors.last_id + 1)],
        netsuite_orders=[f"PO{i}" for i in range(orders.first_id, orders.last_id + 1)],
        netsuite_bills=[f"INV-{i}" for i in range(bills.first_id, bills.last_id + 1)],
    )
    _seed_inbound(sims, volumes.inbound, end, rng, seeded)
    return seeded


def _seed_inbound(sims: LocalSimulators, count: int, end: datetime, rng: random.Random, seeded: Seeded) -> None:
    """Receipts, acknowledgments and supplier invoices in JAGGAER against Fusion's orders, each changed a few hours
    to a day after its order (so the order is read first), each schedule received or invoiced once."""
    orders = [sims.fusion.order(number) for number in sims.fusion.order_numbers()]
    valid = [o for o in orders if o is not None and o.get("SupplierId") in _SUPPLIER_NUMBERS]
    schedules = [
        (order, line, schedule)
        for order in valid
        for line in order.get("lines", [])
        if line.get("MatchingBasis") == "QUANTITY"
        for schedule in line.get("schedules", [])[:1]
    ]
    rng.shuffle(schedules)
    if len(schedules) < 2 * count or len(valid) < count:
        raise SystemExit(f"the soak needs {2 * count} quantity schedules and {count} orders; Fusion holds fewer")

    def after(order: dict[str, Any]) -> datetime:
        changed = datetime.fromisoformat(str(order["LastUpdateDate"]))
        return min(changed + timedelta(hours=rng.uniform(2, 24)), end - timedelta(seconds=1))

    jaggaer = sims.jaggaer
    for position, (order, line, schedule) in enumerate(schedules[:count]):
        number = f"SOAK-RC-{position + 1:05d}"
        jaggaer.add_receipt(number, None, [_receipt_line(order, line, schedule, schedule["Quantity"])], at=after(order))
        seeded.receipts.append(number)
    for position, (order, line, schedule) in enumerate(schedules[count : 2 * count]):
        number = f"SOAK-SINV-{position + 1:05d}"
        day = datetime.fromisoformat(str(order["LastUpdateDate"])).date()
        jaggaer.add_invoice(_invoice(order, line, schedule, number, day), at=after(order))
        seeded.supplier_invoices.append(number)
    for order in rng.sample(valid, count):
        answers = [
            {"po_line_number": ln["LineNumber"], "po_schedule_number": s["ScheduleNumber"], "status": "Accepted"}
            for ln in order.get("lines", [])
            for s in ln.get("schedules", [])
        ]
        jaggaer.add_acknowledgment(order["OrderNumber"], "Accepted", "soak", answers, at=after(order))
        seeded.acknowledged.append(order["OrderNumber"])


def _changed_at(value: object) -> datetime:
    return datetime.fromisoformat(str(value)).astimezone(UTC)


def _check(entity: str, expected: list[str], held: list[str], duplicates: int) -> EntityCheck:
    present = set(held)
    missing = [key for key in expected if key not in present]
    return EntityCheck(entity, len(expected), len(missing), duplicates, 0, examples=tuple(missing[:3]))


def _counted(entity: str, expected: int, held: list[str], stats: Any) -> EntityCheck:
    return EntityCheck(entity, expected, max(expected - len(set(held)), 0), stats.duplicates, 0)


def verify(sims: LocalSimulators, seeded: Seeded, settled: datetime) -> list[EntityCheck]:
    """Per entity: lost (at the source, not at the target), duplicated (the targets' own duplicate counts), stale
    (the target holds an older version than the source's latest, for a version whose window has settled)."""
    fusion, jaggaer = sims.fusion, sims.jaggaer
    po_stats, collections = jaggaer.purchase_order_stats(), jaggaer.collection_stats()
    documents = jaggaer.purchase_orders()
    by_number = {str(d.get("poNumber") or _header(d).get("poNumber")): d for d in documents}
    companies = [str(c.get("extCode")) for c in jaggaer.companies.collection.documents()]
    invoices = [str(i.get("supplierInvoiceNumber")) for i in jaggaer.invoices.collection.documents()]
    written = fusion.written_stats()
    checks = [_fusion_orders(fusion.order_numbers(), fusion, by_number, po_stats.duplicates, settled)]
    checks += [
        _counted("invoices", seeded.fusion_invoices, [n for n in invoices if "-INV-" in n], collections["invoices"]),
        _check("suppliers", fusion.supplier_numbers(), companies, collections["suppliers"].duplicates),
        _check("netsuite_vendors", seeded.netsuite_vendors, companies, 0),
        _check("netsuite_purchase_orders", seeded.netsuite_orders, list(by_number), 0),
        _check("netsuite_vendor_bills", seeded.netsuite_bills, invoices, 0),
        _check(
            "receipts",
            seeded.receipts,
            [str(r.get("ShipmentNumber")) for r in fusion.receipt_requests() if r.get("ReturnStatus") == "SUCCESS"],
            written["receivingReceiptRequests"].duplicates,
        ),
        _check(
            "acknowledgments",
            seeded.acknowledged,
            [n for n in seeded.acknowledged if _acknowledged(fusion, n)],
            written["purchaseOrderAcknowledgments"].duplicates,
        ),
        _check(
            "payables_invoices",
            seeded.supplier_invoices,
            [str(i.get("InvoiceNumber")) for i in fusion.written_invoices()],
            written["invoices"].duplicates,
        ),
    ]
    return checks


def _header(document: dict[str, Any]) -> dict[str, Any]:
    header = document.get("header")
    return header if isinstance(header, dict) else {}


def _acknowledged(fusion: Any, order_number: str) -> bool:
    order = fusion.order(order_number)
    if order is None:
        return False
    answer = fusion.acknowledgment(int(order["POHeaderId"]))
    return answer is not None and answer.get("AcknowledgmentResponse") is not None


def _found(document: Any, member: str) -> list[Any]:
    """The values of `member` anywhere in a document, whatever its shape (`document_shape` may wrap the header)."""
    if isinstance(document, dict):
        here = [document[member]] if member in document else []
        return here + [found for value in document.values() for found in _found(value, member)]
    if isinstance(document, list):
        return [found for value in document for found in _found(value, member)]
    return []


def _ordered(lines: list[Any], member: str) -> Decimal:
    return sum((Decimal(str(line.get(member) or 0)) for line in lines if isinstance(line, dict)), Decimal(0))


def _fusion_orders(
    numbers: list[str], fusion: Any, by_number: dict[str, dict[str, Any]], duplicates: int, settled: datetime
) -> EntityCheck:
    """Fusion's edits add one unit to an order's first line: a JAGGAER document whose lines order less than the
    source's latest version holds an older version."""
    lost, stale, not_due, examples = 0, 0, 0, []
    for number in numbers:
        order = fusion.order(number)
        document = by_number.get(number)
        if order is None:
            continue
        if document is None:
            lost += 1
            examples.append(f"{number} missing")
        elif _changed_at(order["LastUpdateDate"]) >= settled:
            not_due += 1
        else:
            target_lines = [line for found in _found(document, "poLine") for line in found]
            if _ordered(order.get("lines", []), "Quantity") != _ordered(target_lines, "quantity"):
                stale += 1
                examples.append(f"{number} stale")
    return EntityCheck("purchase_orders", len(numbers), lost, duplicates, stale, not_due, tuple(examples[:3]))
