"""A sync window: a closed interval [start, end) of source change time."""

from datetime import datetime, timedelta
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator


class WindowNotSettled(Exception):
    """Reading a window before its settle lag has passed would miss late commits."""


class SyncWindow(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start >= self.end:
            raise ValueError(f"a sync window must start before it ends ({self.start} → {self.end})")
        return self

    def read_from(self, lookback: timedelta) -> datetime:
        """Re-reads `lookback` before the start: rows committed late, or stamped by a skewed clock."""
        return self.start - lookback

    def ensure_settled(self, now: datetime, settle_lag: timedelta) -> None:
        ready = self.end + settle_lag
        if now < ready:
            raise WindowNotSettled(
                f"window {self.label} can be read from {ready.isoformat()} (settle lag {settle_lag}); run it after that"
            )

    @property
    def label(self) -> str:
        return f"[{self.start.isoformat()}, {self.end.isoformat()})"
