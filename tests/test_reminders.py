"""Reminders on the virtual clock, through the real menu in a runtime: days, syncs and jumps."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from click.testing import CliRunner

from coach import phrases
from coach.cli import cli
from coach.clock import VirtualClock
from coach.events import Event
from coach.gestures import Edge, Gesture
from coach.menu import Choice, MenuMode
from coach.plan import Plan, compile_plan
from coach.reminders import (
    CHECK_SECONDS,
    REPEAT_SECONDS,
    Reminder,
    ReminderSchedule,
    parse_time,
    time_problem,
)
from coach.routine import Routine
from coach.runtime import Mode, Runtime
from coach.session import SessionMode
from coach.voice import RecordingVoice
from tests.conftest import exercise, routine

#: The virtual clock of a command run starts at 06:00 UTC on 2026-12-01.
START = ["--start-at", "2026-12-01T06:00+00:00"]

UTC = timezone.utc
DAY1 = date(2026, 12, 1)
ROUTINE = routine(exercise("Reach", seconds=20.0), name="Short")


def wall(day: int, hhmm: str, tz: timezone = UTC) -> float:
    """Epoch seconds of ``hhmm`` on day ``day`` (1 is 2026-12-01) in ``tz``."""
    hours, minutes = (int(p) for p in hhmm.split(":"))
    moment = datetime.combine(DAY1 + timedelta(days=day - 1), datetime.min.time(), tz)
    return (moment + timedelta(hours=hours, minutes=minutes)).timestamp()


@dataclass
class Box:
    """The menu with reminders in a runtime on the virtual clock; sessions come back to it."""

    clock: VirtualClock
    schedule: ReminderSchedule
    runtime: Runtime
    voice: RecordingVoice
    events: list[Event] = field(default_factory=list)
    started: list[float] = field(default_factory=list)
    turns: int = 0

    def menu(self, delay_seconds: float = 0.0) -> MenuMode:
        return MenuMode([Choice("short", ROUTINE)], 0, self.plan, self.start, delay_seconds,
                        reminders=self.schedule)  # fmt: skip

    def plan(self, r: Routine) -> Plan:
        return compile_plan(r, self.voice.duration, tones=False)

    def start(self, index: int) -> Mode:
        self.started.append(self.clock.wall())
        return SessionMode(self.plan(ROUTINE), after=lambda _s: self.menu(1.0))

    def last_started(self) -> float | None:
        return self.started[-1] if self.started else None

    def press_at(self, t: float, gesture: Gesture = "press") -> None:
        hold = self.runtime.gestures.thresholds.nominal_hold_seconds(gesture)
        self.clock.call_at(t, lambda: self.runtime.post(Edge(True, self.clock.now())))
        self.clock.call_at(t + hold, lambda: self.runtime.post(Edge(False, self.clock.now())))

    def at(self, t: float, action: Any) -> None:
        self.clock.call_at(t, action)

    def run(self, until: float) -> None:
        """Run until ``until`` (clock time), where a quit ends the loop."""
        self.clock.call_at(until, self.runtime.quit)
        turn = self.runtime.turn

        def counted() -> None:
            self.turns += 1
            turn()

        self.runtime.turn = counted  # type: ignore[method-assign]
        self.runtime.run(self.menu(), origin=0.0)

    def reminders(self) -> list[tuple[float, str, bool]]:
        """Each reminder: the wall time it was said at, its reminder time, whether a repeat."""
        offset = self.clock.wall() - self.clock.now()  # the wall clock as it ended
        return [(round(e.t + offset, 3), e.data["time"], e.data["repeat"])
                for e in self.events if e.type == "reminder"]  # fmt: skip

    def said_at(self, text: str) -> list[float]:
        return [e.t for e in self.events if e.type == "say" and e.data["text"] == text]

    def states(self) -> list[tuple[float, str]]:
        return [(e.t, e.data["state"]) for e in self.events if e.type == "state"]


def box(
    times: tuple[str, ...] = ("08:00", "18:30"),
    start: float = wall(1, "06:00"),
    synchronised: bool = True,
) -> Box:
    clock = VirtualClock(wall=start, synchronised=synchronised)
    voice = RecordingVoice(clock.now)
    events: list[Event] = []
    runtime = Runtime(clock, voice, listeners=[events.append], tones=False)
    made = Box(clock, None, runtime, voice, events)  # type: ignore[arg-type]
    made.schedule = ReminderSchedule(times, made.last_started, tz=UTC)
    return made


def mono(b: Box, when: float) -> float:
    """Clock time of wall time ``when``, while the wall clock has not jumped."""
    return when - (b.clock.wall() - b.clock.now())


def test_three_days_of_reminders() -> None:
    b = box()
    b.press_at(mono(b, wall(2, "08:05")))  # a press after the reminder starts the routine
    b.press_at(mono(b, wall(3, "07:30")))  # a session before the reminder time
    b.run(until=mono(b, wall(3, "23:59")))
    assert b.reminders() == [
        (wall(1, "08:00"), "08:00", False),
        (wall(1, "08:15"), "08:00", True),  # once more after 15 minutes...
        (wall(1, "18:30"), "18:30", False),  # ...then quiet until the next time
        (wall(1, "18:45"), "18:30", True),
        (wall(2, "08:00"), "08:00", False),
        # 08:05 a session started: no repeat, and no reminder at 18:30.
        # Day three: the session at 07:30 counts for 08:00 (none since 18:30).
        (wall(3, "18:30"), "18:30", False),
        (wall(3, "18:45"), "18:30", True),
    ]
    said = b.said_at(phrases.REMINDER)
    assert [round(t, 3) for t in said] == [round(mono(b, w), 3) for w, _, _ in b.reminders()]
    running = [t for t, state in b.states() if state == "running"]
    # A press is known as the button is let go, 0.1 s later.
    assert [round(t, 1) for t in running] == [
        round(mono(b, wall(2, "08:05")) + 0.1, 1),
        round(mono(b, wall(3, "07:30")) + 0.1, 1),
    ]
    assert b.started == [pytest.approx(wall(2, "08:05")), pytest.approx(wall(3, "07:30"))]
    # Cheap while it waits: about one look a minute, and none between.
    days = 3 - 6 / 24 - 1 / (24 * 60)
    assert b.turns < days * 24 * 3600 / CHECK_SECONDS + 100


def test_a_session_between_two_reminder_times_quiets_the_next() -> None:
    b = box()
    b.press_at(mono(b, wall(1, "12:00")))
    b.run(until=mono(b, wall(2, "09:00")))
    assert [(w, t) for w, t, _ in b.reminders()] == [
        (wall(1, "08:00"), "08:00"),
        (wall(1, "08:15"), "08:00"),
        # 18:30: a session since 08:00. 08:00 the next day: none since 18:30.
        (wall(2, "08:00"), "08:00"),
        (wall(2, "08:15"), "08:00"),
    ]


def test_a_session_after_a_reminder_quiets_its_repeat_even_back_in_the_menu() -> None:
    b = box(times=("08:00",))
    b.press_at(mono(b, wall(1, "08:01")))  # a 20 s routine: back in the menu by 08:02
    b.run(until=mono(b, wall(2, "08:20")))
    assert b.reminders() == [(wall(1, "08:00"), "08:00", False)]  # day two: since 08:00 day one


def test_nothing_before_the_clock_is_synchronised() -> None:
    b = box(synchronised=False)
    b.at(mono(b, wall(1, "09:00")), b.clock.set_synchronised)
    b.run(until=mono(b, wall(2, "08:01")))
    # 08:00 and its repeat passed while the time was not to be trusted.
    assert [w for w, _, _ in b.reminders()] == [
        wall(1, "18:30"),
        wall(1, "18:45"),
        wall(2, "08:00"),
    ]


def test_synchronised_just_before_a_reminder_time_it_is_said() -> None:
    b = box(synchronised=False)
    b.at(mono(b, wall(1, "07:59")), b.clock.set_synchronised)
    b.run(until=mono(b, wall(1, "08:01")))
    assert b.reminders() == [(wall(1, "08:00"), "08:00", False)]


@pytest.mark.parametrize("boot_wall", [0.0, wall(-400, "22:00")], ids=["1970", "a year ago"])
def test_a_jump_at_boot_fires_nothing_it_skipped(boot_wall: float) -> None:
    # The box boots with an old date it wrongly trusts; a minute later NTP sets the real one.
    b = box(start=boot_wall, synchronised=True)

    def ntp() -> None:
        b.clock.set_wall(wall(1, "09:00"))

    b.at(60.0, ntp)
    b.run(until=60.0 + wall(1, "19:00") - wall(1, "09:00"))
    # 08:00 of the real day was skipped over: only 18:30, still ahead, is said.
    assert b.reminders() == [(wall(1, "18:30"), "18:30", False), (wall(1, "18:45"), "18:30", True)]


def test_a_jump_at_boot_when_the_time_becomes_trusted() -> None:
    b = box(start=0.0, synchronised=False)  # 1970, not synchronised, as a Pi boots

    def ntp() -> None:
        b.clock.set_wall(wall(1, "08:10"))
        b.clock.set_synchronised()

    b.at(30.0, ntp)
    b.run(until=30.0 + wall(1, "18:31") - wall(1, "08:10"))
    assert b.reminders() == [(wall(1, "18:30"), "18:30", False)]


def test_an_ntp_jump_forward_over_a_reminder_time_fires_nothing() -> None:
    b = box(start=wall(1, "07:50"))
    b.at(mono(b, wall(1, "07:55")), lambda: b.clock.set_wall(wall(1, "08:05")))
    b.run(until=mono(b, wall(1, "07:55")) + wall(1, "18:31") - wall(1, "08:05"))
    assert b.reminders() == [(wall(1, "18:30"), "18:30", False)]


def test_an_ntp_jump_backward_says_nothing_twice() -> None:
    # The clock ran 35 minutes fast: 08:00 is said, then NTP sets it back to 07:30.
    b = box(start=wall(1, "07:50"))
    first = mono(b, wall(1, "08:00"))
    b.at(mono(b, wall(1, "08:05")), lambda: b.clock.set_wall(wall(1, "07:30")))
    end = mono(b, wall(1, "08:05")) + wall(1, "18:31") - wall(1, "07:30")
    b.run(until=end)
    assert [(t, r) for _, t, r in b.reminders()] == [("08:00", False), ("18:30", False)]
    assert b.said_at(phrases.REMINDER) == [first, end - 60.0]


def test_a_small_correction_is_no_jump() -> None:
    b = box(start=wall(1, "07:50"))
    b.at(mono(b, wall(1, "07:55")), lambda: b.clock.set_wall(b.clock.wall() + 2.0))
    b.run(until=mono(b, wall(1, "08:20")))
    assert [(t, r) for _, t, r in b.reminders()] == [("08:00", False), ("08:00", True)]


def test_the_reminder_is_said_in_the_menu_with_the_led_event_and_a_press_starts() -> None:
    b = box(times=("06:30",))
    b.press_at(mono(b, wall(1, "06:31")))
    b.run(until=mono(b, wall(1, "06:40")))
    kinds = [(round(e.t, 3), e.type) for e in b.events if e.type in ("reminder", "say", "state")]
    at = round(mono(b, wall(1, "06:30")), 3)
    assert kinds[:4] == [(0.0, "state"), (0.0, "say"), (at, "reminder"), (at, "say")]
    assert b.states()[1][1] == "running"


# -- the schedule alone -------------------------------------------------------------


def test_a_schedule_looks_at_least_once_a_minute() -> None:
    schedule = ReminderSchedule(["08:00"], lambda: None, tz=UTC)
    assert schedule.next_check(0.0, wall(1, "06:00"), True) == CHECK_SECONDS
    assert schedule.next_check(0.0, wall(1, "07:59") + 30, True) == 30.0
    assert schedule.next_check(5.0, wall(1, "07:00"), False) == 5.0 + CHECK_SECONDS


def test_a_schedule_says_each_reminder_once_and_the_repeat_once() -> None:
    schedule = ReminderSchedule(["8:00"], lambda: None, tz=UTC)
    base = wall(1, "07:00")
    assert schedule.due(0.0, base, True) is None
    at = wall(1, "08:00") - base
    assert schedule.due(at, wall(1, "08:00"), True) == Reminder("08:00", repeat=False)
    assert schedule.due(at, wall(1, "08:00"), True) is None
    later = at + REPEAT_SECONDS
    assert schedule.due(later, wall(1, "08:15"), True) == Reminder("08:00", repeat=True)
    assert schedule.due(later + 1, wall(1, "08:15") + 1, True) is None
    assert schedule.upcoming == wall(2, "08:00")


def test_a_reminder_found_late_is_not_said() -> None:
    schedule = ReminderSchedule(["08:00"], lambda: None, tz=UTC)
    schedule.due(0.0, wall(1, "07:00"), True)
    # The box was busy (a session ran over, and started before the last reminder time).
    assert schedule.due(3600.0 + 600, wall(1, "08:10"), True) is None
    assert schedule.upcoming == wall(2, "08:00")


def test_reminder_times_follow_the_time_zone() -> None:
    plus_one = timezone(timedelta(hours=1))
    schedule = ReminderSchedule(["08:00"], lambda: None, tz=plus_one)
    schedule.due(0.0, wall(1, "05:00"), True)
    assert schedule.upcoming == wall(1, "07:00")  # 08:00 at UTC+1


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("8", "must be a time of day as HH:MM (24-hour clock), e.g. 08:00 or 18:30"),
        ("8am", "must be a time of day as HH:MM (24-hour clock), e.g. 08:00 or 18:30"),
        ("24:00", "must be a time of day from 00:00 to 23:59"),
        ("07:60", "must be a time of day from 00:00 to 23:59"),
        ("07:5", "must be a time of day as HH:MM (24-hour clock), e.g. 08:00 or 18:30"),
        ("7:05", None),
        ("23:59", None),
    ],
)
def test_times_of_day_are_checked(text: str, problem: str | None) -> None:
    assert time_problem(text) == problem


def test_times_of_day_are_written_with_two_digits() -> None:
    assert parse_time(" 7:05") == "07:05"
    with pytest.raises(ValueError, match=r"from 00:00 to 23:59, got '25:00'"):
        parse_time("25:00")
    assert ReminderSchedule(["18:30", "8:00", "08:00"], lambda: None).times == ("08:00", "18:30")
    with pytest.raises(ValueError):
        ReminderSchedule([], lambda: None)


# -- the command ---------------------------------------------------------------------


def test_the_device_reminds_through_the_command(utc: None) -> None:
    # The virtual clock starts at 06:00 on 2026-12-01; its script ends after the session.
    args = ["device", "--instant", *START, "--reminder", "6:01", "--reminder", "06:20"]
    args += ["--press-at", "70:long", "--press-at", "75:press"]
    result = CliRunner().invoke(cli, args, env={"COACH_CONFIG": os.devnull})
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1:5] == [
        "[01:00.0] (start tone) Time for your stretches. Press to start.",
        "[01:11.0] (tick tone) Next routine.",
        "[01:11.2] Quick demo, 1 minute. Press to start, hold to choose another.",
        "[01:15.1] Quick demo.",
    ]
    # No repeat at 06:16: the session started. At 06:20 a session had started since 06:01.
    assert sum("Time for your stretches" in line for line in lines) == 1


def test_a_bad_reminder_time_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["device", "--instant", *START, "--reminder", "25:00"])
    assert result.exit_code == 2
    assert "'--reminder': must be a time of day from 00:00 to 23:59, got '25:00'" in result.stderr


def test_the_repeat_through_the_command_is_said_on_the_minute(utc: None) -> None:
    args = ["device", "--instant", *START, "--no-tones", "--reminder", "06:01"]
    args += ["--press-at", "70:long", "--press-at", "1000:long"]  # on past the repeat at 06:16
    result = CliRunner().invoke(cli, args, env={"COACH_CONFIG": os.devnull})
    assert result.exit_code == 0, result.stderr
    reminders = [line for line in result.stdout.splitlines() if "Time for" in line]
    # Virtual time can land a hair before the minute: it still reads as the minute.
    assert reminders == [
        "[01:00.0] Time for your stretches. Press to start.",
        "[16:00.0] Time for your stretches. Press to start.",
    ]
