"""The pacer one connection's threads share: requests in flight (fewer after a 429), the write rate, a 429's pause
for everyone."""

import threading
import time

from ml_connector_dagster.http.pacing import RequestPacer


class Clock:
    """Time that moves only when someone sleeps, so the pacer's arithmetic is visible exactly."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(round(seconds, 6))
            self.now += seconds


def test_writes_are_spaced_by_the_rate_and_reads_are_not() -> None:
    clock = Clock()
    pacer = RequestPacer(4, write_rate_per_second=5, sleep=clock.sleep, clock=clock)
    for _ in range(3):
        with pacer.slot(write=False):
            pass
    assert clock.sleeps == []
    for _ in range(3):
        with pacer.slot(write=True):
            pass
    assert clock.sleeps == [0.2, 0.2]


def test_a_pause_holds_every_request_once_and_a_longer_one_extends_it() -> None:
    clock = Clock()
    pacer = RequestPacer(4, sleep=clock.sleep, clock=clock)
    pacer.pause(2.0)
    pacer.pause(1.0)  # a shorter pause never shortens one in force
    with pacer.slot(write=False):
        pass
    assert clock.sleeps == [2.0]
    with pacer.slot(write=True):
        pass
    assert clock.sleeps == [2.0], "the pause is over for everyone once waited out"


def peak_in_flight(pacer: RequestPacer, requests: int) -> int:
    """The most requests in flight at once when `requests` threads each hold a slot for 20 ms."""
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def request() -> None:
        nonlocal in_flight, peak
        with pacer.slot(write=False):
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.02)
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=request) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return peak


def test_no_more_requests_in_flight_than_allowed() -> None:
    assert peak_in_flight(RequestPacer(3), 12) == 3


def test_a_429_halves_the_requests_in_flight_once_per_crowd_and_answers_give_them_back() -> None:
    clock = Clock()
    pacer = RequestPacer(4, sleep=clock.sleep, clock=clock, recover_after_answers=3)
    with pacer.slot(write=False) as first, pacer.slot(write=False) as second:
        pass
    pacer.throttled(0.0, first)
    pacer.throttled(0.0, second)  # sent beside the first, into the same crowd: no second halving
    assert pacer.allowed_in_flight == 2
    with pacer.slot(write=False) as later:
        pass
    pacer.throttled(0.0, later)
    assert pacer.allowed_in_flight == 1
    with pacer.slot(write=False) as alone:
        pass
    pacer.throttled(0.0, alone)
    assert pacer.allowed_in_flight == 1, "never below one"
    for expected in (1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4):
        with pacer.slot(write=False):
            pass
        assert pacer.allowed_in_flight == expected
    assert pacer.max_concurrent_requests == 4


def test_after_a_429_the_threads_wait_for_the_fewer_slots() -> None:
    pacer = RequestPacer(4, recover_after_answers=1_000)
    with pacer.slot(write=False) as sent:
        pass
    pacer.throttled(0.0, sent)
    assert peak_in_flight(pacer, 8) == 2
