"""Errors every system's record format raises the same way, so the engine handles them alike."""

from pydantic import ValidationError


class InvalidRecord(Exception):
    """A source record that fails validation: quarantined with `reason`, which names record and field."""

    def __init__(self, record_key: str, reason: str) -> None:
        super().__init__(reason)
        self.record_key = record_key
        self.reason = reason

    @classmethod
    def refused(cls, record_key: str, label: str, error: ValidationError) -> "InvalidRecord":
        """What a canonical record refused, every field named canonically (`lines[2].quantity`)."""
        problems = "; ".join(f"{field_path(e['loc'])}: {e['msg']}" for e in error.errors(include_url=False))
        return cls(record_key, f"{label}: {problems}")


def shortened(text: str, limit: int = 100) -> str:
    """Source text as a message quotes it: cut, so a huge value cannot bury the name of the field at fault."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def field_path(loc: tuple[int | str, ...]) -> str:
    """pydantic's ('lines', 2, 'quantity') as `lines[2].quantity`."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int) and parts:
            parts[-1] += f"[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts) or "record"


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
