"""The process that executes a run, as run tags, and whether that process still exists."""

import os
import socket
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel

TAG_PREFIX = "ml_connector/"
HOST_TAG = f"{TAG_PREFIX}host"
BOOT_TAG = f"{TAG_PREFIX}boot_id"
PID_TAG = f"{TAG_PREFIX}pid"
STARTED_TAG = f"{TAG_PREFIX}process_started"

_PROC = Path("/proc")
# Positions in /proc/<pid>/stat after the command name: fields 3 (state) and 22 (start time in clock ticks).
_STATE = 0
_START_TICKS = 19


class Liveness(StrEnum):
    ALIVE = "alive"
    GONE = "gone"
    # On another machine (or container): only a process there can tell.
    ELSEWHERE = "elsewhere"


class RunOwner(BaseModel):
    """One process on one machine. `boot_id` and `started` (clock ticks after boot at which the process
    started) are read from /proc on Linux; together they tell a live process from a later one that reuses
    its pid, and a process from before a reboot. Elsewhere they are empty and only the pid is checked."""

    host: str
    boot_id: str
    pid: int
    started: str

    @classmethod
    def current(cls) -> "RunOwner":
        pid = os.getpid()
        return cls(host=socket.gethostname(), boot_id=_boot_id(), pid=pid, started=_start_ticks(pid) or "")

    @classmethod
    def from_tags(cls, tags: dict[str, str]) -> "RunOwner | None":
        if HOST_TAG not in tags or not tags.get(PID_TAG, "").isdigit():
            return None
        return cls(
            host=tags[HOST_TAG],
            boot_id=tags.get(BOOT_TAG, ""),
            pid=int(tags[PID_TAG]),
            started=tags.get(STARTED_TAG, ""),
        )

    def tags(self) -> dict[str, str]:
        return {HOST_TAG: self.host, BOOT_TAG: self.boot_id, PID_TAG: str(self.pid), STARTED_TAG: self.started}

    def liveness(self) -> Liveness:
        """Judged from this process: only a process on the same host can say another one is gone."""
        if self.host != socket.gethostname():
            return Liveness.ELSEWHERE
        if self.boot_id and self.boot_id != _boot_id():
            return Liveness.GONE
        if not _pid_exists(self.pid):
            return Liveness.GONE
        stat = _proc_stat(self.pid)
        if stat is None:
            # No /proc here: the pid exists, and that is all that can be known.
            return Liveness.ALIVE
        # A killed process its parent has not reaped yet stays a zombie ("Z") until it is.
        if stat[_STATE] == "Z" or (self.started and stat[_START_TICKS] != self.started):
            return Liveness.GONE
        return Liveness.ALIVE

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}"


def _boot_id() -> str:
    path = _PROC / "sys" / "kernel" / "random" / "boot_id"
    return path.read_text().strip() if path.exists() else ""


def _start_ticks(pid: int) -> str | None:
    stat = _proc_stat(pid)
    return stat[_START_TICKS] if stat else None


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, which may hold spaces and parentheses."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        # Someone else's process: it exists.
        return True
    return True
