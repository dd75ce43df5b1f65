"""What happens on the box, as data: events for listeners, and items for the runtime's queue.

Listeners (the transcript writer, the status LED, the buzzer, a test) receive
:class:`Event` objects; the runtime's queue carries button :class:`Edge`
objects, :class:`Quit` and :class:`NewPlan`. :class:`ScriptEnded` is what a
virtual clock answers when nothing more can happen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from coach.gestures import Edge
from coach.plan import Plan, Step

State = Literal["idle", "running", "paused", "finished", "stopped"]
#: ``threshold`` (a held button crossed the long or stop threshold) drives
#: the LED; the transcript leaves it out, and ``step_end`` (how a step ended:
#: ``done``, ``skipped`` or ``missed``), which the history reads. ``reminder``
#: (the menu reminds: ``{"time": "08:00", "repeat": false}``) drives the LED too.
EventType = Literal[
    "say", "state", "step", "gesture", "threshold", "reminder", "step_end", "check_in", "pain"
]
TRANSCRIPT_TYPES: tuple[EventType, ...] = (
    "say",
    "state",
    "step",
    "gesture",
    "reminder",
    "check_in",
    "pain",
)
#: How a step ended: it ran to its end (or its button was answered), it was
#: cut short, or it never started (passed over).
StepOutcome = Literal["done", "skipped", "missed"]
ENDED: tuple[State, ...] = ("finished", "stopped")


@dataclass(frozen=True)
class Event:
    """Something that happened, ``t`` seconds after the time zero of the run.

    :param t: seconds since the session (or the device) started, on its clock.
    :param type: ``say``, ``state``, ``step``, ``gesture``, ``threshold``,
        ``reminder``, ``step_end``, ``check_in`` or ``pain``.
    :param data: the event's own fields, e.g. ``{"text": "Hold."}`` for ``say``.
    """

    t: float
    type: EventType
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The event as one transcript line: ``t`` rounded to the millisecond."""
        return {"t": round(self.t, 3), "type": self.type, **self.data}


#: Anything that wants to hear about events: called on the runtime's thread.
Listener = Callable[[Event], None]


@dataclass(frozen=True)
class Status:
    """A snapshot of a session for a status line; safe to read from any thread.

    :param state: the session's state.
    :param step: the step under way, or ``None`` before the first.
    :param step_end: clock time the current step ends; ``None`` for button steps.
    :param paused_remaining: seconds left, frozen while paused.
    """

    state: State
    step: Step | None = None
    step_end: float | None = None
    paused_remaining: float | None = None

    def seconds_left(self, now: float) -> float | None:
        """Seconds left in the step at clock time ``now``; ``None`` when it waits for the button."""
        if self.paused_remaining is not None:
            return self.paused_remaining
        if self.step_end is None:
            return None
        return max(0.0, self.step_end - now)


class Quit:
    """Queue item: end the run now without ceremony (keyboard ``q``, a signal)."""


@dataclass(frozen=True)
class NewPlan:
    """Queue item: the same plan laid out again with better phrase lengths.

    Steps that have not started yet follow it; the current one keeps its timing.

    :param plan: the plan to switch to; ignored unless it has the same steps.
    """

    plan: Plan


class ScriptEnded:
    """What a virtual clock answers when nothing more will ever happen.

    A simulation with no scripted presses left and nothing else to wait for
    ends here; the mode decides whether that is a normal end or an error.
    """


#: What the runtime's queue carries.
Item = Edge | Quit | NewPlan
