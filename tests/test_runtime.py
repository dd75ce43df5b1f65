"""The runtime's one loop: modes, deadlines, gestures, switching, quitting, the end of a script."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from coach.clock import VirtualClock
from coach.errors import ScriptError
from coach.events import Event, NewPlan
from coach.gestures import Edge, Gesture, Threshold
from coach.plan import Plan
from coach.runtime import Mode, Runtime
from coach.voice import RecordingVoice


class Beeper(Mode):
    """Says "beep" every ``every`` seconds, ``times`` times, then hands over to ``then``."""

    def __init__(self, every: float, times: int, then: Mode | None = None) -> None:
        self.every = every
        self.left = times
        self.then = then
        self.next_at = 0.0
        self.gestures: list[Gesture] = []
        self.plans: list[Plan] = []
        self.quits = 0
        self.left_at: float | None = None

    def enter(self, runtime: Runtime) -> None:
        super().enter(runtime)
        self.next_at = runtime.clock.now() + self.every

    def next_deadline(self) -> float | None:
        return self.next_at

    def time_reached(self, now: float) -> None:
        if now >= self.next_at:
            self.runtime.say("beep")
            self.left -= 1
            self.next_at += self.every
            if self.left == 0:
                self.runtime.switch(self.then)

    def held(self, crossed: Threshold) -> str | None:
        return "held long" if crossed == "long" else None

    def gesture(self, gesture: Gesture) -> None:
        self.gestures.append(gesture)

    def new_plan(self, plan: Plan) -> None:
        self.plans.append(plan)

    def quit(self) -> None:
        self.quits += 1

    def leave(self) -> None:
        self.left_at = self.runtime.clock.now()


def runtime() -> tuple[Runtime, VirtualClock, RecordingVoice, list[Event]]:
    clock = VirtualClock()
    voice = RecordingVoice(clock.now)
    events: list[Event] = []
    return Runtime(clock, voice, listeners=[events.append], tones=False), clock, voice, events


def said(events: list[Event]) -> list[tuple[float, str]]:
    return [(round(e.t, 3), e.data["text"]) for e in events if e.type == "say"]


def test_a_mode_runs_on_its_own_deadlines_and_hands_over() -> None:
    rt, _, _, events = runtime()
    second = Beeper(every=0.5, times=2)
    first = Beeper(every=2.0, times=3, then=second)
    rt.run(first)
    assert said(events) == [
        (2.0, "beep"),
        (4.0, "beep"),
        (6.0, "beep"),
        (6.5, "beep"),
        (7.0, "beep"),
    ]
    assert first.left_at == 6.0
    assert rt.mode is None
    assert not rt.quit_requested


def test_events_are_stamped_from_the_origin() -> None:
    rt, clock, _, events = runtime()
    clock.advance(10.0)
    rt.run(Beeper(every=1.0, times=1), origin=5.0)
    assert said(events) == [(6.0, "beep")]


def test_gestures_reach_the_mode_and_the_listeners() -> None:
    rt, clock, _, events = runtime()
    mode = Beeper(every=100.0, times=1)

    def edge(pressed: bool) -> Callable[[], None]:
        return lambda: rt.post(Edge(pressed, clock.now()))

    for t, pressed in ((1.0, True), (1.2, False), (3.0, True), (4.5, False)):
        clock.call_at(t, edge(pressed))
    rt.run(mode)
    assert mode.gestures == ["press", "long"]
    gestures = [(e.t, e.data["gesture"]) for e in events if e.type == "gesture"]
    assert gestures == [(1.2, "press"), (4.5, "long")]
    # Crossing the long threshold while held: the mode's word, said at once.
    assert (4.0, "held long") in said(events)
    assert [e.data for e in events if e.type == "threshold"] == [{"threshold": "long"}]


def test_a_quit_stops_speech_tells_the_mode_and_ends_the_loop() -> None:
    rt, clock, voice, _ = runtime()
    mode = Beeper(every=1.0, times=100)
    clock.call_at(2.5, rt.quit)
    rt.run(mode)
    assert rt.quit_requested
    assert (mode.quits, mode.left_at) == (1, 2.5)
    assert voice.stops == [2.5]
    assert rt.mode is None


def test_a_new_plan_goes_to_the_mode() -> None:
    rt, clock, _, _ = runtime()
    mode = Beeper(every=5.0, times=1)
    plan = Plan("p", ())
    clock.call_at(1.0, lambda: rt.post(NewPlan(plan)))
    rt.run(mode)
    assert mode.plans == [plan]


def test_the_end_of_a_script_is_an_error_for_a_mode_that_waits() -> None:
    rt, clock, _, _ = runtime()

    class Waiting(Mode):
        pass

    clock.advance(7.0)
    with pytest.raises(ScriptError, match=r"at 7\.0 s the session waits for the button"):
        rt.run(Waiting())


def test_one_turn_at_a_time() -> None:
    rt, clock, _, events = runtime()
    mode = Beeper(every=1.0, times=3)
    rt.switch(mode)
    rt.turn()
    assert said(events) == [(1.0, "beep")]
    rt.turn()
    assert clock.now() == 2.0
