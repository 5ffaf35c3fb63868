"""What the blocking checks verify before a window's transactions post, as plain results the Dagster checks
(and `ml-connector mappings check`) report."""

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ml_connector_dagster.store import Store
from ml_connector_dagster.sync.accounts import Placement
from ml_connector_dagster.sync.dependencies import DependencyCheck

# Where the purchase orders read from the ERP are recorded: the outbound purchase-order flow's ledger (named
# with its connection, when there are several).
ORDERS = "purchase_orders"


class MappingFindings(BaseModel):
    """Distributions counted per charge account: unmapped ones make their records wait; mapping rows that name
    a value JAGGAER does not hold as active are a broken mapping."""

    records: int = 0
    distributions: int = 0
    unmapped: dict[str, int] = {}
    broken: dict[str, int] = {}

    @property
    def passed(self) -> bool:
        return not self.unmapped and not self.broken


class SupplierFindings(BaseModel):
    records: int = 0
    missing: dict[str, int] = {}  # supplier (id or number) → records naming it

    @property
    def passed(self) -> bool:
        return not self.missing


def check_mappings(check: DependencyCheck, store: Store, entity: str, lo: datetime, hi: datetime) -> MappingFindings:
    unmapped: Counter[str] = Counter()
    broken: Counter[str] = Counter()
    records = distributions = 0
    check.refresh()
    for batch in store.staging.iter_between(check.source_system, entity, lo, hi):
        parsed = [check.record_type.model_validate_json(staged.payload) for staged in batch]
        records += len(parsed)
        for account, outcome in check.account_outcomes(parsed):
            distributions += 1
            if outcome.placement is Placement.UNMAPPED:
                unmapped[account.label] += 1
            elif outcome.placement is Placement.INACTIVE_TARGET:
                broken[outcome.problem or account.label] += 1
    return MappingFindings(records=records, distributions=distributions, unmapped=dict(unmapped), broken=dict(broken))


def check_suppliers(check: DependencyCheck, store: Store, entity: str, lo: datetime, hi: datetime) -> SupplierFindings:
    missing: Counter[str] = Counter()
    records = 0
    for batch in store.staging.iter_between(check.source_system, entity, lo, hi):
        parsed = [check.record_type.model_validate_json(staged.payload) for staged in batch]
        records += len(parsed)
        missing.update(ref.value for ref in check.missing_suppliers(parsed))
    return SupplierFindings(records=records, missing=dict(missing))


class OrderFindings(BaseModel):
    records: int = 0
    unknown: dict[str, int] = {}  # PO number → records naming it

    @property
    def passed(self) -> bool:
        return not self.unknown


def check_orders(
    store: Store,
    source_system: str,
    entity: str,
    record_type: type[BaseModel],
    orders_named: Callable[[Any], Sequence[str]],
    lo: datetime,
    hi: datetime,
    orders_entity: str = ORDERS,
) -> OrderFindings:
    """The purchase order numbers the window's records name that the connector has never read from the ERP (the
    purchase-order flow's ledger): Fusion may still hold them, so their records are not held back here."""
    named: Counter[str] = Counter()
    records = 0
    for batch in store.staging.iter_between(source_system, entity, lo, hi):
        parsed = [record_type.model_validate_json(staged.payload) for staged in batch]
        records += len(parsed)
        for record in parsed:
            named.update(set(orders_named(record)))
    seen = store.ledger.by_natural_keys("fusion", "jaggaer", orders_entity, list(named))
    unknown = {number: count for number, count in named.items() if number not in seen}
    return OrderFindings(records=records, unknown=unknown)
