"""Reminders: times of day at which the box asks for the day's stretches.

Pure logic on clock readings: the menu asks :class:`ReminderSchedule` when to
look again and whether a reminder is due, handing it the clock's monotonic
time, its wall time and whether that wall time is synchronised.

The rules:

- at each reminder time, unless a session has started since the reminder
  time before it, the box says :data:`~coach.phrases.REMINDER`; once more
  :data:`REPEAT_SECONDS` later (unless a session has started by then); then
  it is quiet until the next reminder time;
- nothing happens until the wall clock is synchronised (a Raspberry Pi boots
  with an old date and no clock battery);
- a jump of the wall clock (the difference between wall and monotonic time
  moving by more than :data:`JUMP_SECONDS`: set at boot, or by NTP) fires
  nothing it skipped over: only reminder times still ahead count, and a
  reminder time already handled is never handled twice (a jump back);
- the schedule looks at the clock at least every :data:`CHECK_SECONDS`, to
  notice jumps: one wake-up a minute, nothing for a Pi Zero.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

#: The second saying of a reminder comes this long after the first.
REPEAT_SECONDS = 15 * 60.0
#: How often the schedule looks at the clock while it waits, to notice jumps.
CHECK_SECONDS = 60.0
#: A change of the wall clock against monotonic time larger than this is a jump.
JUMP_SECONDS = 5.0
#: A reminder found more than this late (the box was busy) is not said.
LATE_SECONDS = 300.0
#: Rounding between the two time lines: a reminder this close is due.
DUE_EPSILON = 1e-3
#: How many handled reminder times are remembered, against doubles after a jump back.
HANDLED_KEPT = 16

_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def time_problem(text: str) -> str | None:
    """What is wrong with ``text`` as a time of day ``HH:MM``; ``None``: nothing."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return "must be a time of day as HH:MM (24-hour clock), e.g. 08:00 or 18:30"
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        return "must be a time of day from 00:00 to 23:59"
    return None


def parse_time(text: str) -> str:
    """``text`` as a time of day ``HH:MM`` with two digits each: "8:00" is "08:00".

    :raises ValueError: with the rule, for anything else.
    """
    problem = time_problem(text)
    if problem is not None:
        raise ValueError(f"{problem}, got {text!r}")
    hours, minutes = text.strip().split(":")
    return f"{int(hours):02d}:{int(minutes):02d}"


@dataclass(frozen=True)
class Reminder:
    """A reminder to say now: for the reminder time ``time`` ("08:00"); ``repeat`` the second."""

    time: str
    repeat: bool


@dataclass(frozen=True)
class Occurrence:
    """One reminder time on one day: when (epoch seconds), and the one before it."""

    wall: float
    day: date
    time: str
    previous: float

    @property
    def key(self) -> tuple[date, str]:
        """The day and time of day: what is handled once only."""
        return (self.day, self.time)


