"""The carry-on offer after a power cut, on the virtual clock."""

from __future__ import annotations

from coach import phrases
from coach.carryon import CarryOnMode, carry_on_text, spoken_name
from coach.clock import VirtualClock
from coach.gestures import Edge
from coach.runtime import Mode, Runtime
from coach.voice import RecordingVoice


class Marker(Mode):
    """A mode that only notes that it was entered."""

    def __init__(self, name: str, seen: list[str]) -> None:
        self.name = name
        self.seen = seen

    def enter(self, runtime: Runtime) -> None:
        super().enter(runtime)
        self.seen.append(self.name)
        runtime.switch(None)


def offer(gesture_hold: float) -> tuple[list[str], RecordingVoice]:
    clock = VirtualClock()
    voice = RecordingVoice(clock.now)
    runtime = Runtime(clock, voice)
    seen: list[str] = []
    mode = CarryOnMode(
        "Seated forward reach",
        lambda: Marker("carry on", seen),
        lambda: Marker("menu", seen),
    )
    clock.call_at(5.0, lambda: runtime.post(Edge(True, clock.now())))
    clock.call_at(5.0 + gesture_hold, lambda: runtime.post(Edge(False, clock.now())))
    runtime.run(mode)
    return seen, voice


def test_the_offer_names_the_exercise_and_the_two_choices() -> None:
    assert carry_on_text("Seated forward reach") == (
        "Ready. Last time, you stopped at the seated forward reach. "
        "Press to carry on, hold for the menu."
    )
    assert phrases.carry_on_offer("the plank") == (
        "Last time, you stopped at the plank. Press to carry on, hold for the menu."
    )


def test_names_keep_their_abbreviations() -> None:
    assert spoken_name("ACL heel slides") == "ACL heel slides"
    assert spoken_name("Knee to chest.") == "knee to chest"


def test_a_press_carries_on() -> None:
    seen, voice = offer(0.2)
    assert seen == ["carry on"]
    assert [s.text for s in voice.said][:1] == [carry_on_text("Seated forward reach")]


def test_a_long_press_goes_to_the_menu_and_says_so() -> None:
    seen, voice = offer(1.2)
    assert seen == ["menu"]
    assert phrases.CARRY_ON_MENU in [s.text for s in voice.said]


def test_a_stop_goes_to_the_menu_too() -> None:
    seen, _ = offer(3.5)
    assert seen == ["menu"]
