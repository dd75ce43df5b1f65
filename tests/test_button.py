"""The button adapter: edges from a gpiozero pin, and nothing running in between."""

from __future__ import annotations

import queue
import threading

from coach.gestures import Edge
from coach.hardware.button import ButtonSource
from coach.hardware.gpio import mock_factory


def test_edges_are_stamped_and_posted() -> None:
    factory = mock_factory()
    edges: queue.Queue[Edge] = queue.Queue()
    times = iter([1.0, 2.5])
    button = ButtonSource(17, edges.put, lambda: next(times), factory)
    pin = factory.pin(17)
    pin.drive_low()
    pin.drive_high()
    assert [edges.get_nowait(), edges.get_nowait()] == [Edge(True, 1.0), Edge(False, 2.5)]
    button.close()


def test_a_waiting_button_keeps_no_thread_awake() -> None:
    """An idle box must not wake: no hold thread polling ten times a second."""
    factory = mock_factory()
    before = set(threading.enumerate())
    button = ButtonSource(17, lambda _edge: None, lambda: 0.0, factory)
    pin = factory.pin(17)
    pin.drive_low()  # held down: gpiozero's Button would start timing the hold here
    assert set(threading.enumerate()) == before
    pin.drive_high()
    button.close()
