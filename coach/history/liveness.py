"""Is the process that owns an open session still there?

A session with no outcome belongs to a process. Its row keeps the process's
id, the boot it ran in (``/proc/sys/kernel/random/boot_id``) and the process's
start time (field 22 of ``/proc/PID/stat``, clock ticks after boot): after a
reboot, a crash, or a pid taken by another program, one of the three differs.
Where there is no ``/proc``, the pid alone is asked with ``os.kill(pid, 0)``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
PROC = Path("/proc")
#: Field 22 of ``/proc/PID/stat`` (``starttime``), counted after the ``(comm)`` field.
_START_FIELD = 22 - 3


@dataclass(frozen=True)
class Owner:
    """The process a session belongs to.

    :param pid: its process id.
    :param boot_id: the boot it runs in; ``None`` where it cannot be read.
    :param start: its start time in clock ticks after boot; ``None`` where it cannot be read.
    """

    pid: int
    boot_id: str | None
    start: int | None


def boot_id() -> str | None:
    """This boot's id; ``None`` where there is no ``/proc``."""
    try:
        return BOOT_ID.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def start_time(pid: int) -> int | None:
    """When process ``pid`` started, in clock ticks after boot; ``None`` when it is gone.

    A zombie (dead, not yet reaped by its parent) counts as gone.
    """
    try:
        stat = (PROC / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields start after the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    if fields[:1] in (["Z"], ["X"]):
        return None
    try:
        return int(fields[_START_FIELD])
    except (IndexError, ValueError):
        return None


def this_process() -> Owner:
    """The owner a session of this process records."""
    pid = os.getpid()
    return Owner(pid, boot_id(), start_time(pid))


def alive(owner: Owner, boot: str | None = None) -> bool:
    """Whether ``owner`` is still running: same boot, same pid, same start time.

    :param boot: this boot's id (read once for many owners); default read now.
    """
    boot = boot if boot is not None else boot_id()
    if owner.boot_id is not None and boot is not None:
        if owner.boot_id != boot:
            return False
        if owner.start is not None:
            return start_time(owner.pid) == owner.start
    return _pid_exists(owner.pid)


def _pid_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return False
    return True
