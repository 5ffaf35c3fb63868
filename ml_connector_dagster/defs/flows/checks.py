"""Blocking checks on a window's transactions, run after the reference data and suppliers of the same run
have posted and before the transactions post.

Records that would only wait (an account with no mapping, a supplier not in JAGGAER yet) fail the check with
WARN severity: they go to the pending queue while the rest of the window posts, as design rule 5 asks. A
mapping row that names a value JAGGAER does not hold as active is a broken mapping and fails with ERROR, which
stops the post of that run (`waiting_blocks_post` makes waiting records stop it too).
"""

import warnings
from collections.abc import Callable

import dagster as dg

from ml_connector_dagster.defs.flows.assets import post_key, pull_key
from ml_connector_dagster.defs.flows.engine import dependency_check, opened_store
from ml_connector_dagster.defs.partitions import SYNC_WINDOWS, window_of
from ml_connector_dagster.flows import Flow, flow_named
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.store import Store
from ml_connector_dagster.sync.checks import ORDERS, check_mappings, check_orders, check_suppliers
from ml_connector_dagster.sync.dependencies import DependencyCheck
from ml_connector_dagster.sync.window import SyncWindow

_LISTED = 50
# A partitioned check is what keeps a check from loading every partition of its asset (Dagster 1.13 marks it
# preview); the warning would otherwise be printed by every process that loads the code location.
warnings.filterwarnings(
    "ignore", message="Specifying a partitions_def on an AssetCheckSpec", category=dg.PreviewWarning
)


def _counts_table(counts: dict[str, int], what: str, counted: str = "distributions") -> dg.MetadataValue:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:_LISTED]
    lines = [f"| {what} | {counted} |", "|---|---|", *(f"| {name} | {count} |" for name, count in ordered)]
    return dg.MetadataValue.md("\n".join(lines))


def flow_checks(flow: Flow) -> list[dg.AssetChecksDefinition]:
    checks: list[dg.AssetChecksDefinition] = []
    if flow.checks_accounts:
        description = (
            f"Every distribution of the window's {flow.entity} maps to a cost center and GL value active in "
            "JAGGAER. Unmapped accounts (records wait) warn; mapping rows naming inactive or unknown values fail "
            "and stop the post."
        )
        checks.append(_blocking_check(flow, "gl_mapping", description, _mapping_result))
    if flow.checks_suppliers:
        description = (
            f"Every supplier the window's {flow.entity} name exists in JAGGAER (posted by the suppliers flow). "
            "Records naming a missing one wait in the pending queue."
        )
        checks.append(_blocking_check(flow, "suppliers_in_jaggaer", description, _supplier_result))
    if flow.orders_named is not None:
        checks.append(_orders_check(flow))
    return checks


def _orders_check(flow: Flow) -> dg.AssetChecksDefinition:
    orders_named = flow.orders_named
    assert orders_named is not None

    @dg.asset_check(
        asset=pull_key(flow),
        name="orders_known",
        partitions_def=SYNC_WINDOWS,
        # After the orders of the same run are recorded, when the run moves them too.
        additional_deps=[post_key(flow_named(flow.sibling(ORDERS)))],
        required_resource_keys={"store"},
        description=f"Every purchase order the window's {flow.entity} name is one the connector has read from "
        "Fusion. Never blocks: a record naming an order Fusion does not hold waits in the pending queue when it "
        "posts; this warns early, listing the orders.",
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        window = window_of(context)
        lo = window.read_from(ConnectorSettings().lookback)
        with opened_store(context) as store:
            found = check_orders(
                store, flow.source, flow.entity, flow.record_type, orders_named, lo, window.end, flow.sibling(ORDERS)
            )
        metadata: dict[str, dg.MetadataValue] = {
            "records": dg.MetadataValue.int(found.records),
            "unknown_orders": dg.MetadataValue.int(len(found.unknown)),
        }
        if found.unknown:
            metadata["unknown"] = _counts_table(found.unknown, "purchase order", "records")
        return dg.AssetCheckResult(passed=found.passed, severity=dg.AssetCheckSeverity.WARN, metadata=metadata)

    return _check


Evaluate = Callable[[DependencyCheck, Store, Flow, SyncWindow, ConnectorSettings], dg.AssetCheckResult]


def _blocking_check(flow: Flow, name: str, description: str, evaluate: Evaluate) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=pull_key(flow),
        name=name,
        blocking=True,
        partitions_def=SYNC_WINDOWS,
        additional_deps=[post_key(flow_named(entity)) for entity in flow.after],
        required_resource_keys={"store"},
        description=description,
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        settings = ConnectorSettings()
        with opened_store(context) as store:
            check = dependency_check(flow, store)
            assert check is not None, "checks are built only for flows with needs"
            return evaluate(check, store, flow, window_of(context), settings)

    return _check


def _mapping_result(
    check: DependencyCheck, store: Store, flow: Flow, window: SyncWindow, settings: ConnectorSettings
) -> dg.AssetCheckResult:
    found = check_mappings(check, store, flow.entity, window.read_from(settings.lookback), window.end)
    blocking = bool(found.broken) or (bool(found.unmapped) and settings.waiting_blocks_post)
    metadata: dict[str, dg.MetadataValue] = {
        "records": dg.MetadataValue.int(found.records),
        "distributions": dg.MetadataValue.int(found.distributions),
        "unmapped_accounts": dg.MetadataValue.int(len(found.unmapped)),
        "broken_mappings": dg.MetadataValue.int(len(found.broken)),
    }
    if found.unmapped:
        metadata["unmapped"] = _counts_table(found.unmapped, "charge account")
    if found.broken:
        metadata["broken"] = _counts_table(found.broken, "mapping problem")
    return dg.AssetCheckResult(
        passed=found.passed,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=None if found.passed else _advice(found.unmapped, found.broken),
    )


def _supplier_result(
    check: DependencyCheck, store: Store, flow: Flow, window: SyncWindow, settings: ConnectorSettings
) -> dg.AssetCheckResult:
    found = check_suppliers(check, store, flow.entity, window.read_from(settings.lookback), window.end)
    metadata: dict[str, dg.MetadataValue] = {
        "records": dg.MetadataValue.int(found.records),
        "missing_suppliers": dg.MetadataValue.int(len(found.missing)),
    }
    if found.missing:
        metadata["missing"] = _counts_table(found.missing, "supplier")
    blocking = bool(found.missing) and settings.waiting_blocks_post
    return dg.AssetCheckResult(
        passed=found.passed,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def _advice(unmapped: dict[str, int], broken: dict[str, int]) -> str:
    parts = []
    if broken:
        parts.append(
            f"{len(broken)} mapping row(s) name values JAGGAER does not hold as active: fix them with "
            "`ml-connector mappings import`, then re-run the window"
        )
    if unmapped:
        parts.append(
            f"{len(unmapped)} charge account(s) have no mapping; their records wait in the pending queue until "
            "`ml-connector mappings import` adds rows"
        )
    return "; ".join(parts)
