"""Carrying on after a power cut: the device offers the session that did not end.

A session that never reached its end (the plug was pulled, the box crashed)
is offered once the box is up again, before the menu: "Last time, you
stopped at the seated forward reach. Press to carry on, hold for the menu."
A press carries on from the beginning of that exercise; a long press (or a
stop) goes to the menu as usual.
"""

from __future__ import annotations

from collections.abc import Callable

from coach import phrases
from coach.gestures import Gesture, Threshold
from coach.phrases import Phrase
from coach.runtime import Mode, Runtime


def spoken_name(name: str) -> str:
    """An exercise's name inside a sentence: "Seated forward reach" -> "seated forward reach".

    A name that starts with an abbreviation ("ACL heel slides") is left as it is.
    """
    name = name.strip().rstrip(".")
    if len(name) > 1 and name[0].isupper() and not name[1].isupper():
        return name[0].lower() + name[1:]
    return name


def carry_on_text(exercise: str) -> str:
    """What the offer says: where the last session stopped, and the two choices."""
    return f"{phrases.READY} {phrases.carry_on_offer(spoken_name(exercise))}"


class CarryOnMode(Mode):
    """Offers to carry on a session that was cut off; then hands over to a session or the menu.

    :param exercise: the name of the exercise the session stopped in.
    :param carry_on: makes the mode that carries on (a session from that exercise).
    :param menu: makes the menu, for a long press or a stop.

    While it waits nothing runs; when a simulation's script ends here, the
    loop ends, as it does in the menu.
    """

    def __init__(
        self, exercise: str, carry_on: Callable[[], Mode], menu: Callable[[], Mode]
    ) -> None:
        self.exercise = exercise
        self._carry_on = carry_on
        self._menu = menu

    @property
    def text(self) -> str:
        """The offer, as it is said."""
        return carry_on_text(self.exercise)

    @property
    def phrases(self) -> list[Phrase]:
        """What follows the offer, rendered ahead: "Back to the menu.", the carried-on opening."""
        return [(phrases.CARRY_ON_MENU, None), (phrases.carrying_on_text(self.exercise), None)]

    def enter(self, runtime: Runtime) -> None:
        """Report ``idle`` and make the offer."""
        super().enter(runtime)
        runtime.emit("state", state="idle")
        runtime.say(self.text)

    def held(self, crossed: Threshold) -> str:
        """A held button goes to the menu: "Back to the menu." at either threshold."""
        return phrases.CARRY_ON_MENU

    def gesture(self, gesture: Gesture) -> None:
        """``press`` carries on; ``long`` and ``stop`` go to the menu."""
        self.runtime.voice.stop()
        self.runtime.switch(self._carry_on() if gesture == "press" else self._menu())

    def script_ended(self) -> None:
        """A scripted device run may end while the offer waits, as it may in the menu."""
        self.runtime.switch(None)
