"""Purchase orders by OrderNumber, as a write back to Fusion needs them: the POHeaderId, and per line whether it
is received by amount and the LineLocationId of each schedule. Many numbers per request, lines and schedules
expanded (the framework does not take `fields` with `expand`), each number asked once per batch."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ml_connector_dagster.fusion.client import FusionClient
from ml_connector_dagster.fusion.lookup import LookupCache, string_in
from ml_connector_dagster.fusion.resources import ChildCollection, WholeResource
from ml_connector_dagster.http.errors import RequestRejected

ORDERS = WholeResource("purchaseOrders", "POHeaderId")
LINES = (ChildCollection("lines", "POLineId", (ChildCollection("schedules", "LineLocationId"),)),)


@dataclass(frozen=True)
class OrderLine:
    # None: the pod does not say (it lacks the matching-basis attribute).
    by_amount: bool | None
    schedules: dict[int, int]  # ScheduleNumber → LineLocationId


@dataclass(frozen=True)
class OrderFacts:
    po_header_id: int
    order_number: str
    supplier_number: str | None
    lines: dict[int, OrderLine]  # LineNumber → line

    def schedule_id(self, line_number: int, schedule_number: int) -> int | None:
        line = self.lines.get(line_number)
        return None if line is None else line.schedules.get(schedule_number)

    def lacks(self, line_number: int, schedule_number: int) -> str | None:
        """What of line/schedule this order does not have, in words; None when it has both."""
        line = self.lines.get(line_number)
        if line is None:
            return f"purchase order {self.order_number} has no line {line_number} in Fusion"
        if schedule_number not in line.schedules:
            number = self.order_number
            return f"line {line_number} of purchase order {number} has no schedule {schedule_number} in Fusion"
        return None


class OrderLookup:
    def __init__(self, client: FusionClient) -> None:
        self._client = client
        connection = client.connection
        self._basis = connection.line_matching_basis_attribute
        self._amount = connection.amount_matching_basis.upper()
        self._cache: LookupCache[OrderFacts] = LookupCache(self._fetch, connection.lookup_batch_size)

    def orders(self, numbers: Sequence[str]) -> dict[str, OrderFacts]:
        """The orders Fusion holds, by OrderNumber; numbers it does not know are left out."""
        return self._cache.get_many(numbers)

    def new_batch(self) -> None:
        self._cache.clear()

    def _fetch(self, numbers: list[str]) -> dict[str, OrderFacts]:
        found: dict[str, OrderFacts] = {}
        for item in self._client.iter_matching(ORDERS, string_in("OrderNumber", numbers), LINES):
            facts = self._facts(item)
            # Oldest first: the first order of a number is the one kept.
            found.setdefault(facts.order_number, facts)
        return found

    def _facts(self, item: dict[str, Any]) -> OrderFacts:
        try:
            supplier_number = item.get("SupplierNumber")
            return OrderFacts(
                po_header_id=int(item["POHeaderId"]),
                order_number=str(item["OrderNumber"]),
                supplier_number=None if supplier_number is None else str(supplier_number),
                lines={int(line["LineNumber"]): self._line(line) for line in item["lines"]},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RequestRejected(
                "fusion", f"purchase order {item.get('OrderNumber')!r} came back without {exc}: cannot write against it"
            ) from None

    def _line(self, line: dict[str, Any]) -> OrderLine:
        basis = line.get(self._basis)
        return OrderLine(
            by_amount=None if basis is None else str(basis).upper() == self._amount,
            schedules={int(s["ScheduleNumber"]): int(s["LineLocationId"]) for s in line["schedules"]},
        )
