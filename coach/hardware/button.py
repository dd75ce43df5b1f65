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
    """A pull-up button on ``pin`` (other leg to ground) feeding edges to ``post``.

    :param pin: the button's BCM pin.
    :param post: gets each :class:`Edge` (onto the runtime's queue), on gpiozero's thread.
    :param now: the clock that stamps each edge.
    :param pin_factory: gpiozero's pin factory (mock pins in a simulation);
        default: the one gpiozero picks.
    :raises HardwareError: when the pin cannot be had.
    """

    def __init__(
        self,
        pin: int,
        post: Callable[[Edge], None],
        now: Callable[[], float],
        pin_factory: Any = None,
    ) -> None:
        # Not gpiozero's Button: its hold thread wakes ten times a second for
        # ever (for when_held, which the coach never uses, as gestures are
        # timed on the runtime's clock), and its close() waits for that thread.
        # A DigitalInputDevice has the same edges and no thread of its own.
        from gpiozero import DigitalInputDevice

        self.button = claim(
            "button",
            pin,
            lambda: DigitalInputDevice(
                pin, pull_up=True, bounce_time=None, pin_factory=pin_factory
            ),
        )
        self.button.when_activated = lambda: post(Edge(True, now()))
        self.button.when_deactivated = lambda: post(Edge(False, now()))

    def close(self) -> None:
        """Let go of the pin."""
        self.button.close()


class SimulatedPress:
    """Presses a mock pin as a finger would: down, then up after the gesture's length.

    :param factory: the mock pin factory the button was made on.
    :param pin: the button's BCM pin.
    :param clock: the clock the presses are scheduled on.
    :param thresholds: how long each gesture keeps the button down.
    """

    def __init__(self, factory: Any, pin: int, clock: Clock, thresholds: Thresholds) -> None:
        self._pin = factory.pin(pin)
        self._clock = clock
        self._thresholds = thresholds

    def down(self) -> None:
        """Press the button now (drive the pin low)."""
        self._pin.drive_low()

    def up(self) -> None:
        """Let the button go now (drive the pin high)."""
        self._pin.drive_high()

    def gesture_at(self, when: float, gesture: Gesture) -> None:
        """Schedule a press at clock time ``when``, held as long as ``gesture`` takes."""
        self._clock.call_at(when, self.down)
        self._clock.call_at(when + self._thresholds.nominal_hold_seconds(gesture), self.up)

    def gesture_now(self, gesture: Gesture) -> None:
        """Press for ``gesture`` from now (a key in a simulated session)."""
        self.gesture_at(self._clock.now(), gesture)
