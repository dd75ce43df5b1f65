"""The terminal as the box: keys stand in for the button, a status line for the LED.

Keys: space or Enter = press, ``n`` = long press, ``s`` = stop, ``q`` = quit.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TextIO

from coach.events import Status

KEY_GESTURES = {" ": "press", "\n": "press", "\r": "press", "n": "long", "s": "stop"}
QUIT_KEYS = ("q", "\x03")
KEY_HELP = "keys: space/Enter = press (pause, resume, done)   n = long (skip)   s = stop   q = quit"


def status_text(status: Status, now: float) -> str:
    """The status line of a session at clock time ``now``: the step under way and its time left.

    An idle or ended session shows only its state; a paused one starts with ``PAUSED``.
    """
    step = status.step
    if status.state in ("idle", "finished", "stopped") or step is None:
        return status.state
    parts = [step.exercise or ("summary" if step.kind == "finish" else "introduction")]
    if step.side:
        parts.append(step.side)
    if step.rep and step.reps and step.reps > 1:
        parts.append(f"rep {step.rep}/{step.reps}")
    if step.set and step.sets and step.sets > 1:
        parts.append(f"set {step.set}/{step.sets}")
    parts.append(step.kind)
    left = status.seconds_left(now)
    parts.append("press when done" if left is None else f"{left:4.0f} s left")
    prefix = "PAUSED " if status.state == "paused" else ""
    return prefix + " · ".join(parts)


class Console:
    """Prints lines above a status line that is redrawn in place, from any thread.

    :param out: the stream to print to.
    :param live: redraw a status line in place (on a terminal); ``False``
        prints plain lines and no status line.
    """

    def __init__(self, out: TextIO, live: bool) -> None:
        self._out = out
        #: Redraws a status line in place (a terminal), rather than plain lines.
        self.live = live
        self._status = ""
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        """Print ``text`` as a line of its own, the status line staying below it."""
        with self._lock:
            if self.live:
                self._out.write("\r\x1b[K")
            self._out.write(text + "\n")
            if self.live and self._status:
                self._out.write(self._status)
            self._out.flush()

    def status(self, text: str) -> None:
        """Redraw the status line as ``text``; nothing unless live."""
        if not self.live:
            return
        with self._lock:
            self._status = text
            self._out.write("\r\x1b[K" + text)
            self._out.flush()

    def close(self) -> None:
        """When live, clear the status line, so what comes next starts on a clean line."""
        if self.live:
            with self._lock:
                self._out.write("\r\x1b[K")
                self._out.flush()


@contextlib.contextmanager
def cbreak(stream: TextIO) -> Iterator[None]:
    """Single keys without Enter and without echo, restored however we leave."""
    import termios
    import tty

    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def read_keys(
    stream: TextIO,
    on_gesture: Callable[[str], None],
    on_quit: Callable[[], None],
    done: threading.Event,
    tick: Callable[[], None],
    tick_seconds: float = 0.25,
) -> None:
    """Until ``done`` is set: turn keys into gestures, and call ``tick`` between keys."""
    fd = stream.fileno()
    with cbreak(stream):
        while not done.is_set():
            ready, _, _ = select.select([fd], [], [], tick_seconds)
            tick()
            if not ready:
                continue
            key = os.read(fd, 1).decode(errors="ignore").lower()
            if key in QUIT_KEYS:
                on_quit()
            elif key in KEY_GESTURES:
                on_gesture(KEY_GESTURES[key])


def is_interactive(stream: TextIO) -> bool:
    """True when ``stream`` is a terminal that single keys can be read from."""
    try:
        return stream.isatty() and sys.platform != "win32"
    except (AttributeError, ValueError):
        return False
