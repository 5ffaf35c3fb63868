"""The one retry policy: exponential backoff with jitter, honouring Retry-After."""

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from pydantic import BaseModel, Field

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class RetryPolicy(BaseModel):
    max_attempts: int = Field(default=6, ge=1)
    base_delay_seconds: float = Field(default=0.5, ge=0)
    max_delay_seconds: float = Field(default=60.0, ge=0)
    jitter: bool = True

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempts count from 1)."""
        if retry_after is not None:
            # The server said when; waiting less only earns another 429.
            return min(retry_after, self.max_delay_seconds)
        backoff = min(self.base_delay_seconds * 2 ** (attempt - 1), self.max_delay_seconds)
        return random.uniform(backoff / 2, backoff) if self.jitter else backoff


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
