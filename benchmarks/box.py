"""Measurements of the box as a person meets it: its first word, its wake-ups, its memory.

Each runs ``coach`` as a whole process, the way the boot service does, with
the benchmark's own settings and cache (see :func:`isolated`), never the
user's. ``eighth_core`` runs a command under a CPU quota of one eighth of a
core, about a Raspberry Pi Zero 2 W core, where the machine allows it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

COACH = (sys.executable, "-m", "coach")
#: One eighth of a core: 12.5 ms of CPU in every 100 ms.
EIGHTH_QUOTA_US, PERIOD_US = 12_500, 100_000
CGROUP_V1 = Path("/sys/fs/cgroup/cpu")
CGROUP_V2 = Path("/sys/fs/cgroup")


@contextlib.contextmanager
def isolated() -> Iterator[Path]:
    """Settings, cache and data of the benchmark's own, for this process and its children."""
    names = ("COACH_CONFIG", "COACH_CACHE_DIR", "COACH_DATA_DIR", "XDG_CONFIG_HOME",
             "XDG_CACHE_HOME", "XDG_DATA_HOME")  # fmt: skip
    saved = {name: os.environ.get(name) for name in names}
    with tempfile.TemporaryDirectory(prefix="coach-bench-") as folder:
        root = Path(folder)
        os.environ.update(
            COACH_CONFIG=os.devnull,  # no settings file: the defaults
            COACH_CACHE_DIR=str(root / "cache"),
            COACH_DATA_DIR=str(root / "data"),
            XDG_CONFIG_HOME=str(root / "config"),
            XDG_CACHE_HOME=str(root / "xdg-cache"),
            XDG_DATA_HOME=str(root / "xdg-data"),
        )
        try:
            yield root
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def warm_cache() -> None:
    """Render every phrase of the library, as a box that has run before has."""
    subprocess.run([*COACH, "speech-cache", "prerender"], check=True, capture_output=True)


def first_word_seconds(prefix: Sequence[str] = (), runs: int = 5) -> float:
    """Median seconds from starting ``coach device --simulate`` to its first phrase.

    The phrase is printed as it is handed to the player, so this is the time
    until the box starts to speak, start-up and all.
    """
    command = [*prefix, *COACH, "device", "--simulate"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        child = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        assert child.stdout is not None
        line = child.stdout.readline()
        took.append(time.perf_counter() - started)
        child.send_signal(signal.SIGTERM)
        child.wait(60)
        if "Ready." not in line:
            raise SystemExit(f"the device did not speak its menu first: {line!r}")
    return round(statistics.median(took), 3)


@contextlib.contextmanager
def eighth_core() -> Iterator[list[str] | None]:
    """A command prefix that runs under one eighth of a core; ``None`` where no quota can be set.

    Needs root and a cgroup CPU controller (v1 ``cpu`` or v2 ``cpu.max``).
    """
    group: Path | None = None
    try:
        if (CGROUP_V1 / "cpu.cfs_quota_us").exists():
            group = CGROUP_V1 / f"coach-bench-{os.getpid()}"
            group.mkdir()
            (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (group / "cpu.cfs_quota_us").write_text(str(EIGHTH_QUOTA_US))
        elif (CGROUP_V2 / "cgroup.controllers").exists():
            group = CGROUP_V2 / f"coach-bench-{os.getpid()}"
            group.mkdir()
            (group / "cpu.max").write_text(f"{EIGHTH_QUOTA_US} {PERIOD_US}")
    except OSError:
        if group is not None:
            with contextlib.suppress(OSError):
                group.rmdir()
        yield None
        return
    if group is None:
        yield None
        return
    # The shell puts itself in the group, then becomes the command.
    prefix = ["sh", "-c", f'echo $$ > {group}/cgroup.procs && exec "$@"', "sh"]
    try:
        yield prefix
    finally:
        with contextlib.suppress(OSError):
            group.rmdir()


def context_switches(pid: int) -> int:
    """Every wake-up of every thread of ``pid`` so far (voluntary and not), from /proc."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):
            for line in (task / "status").read_text().splitlines():
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
    return total


def idle_wakeups_per_second(warm_up: float = 8.0, seconds: float = 20.0) -> float:
    """Wake-ups a second of ``coach device --simulate`` waiting in its menu (no LED)."""
    child = subprocess.Popen(
        [*COACH, "device", "--simulate"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(warm_up)
        before = context_switches(child.pid)
        time.sleep(seconds)
        after = context_switches(child.pid)
    finally:
        child.terminate()
        child.wait(30)
    return round((after - before) / seconds, 2)


def peak_rss_mb(command: Sequence[str]) -> float:
    """Peak resident memory of ``command`` as a whole process, from the kernel's accounting."""
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark run failed: {' '.join(command)}")
    return round(usage.ru_maxrss / 1024, 1)  # kilobytes on Linux
