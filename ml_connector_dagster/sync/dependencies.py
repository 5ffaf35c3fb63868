"""What a transaction needs at the target before it may post: its supplier, and a GL mapping for every charge
account. A record whose needs are not met waits in the pending queue; it is never posted to a default."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel

from ml_connector_dagster.records import ChargeAccount, MappedAccount
from ml_connector_dagster.store import Store
from ml_connector_dagster.sync.accounts import COST_CENTERS, GL_ACCOUNTS, AccountOutcome, AccountResolver

R = TypeVar("R", bound=BaseModel)
# Fusion's suppliers flow; another ERP's flows name their own in `Needs`.
SUPPLIERS = "suppliers"


@dataclass(frozen=True)
class SupplierRef:
    """How a record names its supplier at the source: by the ERP's internal id or by supplier number."""

    by: Literal["id", "number"]
    value: str

    @property
    def token(self) -> str:
        return f"supplier-{self.by}:{self.value}"


@dataclass(frozen=True)
class Needs(Generic[R]):
    """Declared per flow: how to read a record's supplier and charge accounts, how to fill in what the
    target knows them by, and which of the source's ledger entities say what the target holds (the suppliers
    written there, the cost centers and GL values active there)."""

    supplier: Callable[[R], SupplierRef] | None
    accounts: Callable[[R], Sequence[ChargeAccount]] | None
    apply: Callable[[R, Mapping[ChargeAccount, MappedAccount], str], R]
    supplier_entity: str = SUPPLIERS
    cost_center_entity: str = COST_CENTERS
    gl_entity: str = GL_ACCOUNTS


@dataclass(frozen=True)
class Ready:
    record: BaseModel


@dataclass(frozen=True)
class Waiting:
    reason: str
    waits_on: tuple[str, ...]


def account_token(account: ChargeAccount) -> str:
    return f"account:{account.label}"


class SupplierDirectory:
    """Suppliers the connector has written to the target, by ERP id and by number: the cross-reference
    (SupplierId ↔ supplier number ↔ target id) is the suppliers flow's ledger."""

    def __init__(self, by_id: Mapping[str, str], by_number: set[str]) -> None:
        self._number_by_id = by_id
        self._numbers = by_number

    @classmethod
    def load(
        cls,
        store: Store,
        source_system: str,
        target_system: str,
        refs: Sequence[SupplierRef],
        entity: str = SUPPLIERS,
    ) -> "SupplierDirectory":
        ids = [ref.value for ref in refs if ref.by == "id"]
        numbers = [ref.value for ref in refs if ref.by == "number"]
        ledger = store.ledger
        by_id = {
            key: entry.natural_key
            for key, entry in ledger.get_many(source_system, target_system, entity, ids).items()
            if entry.target_id is not None and entry.natural_key is not None
        }
        by_number = {
            number
            for number, entry in ledger.by_natural_keys(source_system, target_system, entity, numbers).items()
            if entry.target_id is not None
        }
        return cls(by_id, by_number)

    def number_in_target(self, ref: SupplierRef) -> str | None:
        """The supplier number the target knows this supplier by, or None when it is not there yet."""
        if ref.by == "id":
            return self._number_by_id.get(ref.value)
        return ref.value if ref.value in self._numbers else None


class DependencyCheck(Generic[R]):
    """Decides, for a batch of records, which are ready to post (filled in) and which wait, and why."""

    def __init__(
        self, needs: Needs[R], record_type: type[R], store: Store, source_system: str, target_system: str
    ) -> None:
        self.needs = needs
        self.record_type = record_type
        self.store = store
        self.source_system = source_system
        self.target_system = target_system
        self._accounts: AccountResolver | None = None

    def refresh(self) -> None:
        """Re-reads the mapping and the values active at the target: once per batch, so a mapping imported
        while a long window posts is used from the next batch on."""
        if self.needs.accounts is not None:
            self._accounts = AccountResolver.load(
                self.store,
                self.source_system,
                self.target_system,
                cost_center_entity=self.needs.cost_center_entity,
                gl_entity=self.needs.gl_entity,
            )

    def decide(self, records: Sequence[R]) -> list[Ready | Waiting]:
        self.refresh()
        supplier_of = self.needs.supplier
        refs = [supplier_of(record) for record in records] if supplier_of else []
        directory = self._suppliers(refs)
        return [self._decide(record, directory, refs[i] if refs else None) for i, record in enumerate(records)]

    def _suppliers(self, refs: Sequence[SupplierRef]) -> SupplierDirectory:
        return SupplierDirectory.load(
            self.store, self.source_system, self.target_system, refs, entity=self.needs.supplier_entity
        )

    def _decide(self, record: R, directory: SupplierDirectory, ref: SupplierRef | None) -> Ready | Waiting:
        reasons: list[str] = []
        tokens: list[str] = []
        number = ""
        if ref is not None:
            found = directory.number_in_target(ref)
            if found is None:
                reasons.append(f"supplier {ref.value} is not in {self.target_system} yet")
                tokens.append(ref.token)
            else:
                number = found
        mapped: dict[ChargeAccount, MappedAccount] = {}
        if self.needs.accounts is not None and self._accounts is not None:
            for account in dict.fromkeys(self.needs.accounts(record)):
                outcome = self._accounts.resolve(account)
                if outcome.mapped is not None:
                    mapped[account] = outcome.mapped
                else:
                    reasons.append(outcome.problem or f"no GL mapping for {account.label}")
                    tokens.append(account_token(account))
        if reasons:
            return Waiting("waiting: " + "; ".join(reasons), tuple(tokens))
        return Ready(self.needs.apply(record, mapped, number))

    def account_outcomes(self, records: Sequence[R]) -> list[tuple[ChargeAccount, AccountOutcome]]:
        """Every charge account the records charge (repeats kept, so they can be counted) and its placement."""
        if self.needs.accounts is None:
            return []
        if self._accounts is None:
            self.refresh()
        resolver = self._accounts
        assert resolver is not None
        return [(account, resolver.resolve(account)) for record in records for account in self.needs.accounts(record)]

    def missing_suppliers(self, records: Sequence[R]) -> list[SupplierRef]:
        """The supplier of each record the target does not hold yet (repeats kept)."""
        supplier_of = self.needs.supplier
        if supplier_of is None:
            return []
        refs = [supplier_of(record) for record in records]
        directory = self._suppliers(refs)
        return [ref for ref in refs if directory.number_in_target(ref) is None]
