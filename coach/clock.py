"""Clocks: the one seam through which the coach learns the time and waits.

The engine never sleeps. It asks its clock to wait for the next event on its
queue *or* a deadline, whichever comes first. :class:`SystemClock` does that on
``time.monotonic``; :class:`VirtualClock` jumps straight to the next deadline or
the next scripted action, so a 30-minute routine runs in milliseconds and every
timestamp is exact.

Both also tell the time of day (:meth:`Clock.wall`, seconds since the epoch)
and whether it can be trusted (:meth:`Clock.synchronised`): a Raspberry Pi
has no clock battery, so it boots with an old date until the network sets it.
"""

from __future__ import annotations

import ctypes
import functools
import heapq
import itertools
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from coach.events import ScriptEnded

T = TypeVar("T")

Action = Callable[[], None]

#: The start of the package's release year (2026-01-01 UTC): a wall clock
#: earlier than this has never been set, whatever else says it was.
EARLIEST_WALL = 1767225600.0
#: Where systemd-timesyncd marks that it has set the clock since boot.
TIMESYNC_FLAG = "/run/systemd/timesync/synchronized"
#: What ``adjtimex`` answers while the kernel's clock is not synchronised.
TIME_ERROR = 5
#: A virtual clock's wall time at its start unless told: 2026-12-01 06:00 UTC.
VIRTUAL_WALL_START = 1796104800.0


def plausible(wall: float) -> bool:
    """Whether ``wall`` (epoch seconds) could be today: not before the release year."""
    return wall >= EARLIEST_WALL


@functools.lru_cache(maxsize=1)
def _adjtimex() -> Any:
    """The C library's ``adjtimex``, found once; ``None`` where there is none.

    ``CDLL(None)`` is the running program, which has the C library's symbols
    loaded already: no search for the library (``find_library`` runs
    ``ldconfig``, slow on a Pi Zero).
    """
    try:
        return ctypes.CDLL(None, use_errno=True).adjtimex
    except (OSError, AttributeError):
        return None


def kernel_synchronised() -> bool | None:
    """What the kernel says of its clock: ``adjtimex`` in read-only mode, through ctypes.

    ``None`` when it cannot be asked (not Linux, no C library). The call with
    ``modes = 0`` changes nothing and needs no privilege; its answer is the
    clock state, ``TIME_ERROR`` while the "unsynchronised" flag is set, which
    is the flag ``timedatectl`` reads too. Only the answer is used, so the
    layout of ``struct timex`` (which differs between platforms) does not
    matter: a zeroed buffer larger than it is passed.
    """
    adjtimex = _adjtimex()
    if adjtimex is None:
        return None
    buffer = ctypes.create_string_buffer(512)  # struct timex is about 200 bytes
    state = adjtimex(buffer)
    if state < 0:
        return None
    return bool(state != TIME_ERROR)


class Clock(Protocol):
    """How the coach tells the time and waits: :class:`SystemClock` or :class:`VirtualClock`.

    Everything that needs the time (the runtime, the LED, the buzzer, simulated
    presses) is given the same clock, so a whole run can move to virtual time.
    """

    def now(self) -> float:
        """Seconds on this clock's own time line (only differences matter)."""

    def wait(self, events: queue.Queue[T], deadline: float | None) -> T | ScriptEnded | None:
        """Return the next item of ``events``, or ``None`` once ``deadline`` passes.

        ``deadline=None`` waits for an item with no time limit. A virtual clock
        with nothing left that could ever happen answers :class:`ScriptEnded`.
        """

    def wall(self) -> float:
        """The time of day: seconds since the epoch (it may jump, when the clock is set)."""

    def synchronised(self) -> bool:
        """Whether :meth:`wall` has been set from a trusted source since the box started."""

    def call_at(self, when: float, action: Action, background: bool = False) -> None:
        """Run ``action`` at ``when`` on this clock (scripted input, simulated hardware).

        A ``background`` action (an LED refresh) happens in its turn but is not
        something a session waits for: a virtual clock left with only those
        has nothing more to happen.
        """


