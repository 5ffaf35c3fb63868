"""How fast one connection may talk: a cap on requests in flight, an optional write rate, and a shared pause.

One pacer per connection, shared by every worker thread of that connection: a 429 seen by one worker slows
all of them, because the server throttles the client, not the thread that happened to be told.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class RequestPacer:
    def __init__(
        self,
        max_concurrent_requests: int = 4,
        write_rate_per_second: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_concurrent_requests < 1:
            raise ValueError(f"max_concurrent_requests must be at least 1, got {max_concurrent_requests}")
        if write_rate_per_second is not None and write_rate_per_second <= 0:
            raise ValueError(f"write_rate_per_second must be positive, got {write_rate_per_second}")
        self.max_concurrent_requests = max_concurrent_requests
        self._in_flight = threading.BoundedSemaphore(max_concurrent_requests)
        self._write_interval = 1.0 / write_rate_per_second if write_rate_per_second else 0.0
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._next_write_at = 0.0

    @contextmanager
    def slot(self, write: bool) -> Iterator[None]:
        """Held while one request is on the wire."""
        self._wait_out_pause()
        if write and self._write_interval:
            self._wait_for_write_turn()
        with self._in_flight:
            yield

    def pause(self, seconds: float) -> None:
        """Nobody sends for `seconds` from now (a longer pause already in force stands)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _wait_out_pause(self) -> None:
        slept_through = 0.0
        while True:
            with self._lock:
                until = self._paused_until
                remaining = until - self._clock()
            # A pause is waited out once; only a newer, longer one makes this thread wait again.
            if remaining <= 0 or until == slept_through:
                return
            self._sleep(remaining)
            slept_through = until

    def _wait_for_write_turn(self) -> None:
        with self._lock:
            now = self._clock()
            turn = max(now, self._next_write_at)
            self._next_write_at = turn + self._write_interval
        if turn > now:
            self._sleep(turn - now)
