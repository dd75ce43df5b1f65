"""Paced breathing, calm steps and "last one" on the virtual clock: what is said, and when."""

from __future__ import annotations

import itertools
from pathlib import Path

from coach.loader import load_routine
from coach.plan import compile_plan
from coach.routine import Breathing
from coach.voice import estimate_seconds
from tests.conftest import exercise, make_run, routine

ROOT = Path(__file__).resolve().parent.parent


def test_paced_breathing_is_said_on_the_breath_boundaries() -> None:
    r = routine(
        exercise("Breathing", kind="breathe", seconds=20.0, breathing=Breathing(4.0, 6.0, 2)),
        name="Calm",
    )
    run = make_run(r)
    assert run.go() == "finished"
    steps = dict((kind, t) for t, kind in reversed(run.steps()))
    start = steps["breathe"]
    said = [(round(t - start, 3), text) for t, text in run.said() if start <= t < steps["finish"]]
    assert said == [
        (0.0, "Breathe in."),
        (4.0, "And breathe out."),
        (10.0, "Breathe in."),
        (14.0, "And breathe out."),
    ]
    assert steps["finish"] - start == 20.0


def test_breathing_after_each_leg_of_a_hold() -> None:
    r = routine(
        exercise(
            "Balance",
            seconds=10.0,
            sides=("right leg", "left leg"),
            ready=0.0,
            breathe_after=Breathing(3.0, 5.0, 2),
        )
    )
    run = make_run(r)
    assert run.go() == "finished"
    texts = [text for _, text in run.said()]
    assert texts.count("Breathe in.") == 4 and texts.count("And breathe out.") == 4
    breathing = [t for t, kind in run.steps() if kind == "breathe"]
    assert len(breathing) == 2
    for start in breathing:
        words = ("Breathe in.", "And breathe out.")
        times = [round(t - start, 3) for t, text in run.said()
                 if text in words and start <= t < start + 16.0]  # fmt: skip
        assert times == [0.0, 3.0, 8.0, 11.0]
    # The right leg's breaths come before "Switch sides", the left leg's before the end.
    first_switch = texts.index("Switch sides. Left leg.")
    assert texts[:first_switch].count("Breathe in.") == 2


def test_a_calm_rest_says_no_digits_and_eases_back_before_its_end() -> None:
    r = routine(exercise("Rest", kind="activity", seconds=60.0, calm=True), name="Rest")
    run = make_run(r)
    assert run.go() == "finished"
    start = next(t for t, kind in run.steps() if kind == "activity")
    end = next(t for t, kind in run.steps() if kind == "finish")
    said = [(round(t - start, 3), text) for t, text in run.said() if start <= t < end]
    assert said == [(0.0, "Begin now."), (54.0, "Slowly come back.")]
    assert end - start == 60.0


def test_no_two_time_marks_at_one_moment_in_any_hold() -> None:
    for seconds in (20.0, 24.0, 30.0, 40.0, 45.0):
        run = make_run(routine(exercise("A", seconds=seconds, ready=0.0)))
        run.go()
        marks = [t for t, text in run.said() if text in ("Halfway.", "10 seconds left.")]
        assert all(b - a > 2.0 for a, b in itertools.pairwise(marks)), seconds


def test_the_default_routine_breathes_after_each_leg_and_rests_calmly() -> None:
    r = load_routine(ROOT / "routines" / "pinched-nerve-leg.yaml")
    by_name = {ex.name: ex for ex in r.exercises}
    balance = by_name["Standing balance stretch"]
    assert balance.breathe_after == Breathing(4.0, 6.0, 3)
    assert "breath" not in balance.after_set
    assert [ex.name for ex in r.exercises if ex.calm] == [
        "Rest and breathe",
        "Gentle leg massage",
        "Final rest",
    ]
    plan = compile_plan(r, estimate_seconds)
    breaths = [s for s in plan.steps if s.kind == "breathe"]
    assert [s.side for s in breaths] == ["right leg", "left leg"]
    for step in plan.steps:
        if step.exercise in ("Rest and breathe", "Gentle leg massage", "Final rest") and (
            step.kind != "announce"
        ):
            assert not [c for c in step.cues if any(ch.isdigit() for ch in c.text)]


def test_the_default_routine_is_safe_for_a_weak_or_numb_leg() -> None:
    r = load_routine(ROOT / "routines" / "pinched-nerve-leg.yaml")
    by_name = {ex.name: ex for ex in r.exercises}
    balance = by_name["Standing balance stretch"]
    # One hand on the support: the pose no longer asks for the other arm out front.
    assert "rest your free hand on it" in balance.instructions
    assert "up to twenty seconds" in balance.instructions
    assert "lower your leg early if you wobble" in balance.instructions
    for name in ("Standing balance stretch", "Seated forward reach"):
        assert "Ease off if tingling runs down your leg." in by_name[name].instructions
        assert by_name[name].ready == "button"  # getting up, or down to the floor
    for sign in ("bladder or bowels", "numbness between your legs", "a leg is"):
        assert sign in r.safety
