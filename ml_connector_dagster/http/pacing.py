"""How fast one connection may talk: a cap on requests in flight, an optional write rate, and a shared pause.

One pacer per connection, shared by every worker thread of that connection: a 429 seen by one worker slows
all of them, because the server throttles the client, not the thread that happened to be told.

The cap adapts to what the server allows (additive increase, multiplicative decrease, as TCP does). NetSuite's
limit is concurrent requests per account, shared with every other integration of that account, so the
configured cap can be more than the account grants at the moment: a 429 halves the requests allowed in
flight (never below one) and answers without one give them back one at a time, up to the configured cap.
Without that, workers that wake together from a shared pause collide again, and a request can lose every
retry to its own siblings.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Answers since the last 429 before one more request may be in flight again: a probe of the server's limit
# costs one 429 (one retry of one request), so it is kept rare.
RECOVER_AFTER_ANSWERS = 50


class RequestPacer:
    def __init__(
        self,
        max_concurrent_requests: int = 4,
        write_rate_per_second: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        recover_after_answers: int = RECOVER_AFTER_ANSWERS,
    ) -> None:
        if max_concurrent_requests < 1:
            raise ValueError(f"max_concurrent_requests must be at least 1, got {max_concurrent_requests}")
        if write_rate_per_second is not None and write_rate_per_second <= 0:
            raise ValueError(f"write_rate_per_second must be positive, got {write_rate_per_second}")
        self.max_concurrent_requests = max_concurrent_requests
        self._write_interval = 1.0 / write_rate_per_second if write_rate_per_second else 0.0
        self._sleep = sleep
        self._clock = clock
        self._recover_after = recover_after_answers
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._next_write_at = 0.0
        self._slots = threading.Condition()
        self._allowed = max_concurrent_requests
        self._in_flight = 0
        self._answered_since_throttle = 0
        # Bumped at every decrease: 429s for requests sent before it were answered to the old, larger number
        # in flight and must not halve the cap again.
        self._generation = 0

    @property
    def allowed_in_flight(self) -> int:
        """Requests allowed in flight now: the configured cap, or less after 429s."""
        with self._slots:
            return self._allowed

    @contextmanager
    def slot(self, write: bool) -> Iterator[int]:
        """Held while one request is on the wire; gives the generation to hand to `throttled` on a 429."""
        self._wait_out_pause()
        if write and self._write_interval:
            self._wait_for_write_turn()
        with self._slots:
            while self._in_flight >= self._allowed:
                self._slots.wait()
            self._in_flight += 1
            generation = self._generation
        try:
            yield generation
        finally:
            with self._slots:
                self._in_flight -= 1
                self._answered_since_throttle += 1
                if self._answered_since_throttle >= self._recover_after:
                    self._allowed = min(self._allowed + 1, self.max_concurrent_requests)
                    self._answered_since_throttle = 0
                self._slots.notify_all()

    def throttled(self, seconds: float, generation: int) -> None:
        """The server refused a request sent in `generation` with a 429: fewer in flight, and nobody sends for
        `seconds`."""
        with self._slots:
            if generation == self._generation and self._allowed > 1:
                self._allowed = max(1, self._allowed // 2)
                self._generation += 1
            self._answered_since_throttle = 0
        self.pause(seconds)

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
