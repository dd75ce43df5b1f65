"""Clocks: the virtual clock is exact; the system clock waits and schedules."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import pytest

from coach import clock as clock_module
from coach.clock import EARLIEST_WALL, VIRTUAL_WALL_START, SystemClock, VirtualClock
from coach.events import ScriptEnded


def test_virtual_clock_jumps_to_the_deadline() -> None:
    clock = VirtualClock()
    events: queue.Queue[str] = queue.Queue()
    assert clock.wait(events, 12.5) is None
    assert clock.now() == 12.5


def test_virtual_clock_returns_queued_items_without_moving() -> None:
    clock = VirtualClock(start=3.0)
    events: queue.Queue[str] = queue.Queue()
    events.put("edge")
    assert clock.wait(events, 10.0) == "edge"
    assert clock.now() == 3.0


def test_virtual_clock_runs_actions_due_before_the_deadline_in_order() -> None:
    clock = VirtualClock()
    events: queue.Queue[str] = queue.Queue()
    clock.call_at(2.0, lambda: events.put("b"))
    clock.call_at(1.0, lambda: events.put("a"))
    clock.call_at(9.0, lambda: events.put("late"))
    assert clock.wait(events, 5.0) == "a"
    assert clock.now() == 1.0
    assert clock.wait(events, 5.0) == "b"
    assert clock.wait(events, 5.0) is None
    assert clock.now() == 5.0
    assert clock.pending_actions == 1


def test_virtual_clock_with_nothing_left_to_happen_says_so() -> None:
    clock = VirtualClock(start=7.0)
    assert isinstance(clock.wait(queue.Queue(), None), ScriptEnded)
    assert clock.now() == 7.0


def test_virtual_clock_never_goes_back() -> None:
    clock = VirtualClock(start=10.0)
    clock.call_at(4.0, lambda: None)
    assert clock.wait(queue.Queue(), 2.0) is None
    assert clock.now() == 10.0


def test_system_clock_returns_an_item_before_the_deadline() -> None:
    clock = SystemClock()
    events: queue.Queue[str] = queue.Queue()
    events.put("x")
    assert clock.wait(events, clock.now() + 60) == "x"


def test_system_clock_returns_none_for_a_passed_deadline() -> None:
    clock = SystemClock()
    assert clock.wait(queue.Queue(), clock.now() - 1) is None


def test_system_clock_runs_scheduled_actions_on_its_thread() -> None:
    clock = SystemClock()
    ran = threading.Event()
    names: list[str] = []

    def action() -> None:
        names.append(threading.current_thread().name)
        ran.set()

    clock.call_at(clock.now(), action)
    assert ran.wait(5)
    assert names == ["coach-clock"]
    clock.close()


def test_virtual_wall_time_moves_with_virtual_time_and_can_jump() -> None:
    clock = VirtualClock(start=5.0, wall=1_800_000_000.0)
    assert clock.wall() == 1_800_000_000.0
    clock.call_at(65.0, lambda: clock.set_wall(1_900_000_000.0))  # NTP sets the clock
    clock.advance(30.0)
    assert clock.wall() == 1_800_000_030.0
    clock.advance(60.0)
    assert clock.now() == 95.0
    assert clock.wall() == 1_900_000_030.0  # set at 65, then 30 s on


def test_virtual_clock_is_synchronised_unless_told() -> None:
    assert VirtualClock().synchronised()
    assert VirtualClock().wall() == VIRTUAL_WALL_START
    clock = VirtualClock(wall=0.0, synchronised=False)
    assert not clock.synchronised()
    clock.set_synchronised()
    assert clock.synchronised()


def test_system_wall_time_is_the_time_of_day() -> None:
    before = time.time()
    assert before <= SystemClock().wall() <= time.time()


def test_a_wall_time_before_the_release_year_is_never_synchronised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clock_module, "kernel_synchronised", lambda: True)
    clock = SystemClock()
    monkeypatch.setattr(clock, "wall", lambda: EARLIEST_WALL - 1)
    assert not clock.synchronised()
    monkeypatch.setattr(clock, "wall", lambda: EARLIEST_WALL + 1)
    assert clock.synchronised()


def test_system_clock_trusts_timesyncd_or_the_kernel_and_stays_synchronised(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kernel: list[bool | None] = [False]
    monkeypatch.setattr(clock_module, "kernel_synchronised", lambda: kernel[0])
    monkeypatch.setattr(clock_module, "TIMESYNC_FLAG", str(tmp_path / "synchronized"))
    clock = SystemClock()
    assert not clock.synchronised()
    (tmp_path / "synchronized").touch()  # timesyncd has set the clock
    assert clock.synchronised()
    (tmp_path / "synchronized").unlink()
    assert clock.synchronised()  # once set, the clock stays good without the network
    assert SystemClock().synchronised() is False
    kernel[0] = True  # chrony or ntpd cleared the kernel's flag
    assert SystemClock().synchronised()
    kernel[0] = None  # cannot be asked (not Linux): a plausible date will do
    assert SystemClock().synchronised()


def test_the_kernel_can_be_asked_without_privilege() -> None:
    assert clock_module.kernel_synchronised() in (True, False, None)
