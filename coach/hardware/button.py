"""The push button, through gpiozero: real pins on a Pi, mock pins in simulation.

gpiozero runs its callbacks on its own threads (or, for mock pins, in the
thread that drives the pin). They only stamp the edge with the engine's clock
and put it on the engine's queue; gestures are classified by the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coach.clock import Clock
from coach.gestures import Edge, Gesture, Thresholds
from coach.hardware.gpio import claim


class ButtonSource:
    """A pull-up button on ``pin`` (other leg to ground) feeding edges to ``post``."""

    def __init__(
        self,
        pin: int,
        post: Callable[[Edge], None],
        now: Callable[[], float],
        pin_factory: Any = None,
    ) -> None:
        from gpiozero import Button

        self.button = claim(
            "button",
            pin,
            lambda: Button(pin, pull_up=True, bounce_time=None, pin_factory=pin_factory),
        )
        self.button.when_pressed = lambda: post(Edge(True, now()))
        self.button.when_released = lambda: post(Edge(False, now()))

    def close(self) -> None:
        self.button.close()


class SimulatedPress:
    """Presses a mock pin as a finger would: down, then up after the gesture's length."""

    def __init__(self, factory: Any, pin: int, clock: Clock, thresholds: Thresholds) -> None:
        self._pin = factory.pin(pin)
        self._clock = clock
        self._thresholds = thresholds

    def down(self) -> None:
        self._pin.drive_low()

    def up(self) -> None:
        self._pin.drive_high()

    def gesture_at(self, when: float, gesture: Gesture) -> None:
        self._clock.call_at(when, self.down)
        self._clock.call_at(when + self._thresholds.nominal_hold_seconds(gesture), self.up)

    def gesture_now(self, gesture: Gesture) -> None:
        self.gesture_at(self._clock.now(), gesture)
