"""Progress of the runs the CLI executes in its own process: on a terminal, a live line per entity and phase with
records handled and records/s (rich); elsewhere (logs, CI) a plain line now and then for phases that run long.
Both go to stderr, so what a command prints on stdout stays what a script reads."""

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from ml_connector_dagster.sync.progress import listening

# Without a terminal, a phase says how far it has come once it has run this long, and again as often.
PLAIN_EVERY_SECONDS = 10.0


def _label(system: str, entity: str, phase: str) -> str:
    return f"{entity} {phase} ({'to' if phase == 'post' else 'from'} {system})"


class _RecordsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} records/s" if speed else "", style="progress.data.speed")


class LiveProgress:
    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def advanced(self, system: str, entity: str, phase: str, done: int) -> None:
        label = _label(system, entity, phase)
        with self._lock:
            task = self._tasks.get(label)
            if task is None:
                task = self._tasks[label] = self._progress.add_task(label, total=None)
        self._progress.update(task, completed=done)


class PlainProgress:
    def __init__(self, stream: TextIO, every: float = PLAIN_EVERY_SECONDS, clock: Callable[[], float] = time.monotonic):
        self._stream = stream
        self._every = every
        self._clock = clock
        # Per phase: when it started and when it last said something.
        self._started: dict[str, float] = {}
        self._said: dict[str, float] = {}
        self._lock = threading.Lock()

    def advanced(self, system: str, entity: str, phase: str, done: int) -> None:
        label = _label(system, entity, phase)
        now = self._clock()
        with self._lock:
            started = self._started.setdefault(label, now)
            if now - self._said.get(label, started) < self._every:
                return
            self._said[label] = now
        rate = done / (now - started) if now > started else 0.0
        print(f"progress: {label}: {done:,} records, {rate:,.0f}/s", file=self._stream, flush=True)


@contextmanager
def console_progress(stream: TextIO | None = None, plain_every: float = PLAIN_EVERY_SECONDS) -> Iterator[None]:
    """Shows the progress of what runs inside the block."""
    out = stream or sys.stderr
    if not out.isatty():
        with listening(PlainProgress(out, plain_every)):
            yield
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} records"),
        _RecordsPerSecond(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(file=out)) as progress, listening(LiveProgress(progress)):
        yield
