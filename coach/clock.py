"""Clocks: the one seam through which the coach learns the time and waits.

The engine never sleeps. It asks its clock to wait for the next event on its
queue *or* a deadline, whichever comes first. :class:`SystemClock` does that on
``time.monotonic``; :class:`VirtualClock` jumps straight to the next deadline or
the next scripted action, so a 30-minute routine runs in milliseconds and every
timestamp is exact.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

from coach.events import ScriptEnded

T = TypeVar("T")

Action = Callable[[], None]


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

    def call_at(self, when: float, action: Action, background: bool = False) -> None:
        """Run ``action`` at ``when`` on this clock (scripted input, simulated hardware).

        A ``background`` action (an LED refresh) happens in its turn but is not
        something a session waits for: a virtual clock left with only those
        has nothing more to happen.
        """


class SystemClock:
    """Real time on ``time.monotonic``. Scheduled actions run on one helper thread."""

    def __init__(self) -> None:
        self._actions: list[tuple[float, int, Action]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def now(self) -> float:
        """Seconds of ``time.monotonic``, which never jumps when the wall clock is set."""
        return time.monotonic()

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

    :param start: the time the clock starts at; default 0.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._actions: list[tuple[float, int, Action, bool]] = []
        self._order = itertools.count()
        self._foreground = 0

    def now(self) -> float:
        """The virtual time: where the last wait or action left it."""
        return self._now

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
