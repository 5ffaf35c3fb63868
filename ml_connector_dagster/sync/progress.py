"""How far a pull or a post has come, for whoever watches the process (the CLI's progress display).

The engine reports after every batch; it does not know who listens, or whether anyone does. Listeners are
per process: a run the CLI executes in its own process (Dagster's in-process executor) reports to it, a run on
a deployment's run workers to nobody.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class ProgressListener(Protocol):
    def advanced(self, system: str, entity: str, phase: str, done: int) -> None:
        """`done` records of `entity` handled so far by `phase` ("pull" at `system`, "post" to it)."""
        ...


_listeners: list[ProgressListener] = []
_lock = threading.Lock()


@contextmanager
def listening(listener: ProgressListener) -> Iterator[None]:
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


def advanced(system: str, entity: str, phase: str, done: int) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener.advanced(system, entity, phase, done)
