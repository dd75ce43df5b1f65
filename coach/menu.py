"""The device's voice menu: a mode that offers routines one at a time.

In the menu, ``press`` starts the routine on offer, ``long`` offers the next
one, ``stop`` says the menu again. While it waits nothing runs: the menu has
no deadline of its own once it has spoken.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coach import phrases
from coach.gestures import Gesture, Threshold
from coach.plan import Plan
from coach.routine import Routine
from coach.runtime import Mode, Runtime


@dataclass(frozen=True)
class Choice:
    """A routine the menu can offer, under its library name ``slug``."""

    slug: str
    routine: Routine


def menu_text(routine: Routine, plan: Plan, greeting: bool) -> str:
    """What the menu says to offer ``routine``: its name, its minutes and the hint.

    With ``greeting`` it starts with "Ready.", as it does at boot and after a session.
    """
    minutes = phrases.minutes_text(plan.total_seconds)
    said = f"{routine.name.strip().rstrip('.')}, {minutes}. {phrases.MENU_HINT}"
    return f"{phrases.READY} {said}" if greeting else said


class MenuMode(Mode):
    """Offers ``choices`` one at a time; a press hands over to the mode ``start`` makes.

    :param choices: the routines on offer, at least one.
    :param index: the one offered first.
    :param plan_of: the plan of a routine, for the minutes the menu says.
    :param start: makes the mode for the chosen index (a session).
    :param delay_seconds: silence before the first offer (a session's last
        words are heard out); default none.

    The state it reports to listeners is ``idle``. When a simulation's script
    ends here, the loop ends: that is how a scripted device run finishes.
    """

    def __init__(
        self,
        choices: Sequence[Choice],
        index: int,
        plan_of: Callable[[Routine], Plan],
        start: Callable[[int], Mode],
        delay_seconds: float = 0.0,
    ) -> None:
        self.choices = choices
        self.index = index
        self._plan_of = plan_of
        self._start = start
        self._delay = delay_seconds
        self._offer_at: float | None = None

    @property
    def choice(self) -> Choice:
        """The routine on offer now."""
        return self.choices[self.index]

    def enter(self, runtime: Runtime) -> None:
        """Report ``idle``, and offer the routine once ``delay_seconds`` have passed."""
        super().enter(runtime)
        runtime.emit("state", state="idle")
        self._offer_at = runtime.clock.now() + self._delay
        self.time_reached(runtime.clock.now())

    def next_deadline(self) -> float | None:
        """When the first offer is due; ``None`` once it is made."""
        return self._offer_at

    def time_reached(self, now: float) -> None:
        """Make the first offer, greeting with "Ready.", once its time has come."""
        if self._offer_at is not None and now >= self._offer_at:
            self._offer_at = None
            self._offer(greeting=True)

    def held(self, crossed: Threshold) -> str:
        """What a held button says: "Next routine." (long), "Repeat the menu." (stop)."""
        return phrases.MENU_NEXT if crossed == "long" else phrases.MENU_REPEAT

    def gesture(self, gesture: Gesture) -> None:
        """``press`` starts the routine on offer, ``long`` offers the next, ``stop`` repeats it."""
        if gesture == "press":
            self.runtime.voice.stop()
            self.runtime.switch(self._start(self.index))
        elif gesture == "long":
            self.index = (self.index + 1) % len(self.choices)
            self._offer(greeting=False)
        else:
            self._offer(greeting=True)

    def script_ended(self) -> None:
        """End the loop without an error: a scripted device run finishes in the menu."""
        self.runtime.switch(None)  # the scripted presses are over: a simulation ends here

    def _offer(self, greeting: bool) -> None:
        routine = self.choice.routine
        self.runtime.voice.stop()
        self.runtime.say(menu_text(routine, self._plan_of(routine), greeting))
