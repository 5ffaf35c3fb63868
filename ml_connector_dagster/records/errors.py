"""Errors every system's record format raises the same way, so the engine handles them alike."""


class InvalidRecord(Exception):
    """A source record that fails validation: quarantined with `reason`, which names record and field."""

    def __init__(self, record_key: str, reason: str) -> None:
        super().__init__(reason)
        self.record_key = record_key
        self.reason = reason


class NothingToWrite(Exception):
    """The record needs no document at the target; `reason` (read by a person) says why. Recorded as skipped."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WaitsOnTarget(Exception):
    """The target does not know something the record names yet (its purchase order, line, schedule or supplier):
    nothing was written, and the record waits in the pending queue until it appears. `waits_on` are tokens
    naming what it waits for (`po:<number>`, `supplier-number:<number>`)."""

    def __init__(self, reason: str, waits_on: tuple[str, ...]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.waits_on = waits_on