class ReminderSchedule:
    """Which reminder is due, from clock readings; see the module for the rules.

    :param times: times of day as ``HH:MM``, at least one.
    :param last_session_started: when the last session started (epoch
        seconds), or ``None`` for never; asked as a reminder falls due.
    :param tz: the time zone of ``times``; default the system's (``time.localtime``).

    ::

        schedule = ReminderSchedule(["08:00", "18:30"], lambda: None)
        deadline = schedule.next_check(clock.now(), clock.wall(), clock.synchronised())
        reminder = schedule.due(clock.now(), clock.wall(), clock.synchronised())
    """

    def __init__(
        self,
        times: Sequence[str],
        last_session_started: Callable[[], float | None],
        tz: tzinfo | None = None,
    ) -> None:
        if not times:
            raise ValueError("a reminder schedule needs at least one time of day")
        parsed = sorted({parse_time(t) for t in times})
        self.times = tuple(parsed)
        self._last_session_started = last_session_started
        self._tz = tz
        self._offset: float | None = None
        self._next: Occurrence | None = None
        self._repeat: tuple[float, Occurrence] | None = None
        self._handled: list[tuple[date, str]] = []

    # -- what the menu asks ------------------------------------------------------------

    def next_check(self, now: float, wall: float, synchronised: bool) -> float:
        """Monotonic time to look again: the next reminder, or in :data:`CHECK_SECONDS`."""
        self._look(now, wall, synchronised)
        wait = CHECK_SECONDS
        for due in self._due_walls():
            wait = min(wait, max(0.0, due - wall))
        return now + wait

    def due(self, now: float, wall: float, synchronised: bool) -> Reminder | None:
        """The reminder to say now, if one is due; each is said once."""
        if not self._look(now, wall, synchronised):
            return None
        said: Reminder | None = None
        if self._repeat is not None and wall >= self._repeat[0] - DUE_EPSILON:
            at, occurrence = self._repeat
            self._repeat = None
            if wall - at <= LATE_SECONDS and not self._done_since(occurrence):
                said = Reminder(occurrence.time, repeat=True)
        while self._next is not None and wall >= self._next.wall - DUE_EPSILON:
            occurrence = self._next
            self._handle(occurrence)
            self._next = self._first_after(occurrence.wall, strictly=True)
            if wall - occurrence.wall > LATE_SECONDS or self._done_since(occurrence):
                continue
            self._repeat = (occurrence.wall + REPEAT_SECONDS, occurrence)
            said = Reminder(occurrence.time, repeat=False)
        return said

    @property
    def upcoming(self) -> float | None:
        """Epoch seconds of the next reminder time counted; ``None`` before the clock is trusted."""
        return None if self._next is None else self._next.wall

    # -- the clock -------------------------------------------------------------------

    def _look(self, now: float, wall: float, synchronised: bool) -> bool:
        """Follow the clock: start once synchronised, start again after a jump.

        Returns whether reminders can be said at all now.
        """
        if not synchronised:
            return False
        offset = wall - now
        if self._offset is None or abs(offset - self._offset) > JUMP_SECONDS:
            # The first trusted reading, or the clock was set: what it skipped is gone.
            self._next = self._first_after(wall, strictly=False)
            self._repeat = None
        self._offset = offset
        return True

    def _due_walls(self) -> list[float]:
        walls = [] if self._next is None else [self._next.wall]
        return walls + ([] if self._repeat is None else [self._repeat[0]])

    def _done_since(self, occurrence: Occurrence) -> bool:
        """Whether a session has started since the reminder time before ``occurrence``."""
        started = self._last_session_started()
        return started is not None and started >= occurrence.previous

    def _handle(self, occurrence: Occurrence) -> None:
        self._handled.append(occurrence.key)
        del self._handled[:-HANDLED_KEPT]

    # -- the calendar ----------------------------------------------------------------

    def _first_after(self, wall: float, strictly: bool) -> Occurrence:
        """The first reminder time at (or after) ``wall`` not handled yet."""
        day = self._day_of(wall)
        previous: float | None = None
        offset = -1
        while True:
            for occurrence in self._occurrences(day + timedelta(days=offset)):
                ahead = (
                    occurrence.wall > wall if strictly else occurrence.wall >= wall - DUE_EPSILON
                )
                if ahead and previous is not None and occurrence.key not in self._handled:
                    return Occurrence(occurrence.wall, occurrence.day, occurrence.time, previous)
                previous = occurrence.wall
            offset += 1

    def _occurrences(self, day: date) -> list[Occurrence]:
        """The reminder times of ``day`` (their ``previous`` is not filled in)."""
        found = []
        for text in self.times:
            hours, minutes = (int(part) for part in text.split(":"))
            moment = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=self._tz)
            found.append(Occurrence(moment.timestamp(), day, text, 0.0))
        return found

    def _day_of(self, wall: float) -> date:
        return datetime.fromtimestamp(wall, self._tz).date()
