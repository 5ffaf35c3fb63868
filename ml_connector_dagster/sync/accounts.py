"""The GL mapping applied: which JAGGAER cost center and GL value an ERP charge account posts to.

Explicit rows win; the rule covers the common case, but only where the values it derives are active in JAGGAER,
so an account the rule cannot place is unmapped (its records wait), never posted to a guessed value. A row that
names a value JAGGAER does not hold is a broken mapping: the blocking check stops the post for it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ml_connector_dagster.records import ChargeAccount, MappedAccount
from ml_connector_dagster.store import MappingRow, MappingRule, Store

# Fusion's ledger entities whose active values documents may reference in JAGGAER; another ERP's flows name theirs.
COST_CENTERS = "cost_centers"
GL_ACCOUNTS = "gl_accounts"


class Placement(StrEnum):
    ROW = "row"
    RULE = "rule"
    UNMAPPED = "unmapped"
    INACTIVE_TARGET = "inactive target"


@dataclass(frozen=True)
class AccountOutcome:
    placement: Placement
    mapped: MappedAccount | None = None
    problem: str | None = None  # for unmapped and inactive targets: what a person reads


class AccountResolver:
    def __init__(
        self,
        rows: Sequence[MappingRow],
        rule: MappingRule | None,
        active_cost_centers: set[str],
        active_gl_accounts: set[str],
    ) -> None:
        self._by_combination = {row.combination: row for row in rows if row.combination is not None}
        self._by_id = {row.code_combination_id: row for row in rows if row.code_combination_id is not None}
        self._rule = rule
        self._cost_centers = active_cost_centers
        self._gl_accounts = active_gl_accounts
        self._placed: dict[ChargeAccount, AccountOutcome] = {}

    @classmethod
    def load(
        cls,
        store: Store,
        source_system: str,
        target_system: str,
        cost_center_entity: str = COST_CENTERS,
        gl_entity: str = GL_ACCOUNTS,
    ) -> "AccountResolver":
        """The source ERP's rows and rule, checked against the values its ledger entities hold as active in the
        target."""
        ledger = store.ledger
        return cls(
            store.gl_mappings.rows(erp=source_system),
            store.gl_mappings.rule(erp=source_system),
            ledger.natural_keys_with_state(source_system, target_system, cost_center_entity, "active"),
            ledger.natural_keys_with_state(source_system, target_system, gl_entity, "active"),
        )

    def resolve(self, account: ChargeAccount) -> AccountOutcome:
        # A batch charges the same few accounts over and over: each is placed once.
        outcome = self._placed.get(account)
        if outcome is None:
            outcome = self._placed[account] = self._place(account)
        return outcome

    def _place(self, account: ChargeAccount) -> AccountOutcome:
        row = self._row(account)
        if row is not None:
            inactive = self._inactive(row.cost_center, row.gl_account)
            if inactive:
                return AccountOutcome(
                    Placement.INACTIVE_TARGET, problem=f"mapping row for {account.label} names {inactive}"
                )
            return AccountOutcome(Placement.ROW, MappedAccount(cost_center=row.cost_center, gl_account=row.gl_account))
        derived = self._by_rule(account)
        if derived is None:
            return AccountOutcome(Placement.UNMAPPED, problem=f"no GL mapping for {account.label}")
        inactive = self._inactive(derived.cost_center, derived.gl_account)
        if inactive:
            return AccountOutcome(
                Placement.UNMAPPED, problem=f"no GL mapping for {account.label} (the rule gives {inactive})"
            )
        return AccountOutcome(Placement.RULE, derived)

    def _row(self, account: ChargeAccount) -> MappingRow | None:
        if account.combination is not None and account.combination in self._by_combination:
            return self._by_combination[account.combination]
        if account.combination_id is not None:
            return self._by_id.get(account.combination_id)
        return None

    def _by_rule(self, account: ChargeAccount) -> MappedAccount | None:
        rule = self._rule
        if rule is None or not account.combination:
            return None
        segments = account.combination.split(rule.delimiter)
        cost_center = _segment(segments, rule.cost_center_segment)
        if rule.gl_account == "combination":
            gl_account: str | None = account.combination
        else:
            gl_account = _segment(segments, int(rule.gl_account.removeprefix("segment:")))
        if not cost_center or not gl_account:
            return None
        return MappedAccount(cost_center=cost_center, gl_account=gl_account)

    def _inactive(self, cost_center: str, gl_account: str) -> str | None:
        missing = []
        if cost_center not in self._cost_centers:
            missing.append(f"cost center {cost_center!r}")
        if gl_account not in self._gl_accounts:
            missing.append(f"GL value {gl_account!r}")
        if not missing:
            return None
        return f"{' and '.join(missing)}, not active in JAGGAER"


def _segment(segments: list[str], number: int) -> str | None:
    return segments[number - 1] if 0 < number <= len(segments) else None
