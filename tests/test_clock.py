"""Clocks: the virtual clock is exact; the system clock waits and schedules."""

from __future__ import annotations

import queue
import threading

from coach.clock import SystemClock, VirtualClock
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