class SystemClock:
    """Real time on ``time.monotonic``. Scheduled actions run on one helper thread.

    The time of day is ``time.time()``. Whether it is synchronised: systemd-timesyncd
    (Raspberry Pi OS's default) creates :data:`TIMESYNC_FLAG` once it has set
    the clock; any other NTP client (chrony, ntpd) clears the kernel's
    "unsynchronised" flag, which :func:`kernel_synchronised` reads. Either
    counts. The flag file alone would miss other clients; the kernel flag
    alone comes back after hours with no network, while the clock, once set,
    is still good: so once synchronised, the clock stays so for this process.
    A fake-hwclock or timesyncd restoring the last saved time at boot sets
    neither. Where neither can be asked (not Linux), a wall time from the
    release year on counts. A wall time before it never does.
    """

    def __init__(self) -> None:
        self._actions: list[tuple[float, int, Action]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._synchronised = False

    def now(self) -> float:
        """Seconds of ``time.monotonic``, which never jumps when the wall clock is set."""
        return time.monotonic()

    def wall(self) -> float:
        """``time.time()``: the system's time of day."""
        return time.time()

    def synchronised(self) -> bool:
        """Whether the system clock has been set by NTP since boot (see the class)."""
        if not plausible(self.wall()):
            return False
        if not self._synchronised:
            kernel = kernel_synchronised()
            self._synchronised = os.path.exists(TIMESYNC_FLAG) or bool(kernel) or kernel is None
        return self._synchronised

    def wait(self, events: queue.Queue[T], deadline: float | None) -> T | None:
        """Block until an item arrives or ``deadline`` passes; never :class:`ScriptEnded`."""
        try:
            if deadline is None:
                return events.get()
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                return events.get_nowait()
            return events.get(timeout=timeout)
        except queue.Empty:
            return None

    def call_at(self, when: float, action: Action, background: bool = False) -> None:
        """Run ``action`` at ``when`` on the helper thread, started on first use."""
        with self._wake:
            heapq.heappush(self._actions, (when, next(self._order), action))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run_actions, name="coach-clock", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def close(self) -> None:
        """Stop the helper thread; actions that have not run yet never will."""
        with self._wake:
            self._closed = True
            self._wake.notify()

    def _run_actions(self) -> None:
        while True:
            with self._wake:
                while not self._closed:
                    if self._actions:
                        delay = self._actions[0][0] - time.monotonic()
                        if delay <= 0:
                            break
                        self._wake.wait(delay)
                    else:
                        self._wake.wait()
                if self._closed:
                    return
                _, _, action = heapq.heappop(self._actions)
            action()


class VirtualClock:
    """Time that moves only when the engine waits, straight to what happens next.

    Scheduled actions run in the waiting thread, so a simulated button press
    (which drives a gpiozero mock pin, whose callbacks run synchronously) puts
    its edge on the queue before :meth:`wait` looks again.

    The time of day moves with virtual time from ``wall``; :meth:`set_wall`
    makes it jump as NTP or a boot would (from a scheduled action, say).

    :param start: the time the clock starts at; default 0.
    :param wall: the time of day at ``start``, epoch seconds; default
        :data:`VIRTUAL_WALL_START` (2026-12-01 06:00 UTC).
    :param synchronised: what :meth:`synchronised` answers until
        :meth:`set_synchronised`; default ``True``.
    """

    def __init__(
        self, start: float = 0.0, wall: float = VIRTUAL_WALL_START, synchronised: bool = True
    ) -> None:
        self._now = start
        self._wall_offset = wall - start
        self._synchronised = synchronised
        self._actions: list[tuple[float, int, Action, bool]] = []
        self._order = itertools.count()
        self._foreground = 0

    def now(self) -> float:
        """The virtual time: where the last wait or action left it."""
        return self._now

    def wall(self) -> float:
        """The virtual time of day: epoch seconds, moving with :meth:`now`."""
        return self._wall_offset + self._now

    def set_wall(self, wall: float) -> None:
        """Set the time of day to ``wall`` (epoch seconds) now: a jump, as NTP makes."""
        self._wall_offset = wall - self._now

    def synchronised(self) -> bool:
        """As set: at the start, or by :meth:`set_synchronised`."""
        return self._synchronised

    def set_synchronised(self, synchronised: bool = True) -> None:
        """Say from now on whether the time of day is synchronised."""
        self._synchronised = synchronised

    def advance(self, seconds: float) -> None:
        """Move time forward by hand, running actions that fall due (for tests)."""
        target = self._now + seconds
        while self._actions and self._actions[0][0] <= target:
            self._run_next()
        self._now = max(self._now, target)

    def call_at(self, when: float, action: Action, background: bool = False) -> None:
        """Schedule ``action``; it runs in the waiting thread when time reaches ``when``."""
        heapq.heappush(self._actions, (when, next(self._order), action, background))
        self._foreground += not background

    @property
    def pending_actions(self) -> int:
        """Scripted actions still to come (background ones do not count)."""
        return self._foreground

    def wait(self, events: queue.Queue[T], deadline: float | None) -> T | ScriptEnded | None:
        """Run the actions due by ``deadline`` in turn, time jumping to each; never sleeps.

        Returns the first item on ``events``; else ``None``, the time moved to
        ``deadline``; or, with no deadline and only background actions left,
        :class:`ScriptEnded`.
        """
        while True:
            try:
                return events.get_nowait()
            except queue.Empty:
                pass
            next_action = self._actions[0][0] if self._actions else None
            if deadline is None and self._foreground == 0:
                next_action = None  # only background refreshes left: nothing will happen
            if next_action is not None and (deadline is None or next_action <= deadline):
                self._run_next()
                continue
            if deadline is None:
                return ScriptEnded()  # nothing is scripted and nothing is due: never
            self._now = max(self._now, deadline)
            return None

    def _run_next(self) -> None:
        when, _, action, background = heapq.heappop(self._actions)
        self._foreground -= not background
        self._now = max(self._now, when)
        action()
