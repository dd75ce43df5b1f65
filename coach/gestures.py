"""Turning button edges into gestures, on the engine's own clock.

A gesture takes effect when the button is released: ``press`` (short), ``long``
(held past the long threshold) or ``stop`` (held past the stop threshold).
Very short presses are contact bounce and are ignored here, because
gpiozero's ``bounce_time`` is ignored by mock pins and unreliable on lgpio.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Gesture = Literal["press", "long", "stop"]
Threshold = Literal["long", "stop"]

GESTURES: tuple[Gesture, ...] = ("press", "long", "stop")

#: Hold the button this long for a ``long`` press, and this long to ``stop``.
LONG_SECONDS = 1.0
STOP_SECONDS = 3.0
#: Presses shorter than this are contact bounce.
BOUNCE_SECONDS = 0.03


@dataclass(frozen=True)
class Thresholds:
    """How long the button must be held for each gesture.

    :param long_seconds: a ``long`` press; default 1.0.
    :param stop_seconds: a ``stop``; default 3.0.
    :param bounce_seconds: shorter presses are ignored as contact bounce; default 0.03.
    :raises ValueError: unless ``0 <= bounce < long < stop``.
    """

    long_seconds: float = LONG_SECONDS
    stop_seconds: float = STOP_SECONDS
    bounce_seconds: float = BOUNCE_SECONDS

    def __post_init__(self) -> None:
        if not 0 <= self.bounce_seconds < self.long_seconds < self.stop_seconds:
            raise ValueError(
                "gesture thresholds must satisfy 0 <= bounce < long < stop, got "
                f"bounce={self.bounce_seconds}, long={self.long_seconds}, stop={self.stop_seconds}"
            )

    def nominal_hold_seconds(self, gesture: Gesture) -> float:
        """How long a scripted press of ``gesture`` keeps the button down."""
        if gesture == "press":
            return 0.1
        if gesture == "long":
            return self.long_seconds + 0.2
        return self.stop_seconds + 0.2


@dataclass(frozen=True)
class Edge:
    """A button edge as the adapter saw it: pressed or released, at clock time ``t``."""

    pressed: bool
    t: float


class GestureClassifier:
    """Turns button edges into gestures, and tells when a held button crosses a threshold.

    The runtime feeds it every :class:`Edge` and waits for its next crossing
    as a deadline, so "Skip." or "Stop." is said while the button is still down.

    :param thresholds: how long each gesture holds the button; default :class:`Thresholds`.
    """

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()
        self._down_at: float | None = None
        self._announced: set[Threshold] = set()

    @property
    def is_held(self) -> bool:
        """True while the button is down."""
        return self._down_at is not None

    def edge(self, edge: Edge) -> Gesture | None:
        """Feed one edge; returns the gesture it completes, if any."""
        if edge.pressed:
            if self._down_at is None:
                self._down_at = edge.t
                self._announced = set()
            return None
        down = self._down_at
        if down is None:  # a release we never saw pressed (held at start-up)
            return None
        self._down_at = None
        t = self.thresholds
        # Each threshold is the moment down + limit, computed exactly as
        # next_crossing() computes it: a release at the very moment "Skip." was
        # said is a long press, whatever float subtraction would make of it.
        if edge.t < down + t.bounce_seconds:
            return None
        if edge.t >= down + t.stop_seconds:
            return "stop"
        if edge.t >= down + t.long_seconds:
            return "long"
        return "press"

    def next_crossing(self) -> float | None:
        """Clock time at which the held button crosses its next threshold."""
        if self._down_at is None:
            return None
        if "long" not in self._announced:
            return self._down_at + self.thresholds.long_seconds
        if "stop" not in self._announced:
            return self._down_at + self.thresholds.stop_seconds
        return None

    def crossings(self, now: float) -> list[Threshold]:
        """Thresholds crossed by ``now`` that were not reported yet."""
        if self._down_at is None:
            return []
        crossed: list[Threshold] = []
        limits: tuple[tuple[Threshold, float], ...] = (
            ("long", self.thresholds.long_seconds),
            ("stop", self.thresholds.stop_seconds),
        )
        for name, limit in limits:
            # The same sum as next_crossing(): a clock woken at that deadline
            # must find it reached (63.1 + 1.0 - 63.1 is not 1.0 in floats).
            if now >= self._down_at + limit and name not in self._announced:
                self._announced.add(name)
                crossed.append(name)
        return crossed
