"""The pacer one connection's threads share: requests in flight, the write rate, a 429's pause for everyone."""

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


def test_no_more_requests_in_flight_than_allowed() -> None:
    pacer = RequestPacer(3)
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

    threads = [threading.Thread(target=request) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 3
