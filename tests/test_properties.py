"""Properties of every session: random routines within the limits, random gesture storms.

Hypothesis draws small routines (holds, activities, button steps, counted
reps, sides, sides in turn, sets, lead-ins) and storms of button presses at
any time and of any length (bounces, presses, long presses, stops, and holds
that end exactly on a threshold), runs them on the virtual clock and checks what must always hold:
the session ends, states change only along allowed edges, time never goes
back, no phrase talks over another unless the person acted, and every hold
(and every counted rep) that runs to its end lasts exactly its length once
pauses and lead-ins are taken out (from its last start, when a long pause,
or any pause in a rep, made it start again).
A run that does not end within a bounded number of turns fails.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach import phrases
from coach.clock import VirtualClock
from coach.events import Event
from coach.gestures import Edge
from coach.plan import compile_plan
from coach.routine import Exercise, Kind, Routine, Tempo
from coach.runtime import Runtime
from coach.session import SessionMode, resume_lead_in
from coach.tones import tone_seconds
from coach.voice import RecordingVoice

ALLOWED = {
    ("idle", "running"),
    ("idle", "stopped"),
    ("running", "paused"),
    ("running", "finished"),
    ("running", "stopped"),
    ("paused", "running"),
    ("paused", "stopped"),
}
KINDS: tuple[Kind, ...] = ("hold", "activity", "button", "counted")
TEMPOS = st.sampled_from(
    [
        Tempo((("", 1.0),)),
        Tempo((("", 3.0),)),
        Tempo((("up", 0.5), ("down", 0.5))),
        Tempo((("up", 2.0), ("hold", 1.5), ("down", 2.0))),
        Tempo((("hold", 5.0), ("relax", 3.0))),
    ]
)
SECONDS = st.sampled_from([1.0, 2.0, 3.0, 4.5, 5.0, 7.5, 10.0, 20.0, 40.0])
#: How long a finger holds the button: bounces, presses, the thresholds exactly, long, stop.
HOLDS = st.one_of(
    st.sampled_from([0.01, 0.03, 0.1, 0.999, 1.0, 1.2, 2.999, 3.0, 3.2]),
    st.floats(min_value=0.0, max_value=5.0, allow_nan=False),
)


@st.composite
def exercises(draw: st.DrawFn) -> Exercise:
    kind: Kind = draw(st.sampled_from(KINDS))
    tempo = draw(TEMPOS) if kind == "counted" else None
    sides = draw(st.sampled_from([(), ("right leg", "left leg")]))
    return Exercise(
        name=draw(st.sampled_from(["Reach", "Lunge", "Breathe"])),
        kind=kind,
        seconds=None if kind == "button" else tempo.seconds if tempo else draw(SECONDS),
        instructions=draw(st.sampled_from(["", "Sit tall and reach forward.", "Lean {side}."])),
        sides=sides,
        tempo=tempo,
        alternate=bool(sides) and draw(st.booleans()),
        sets=draw(st.integers(1, 2)),
        reps=draw(st.integers(1, 3)),
        rest_seconds=draw(st.sampled_from([0.0, 2.0, 5.0, 10.0])),
        set_rest_seconds=draw(st.sampled_from([0.0, 5.0])),
        ready=draw(st.sampled_from([0.0, 1.0, 3.0, 5.0, "button"])),
        after_set=draw(st.sampled_from(["", "Breathe deeply."])),
    )


routines = st.builds(
    Routine,
    name=st.just("Test"),
    exercises=st.lists(exercises(), min_size=1, max_size=3).map(tuple),
    safety=st.sampled_from(["", "Stop if it hurts."]),
    pain_check=st.booleans(),
    check_in=st.booleans(),
)


@st.composite
def storms(draw: st.DrawFn) -> list[tuple[float, float]]:
    """Presses as (down at, held for), one after another, with any gaps."""
    presses = []
    t = 0.0
    for _ in range(draw(st.integers(0, 25))):
        t += draw(st.floats(min_value=0.0, max_value=30.0, allow_nan=False))
        t = round(t, draw(st.integers(1, 3)))  # awkward decimals, as a script would have
        held = draw(HOLDS)
        presses.append((t, held))
        t += held + 0.001
    return presses


@dataclass
class Outcome:
    events: list[Event]
    voice: RecordingVoice
    session: SessionMode
    turns: int


def run(routine: Routine, presses: list[tuple[float, float]], tones: bool, wait: bool) -> Outcome:
    clock = VirtualClock()
    voice = RecordingVoice(clock.now)
    events: list[Event] = []
    runtime = Runtime(clock, voice, listeners=[events.append], tones=tones)
    plan = compile_plan(routine, voice.duration, tones)
    session = SessionMode(plan, wait_for_press=wait)
    last = 0.0
    for down, held in presses:
        clock.call_at(down, lambda: runtime.post(Edge(True, clock.now())))
        clock.call_at(down + held, lambda: runtime.post(Edge(False, clock.now())))
        last = down + held
    # A stop at the very end, so a session left paused or waiting still ends.
    end = last + plan.total_seconds + 100.0
    clock.call_at(end, lambda: runtime.post(Edge(True, clock.now())))
    clock.call_at(end + 3.5, lambda: runtime.post(Edge(False, clock.now())))
    runtime.switch(session)
    bound = 50 * (len(plan.steps) + sum(len(s.cues) for s in plan.steps) + len(presses)) + 500
    turns = 0
    while runtime.mode is not None:
        runtime.turn()
        turns += 1
        assert turns <= bound, f"no end after {turns} turns"
    return Outcome(events, voice, session, turns)


CHECKS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@CHECKS
@given(routines, storms(), st.booleans(), st.booleans())
def test_every_session_ends_along_allowed_edges_and_time_runs_forward(
    routine: Routine, presses: list[tuple[float, float]], tones: bool, wait: bool
) -> None:
    out = run(routine, presses, tones, wait)
    assert out.session.state in ("finished", "stopped")
    states = [e.data["state"] for e in out.events if e.type == "state"]
    assert states[0] == ("idle" if wait else "running")
    assert states[-1] == out.session.state
    for before, after in itertools.pairwise(states):
        assert (before, after) in ALLOWED, states
    times = [e.t for e in out.events]
    assert times == sorted(times)


@CHECKS
@given(routines, storms(), st.booleans())
def test_no_phrase_talks_over_another_unless_the_person_acted(
    routine: Routine, presses: list[tuple[float, float]], tones: bool
) -> None:
    out = run(routine, presses, tones, wait=False)
    acted = [e.t for e in out.events if e.type in ("gesture", "threshold")]
    said = out.voice.said
    for a, b in itertools.pairwise(said):
        ends = a.t + out.voice.duration(a.text) + tone_seconds(a.tone)
        if b.t < ends - 1e-6:
            assert any(a.t < t <= b.t for t in acted), f"{b.text!r} at {b.t} cut {a.text!r}"


@CHECKS
@given(routines, storms())
def test_a_hold_that_runs_to_its_end_lasts_exactly_its_length(
    routine: Routine, presses: list[tuple[float, float]]
) -> None:
    out = run(routine, presses, tones=True, wait=False)
    events = out.events
    starts = [i for i, e in enumerate(events) if e.type == "step"]
    for here, there in itertools.pairwise(starts):
        step = events[here]
        if step.data["kind"] not in ("hold", "rep"):
            continue
        between = events[here:there]
        if any(e.type == "gesture" and e.data["gesture"] != "press" for e in between):
            continue  # skipped or stopped: it did not run to its end
        t0, t1 = step.t, events[there].t
        paused = running_again = 0.0
        pause_at: float | None = None
        for i, e in enumerate(between):
            if e.type != "state":
                continue
            if e.data["state"] == "paused":
                pause_at = e.t
            elif e.data["state"] == "running" and pause_at is not None:
                paused += e.t - pause_at
                pause_at = None
                # The lead-in after a resume does not count, up to a pause within it:
                # the words said at once, then a whole 3-2-1.
                words = next(x.data["text"] for x in between[i + 1 :] if x.type == "say")
                later = [x.t for x in between[i + 1 :] if x.type == "state"]
                lead_end = min([e.t + resume_lead_in(out.voice.duration(words)), t1, *later])
                running_again += lead_end - e.t
                if words.endswith((phrases.HOLD_AGAIN, phrases.REP_AGAIN)):
                    # A pause past the setting: the hold starts again after the lead-in.
                    t0, paused, running_again = lead_end, 0.0, 0.0
        assert pause_at is None
        held = t1 - t0 - paused - running_again
        assert abs(held - step.data["duration_seconds"]) < 1e-6, (t0, t1, between)


@CHECKS
@given(routines, storms(), st.booleans())
def test_every_step_that_begins_ends_once_and_passed_over_steps_are_missed(
    routine: Routine, presses: list[tuple[float, float]], wait: bool
) -> None:
    out = run(routine, presses, tones=False, wait=wait)
    open_step: int | None = None
    ended: list[int] = []
    for e in out.events:
        if e.type == "step":
            assert open_step is None, "a step began before the one before it ended"
            open_step = e.data["index"]
        elif e.type == "step_end":
            index, outcome = e.data["index"], e.data["outcome"]
            if outcome == "missed":
                assert open_step is None and index not in ended
            else:
                assert index == open_step
                open_step = None
            ended.append(index)
    assert open_step is None
    assert ended == sorted(ended) and len(set(ended)) == len(ended)
    if out.session.state == "finished":
        assert ended == list(range(len(out.session.plan.steps)))
