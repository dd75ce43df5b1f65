"""Compiling routines into plans: order of work, cue rules, the no-overlap rule."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import replace

import pytest

from coach.errors import RoutineError
from coach.plan import (
    MAX_PLAN_SECONDS,
    MAX_PLAN_STEPS,
    SHORT_HOLD,
    Cue,
    Draft,
    Plan,
    PlanSize,
    Priority,
    Step,
    compile_plan,
    iter_cues,
    layout,
    plan_size,
)
from coach.routine import Breathing, Exercise, Routine
from coach.tones import NOTES, TONE_NAMES, tone_seconds
from coach.voice import estimate_seconds
from tests.conftest import exercise, routine

TIME_LEFT = ("Halfway.", "10 seconds left.", "10 seconds.")


def plan_of(*exercises, tones: bool = False, **kw) -> Plan:
    return compile_plan(routine(*exercises, **kw), estimate_seconds, tones=tones)


def cues(step: Step) -> list[tuple[float, str]]:
    return [(c.offset_seconds, c.text) for c in step.cues]


def only(plan: Plan, kind: str) -> list[Step]:
    return [s for s in plan.steps if s.kind == kind]


def assert_no_overlap(plan: Plan) -> None:
    for step in plan.steps:
        for cue in step.cues:
            assert cue.offset_seconds >= 0
            if step.duration_seconds is not None:
                assert cue.end_seconds <= step.duration_seconds + 1e-9, (step.kind, cue)
        for a, b in zip(step.cues, step.cues[1:]):
            assert a.end_seconds <= b.offset_seconds + 1e-9, (step.kind, a, b)
    # Across steps; a step that waits for the button ends with a press, which
    # also cuts its speech, so its cues cannot run into the next step.
    timed = {id(c) for s in plan.steps if not s.until_button for c in s.cues}
    timeline = list(iter_cues(plan))
    for (ta, a), (tb, _b) in itertools.pairwise(timeline):
        if id(a) in timed:
            assert ta + a.duration_seconds <= tb + 1e-9


# -- order of work -------------------------------------------------------------------


def test_order_is_sets_then_sides_then_reps() -> None:
    plan = plan_of(
        exercise(
            "A",
            seconds=5.0,
            sides=("right", "left"),
            sets=2,
            reps=2,
            rest_seconds=4.0,
            set_rest_seconds=20.0,
            after_set="Breathe deeply.",
        )
    )
    shape = [(s.kind, s.set, s.side, s.rep) for s in plan.steps if s.kind != "announce"]
    assert shape == [
        ("ready", 1, "right", None),
        ("hold", 1, "right", 1),
        ("rest", 1, "right", 1),
        ("hold", 1, "right", 2),
        ("ready", 1, "left", None),
        ("hold", 1, "left", 1),
        ("rest", 1, "left", 1),
        ("hold", 1, "left", 2),
        ("rest", 1, None, None),  # the set rest
        ("ready", 2, "right", None),
        ("hold", 2, "right", 1),
        ("rest", 2, "right", 1),
        ("hold", 2, "right", 2),
        ("ready", 2, "left", None),
        ("hold", 2, "left", 1),
        ("rest", 2, "left", 1),
        ("hold", 2, "left", 2),
        ("finish", None, None, None),
    ]


def test_switch_sides_is_announced_between_sides() -> None:
    plan = plan_of(exercise("A", seconds=5.0, sides=("right leg", "left leg")))
    switch = [s for s in plan.steps if s.kind == "announce" and s.side == "left leg"]
    assert len(switch) == 1
    assert [c.text for c in switch[0].cues] == ["Release.", "Switch sides. Left leg."]


def test_bare_side_names_are_spoken_as_sides() -> None:
    plan = plan_of(exercise("A", seconds=5.0, sides=("right", "left"), reps=2, rest_seconds=10.0))
    texts = [c.text for s in plan.steps for c in s.cues]
    assert "Start with the right side." in texts
    assert "Switch sides. Left side." in texts
    assert "Next: left side, rep 2 of 2, the last one." in texts


def test_after_set_is_said_in_the_set_rest_with_a_preview() -> None:
    plan = plan_of(
        exercise(
            "A",
            seconds=5.0,
            sets=2,
            set_rest_seconds=30.0,
            after_set="Take {sets} deep breaths after set {set}.",
        )
    )
    set_rest = only(plan, "rest")[0]
    assert set_rest.duration_seconds == 30.0
    assert [c.text for c in set_rest.cues] == [
        "Release. Rest.",
        "Take 2 deep breaths after set 1.",
        "Next: set 2 of 2.",
    ]


def test_after_set_without_a_set_rest_gets_its_own_announcement() -> None:
    plan = plan_of(exercise("A", seconds=5.0, sets=2, after_set="Breathe."), exercise("B"))
    announce_texts = [[c.text for c in s.cues] for s in only(plan, "announce")]
    assert ["Release.", "Breathe.", "Set 2 of 2."] in announce_texts
    # After the last set it comes before the next exercise is introduced.
    assert ["Release.", "Breathe."] in announce_texts


def test_placeholders_are_filled_in() -> None:
    plan = plan_of(
        exercise(
            "Lunge",
            seconds=20.0,
            sides=("right leg", "left leg"),
            reps=3,
            instructions="Hold {exercise} for {seconds} seconds, {reps} times, {side} first.",
        )
    )
    intro = plan.steps[1]
    assert "Hold Lunge for 20 seconds, 3 times, right leg first." in [c.text for c in intro.cues]


def test_activity_and_button_exercises() -> None:
    plan = plan_of(
        exercise("Breathe", kind="activity", seconds=60.0),
        exercise("Squeeze", kind="button", seconds=None, reps=2, rest_seconds=5.0),
    )
    activity = only(plan, "activity")[0]
    assert cues(activity) == [
        (0.0, "Begin now."),
        (30.0, "Halfway."),
        (50.0, "10 seconds left."),
        (57.0, "3"),
        (58.0, "2"),
        (59.0, "1"),
    ]
    assert not only(plan, "ready")  # lead-ins belong to holds only
    waits = only(plan, "wait")
    assert [w.duration_seconds for w in waits] == [None, None]
    assert cues(waits[0]) == [(0.0, "Rep 1 of 2. Press the button when you are done.")]
    rest = only(plan, "rest")[0]
    assert "3" not in [c.text for c in rest.cues]  # nothing timed follows: no count-in


def test_ready_button_waits_for_a_press() -> None:
    plan = plan_of(exercise("A", seconds=5.0, ready="button"))
    ready = only(plan, "ready")[0]
    assert ready.until_button
    assert cues(ready) == [(0.0, "Press the button when you are ready.")]


def test_ready_zero_starts_the_hold_at_once() -> None:
    plan = plan_of(exercise("A", seconds=5.0, ready=0.0))
    assert not only(plan, "ready")


# -- cue rules ------------------------------------------------------------------------


def test_a_20_second_hold() -> None:
    hold = only(plan_of(exercise("A", seconds=20.0)), "hold")[0]
    assert cues(hold) == [
        (0.0, "Hold still."),
        (10.0, "10 seconds left."),
        (17.0, "3"),
        (18.0, "2"),
        (19.0, "1"),
    ]
    assert [c.priority for c in hold.cues] == [
        Priority.KEY,
        Priority.INFO,
        Priority.COUNT,
        Priority.COUNT,
        Priority.COUNT,
    ]


def test_a_40_second_hold_also_says_halfway() -> None:
    hold = only(plan_of(exercise("A", seconds=40.0)), "hold")[0]
    assert (20.0, "Halfway.") in cues(hold)
    assert (30.0, "10 seconds left.") in cues(hold)


def test_short_holds_have_no_time_left_cue() -> None:
    hold = only(plan_of(exercise("A", seconds=19.0)), "hold")[0]
    assert [t for _, t in cues(hold)] == ["Hold still.", "3", "2", "1"]


def test_ready_counts_in_with_3_2_1() -> None:
    ready = only(plan_of(exercise("A", seconds=5.0, ready=5.0)), "ready")[0]
    assert cues(ready) == [(0.0, "Get ready."), (2.0, "3"), (3.0, "2"), (4.0, "1")]


def test_rest_previews_what_comes_next_and_counts_in() -> None:
    plan = plan_of(exercise("A", seconds=5.0, sides=("left leg",), reps=3, rest_seconds=10.0))
    rest = only(plan, "rest")[1]
    assert cues(rest) == [
        (0.0, "Release. Rest."),
        (1.15, "Next: left leg, rep 3 of 3, the last one."),
        (7.0, "3"),
        (8.0, "2"),
        (9.0, "1"),
    ]


def test_a_short_rest_drops_the_preview_not_the_countdown() -> None:
    rest = only(plan_of(exercise("A", seconds=5.0, reps=3, rest_seconds=4.0)), "rest")[0]
    assert [c.text for c in rest.cues] == ["Release. Rest.", "3", "2", "1"]
    assert [c.text for c in rest.dropped] == ["Next: rep 2 of 3."]


@pytest.mark.parametrize("seconds", [2.0, 4.0, 4.9])
def test_a_hold_under_5_seconds_says_no_digits(seconds: float) -> None:
    # A 4 s hold has room for "Hold still. 3, 2, 1", but a lone number in a
    # short hold is heard as a count of reps: the digits are left out, shown why.
    plan = plan_of(exercise("A", seconds=seconds, reps=3, rest_seconds=2.0))
    for hold in only(plan, "hold"):
        assert [c.text for c in hold.cues] == ["Hold still."] or [c.text for c in hold.cues] == [
            "Release. Hold still."
        ]
        assert not any(ch.isdigit() for c in hold.cues for ch in c.text)
        assert [(c.text, c.reason) for c in hold.dropped] == [
            (digit, SHORT_HOLD) for digit in ("3", "2", "1")
        ]
        assert not hold.lost_countdown
    five = only(plan_of(exercise("A", seconds=5.0)), "hold")[0]
    assert [c.text for c in five.cues] == ["Hold still.", "3", "2", "1"]


@pytest.mark.parametrize("ready", [3.0, 4.0, 5.0, 10.0])
def test_a_lead_in_of_3_seconds_or_more_gets_a_whole_countdown(ready: float) -> None:
    step = only(plan_of(exercise("A", ready=ready)), "ready")[0]
    digits = [(c.offset_seconds, c.text) for c in step.cues if c.priority == Priority.COUNT]
    assert digits == [(ready - 3, "3"), (ready - 2, "2"), (ready - 1, "1")]
    assert not step.lost_countdown


def test_get_ready_gives_way_to_the_countdown_in_a_3_second_lead_in() -> None:
    step = only(plan_of(exercise("A", ready=3.0)), "ready")[0]
    assert [c.text for c in step.cues] == ["3", "2", "1"]
    assert [(c.text, c.reason) for c in step.dropped] == [("Get ready.", "no room")]


def test_no_plan_has_a_countdown_without_its_3() -> None:
    for seconds in (1.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0, 20.0):
        ex = exercise("A", seconds=seconds, ready=seconds, reps=2, rest_seconds=seconds)
        for step in plan_of(ex).steps:
            digits = [c.text for c in step.cues if c.priority == Priority.COUNT]
            assert digits in ([], ["3", "2", "1"]), (seconds, step.kind, digits)


def test_a_long_cue_is_shortened_before_it_is_dropped() -> None:
    def slow(text: str) -> float:
        # Said slowly, "10 seconds left." would run into the countdown at 17 s.
        return 7.5 if text == "10 seconds left." else estimate_seconds(text)

    hold = only(compile_plan(routine(exercise("A", seconds=20.0)), slow, tones=False), "hold")[0]
    assert (10.0, "10 seconds.") in cues(hold)
    assert (17.0, "3") in cues(hold)


# -- layout ---------------------------------------------------------------------------


def fixed(durations: dict[str, float]) -> Callable[[str], float]:
    return lambda text: durations[text]


def test_layout_places_by_priority_and_moves_only_movable_cues() -> None:
    d = fixed({"key": 1.0, "count": 0.5, "info": 2.0, "preview": 1.0})
    placed, dropped = layout(
        [
            Draft(0.5, "info", Priority.INFO),  # collides with key: not movable, dropped
            Draft(0.0, "preview", Priority.PREVIEW, movable=True),  # moves after count
            Draft(0.0, "key", Priority.KEY),
            Draft(1.0, "count", Priority.COUNT),
        ],
        5.0,
        d,
    )
    assert [(c.offset_seconds, c.text) for c in placed] == [
        (0.0, "key"),
        (1.0, "count"),
        (1.7, "preview"),
    ]
    assert [c.text for c in dropped] == ["info"]


def test_layout_never_runs_past_the_step() -> None:
    placed, dropped = layout([Draft(4.0, "x", Priority.KEY)], 4.5, fixed({"x": 1.0}))
    assert placed == [] and [c.text for c in dropped] == ["x"]


def test_untimed_steps_have_no_end() -> None:
    placed, _ = layout([Draft(100.0, "x", Priority.KEY)], None, fixed({"x": 1.0}))
    assert placed == [Cue(100.0, "x", Priority.KEY, 1.0)]


@pytest.mark.parametrize("hold", [1.0, 2.0, 3.0, 4.0, 7.0, 12.0, 20.0, 33.0, 40.0, 95.0])
@pytest.mark.parametrize("rest", [0.0, 1.0, 3.0, 5.0, 10.0])
def test_cues_never_overlap(hold: float, rest: float) -> None:
    plan = plan_of(
        exercise(
            "One-legged balance stretch",
            seconds=hold,
            sides=("right leg", "left leg"),
            reps=3,
            rest_seconds=rest,
            sets=2,
            set_rest_seconds=rest,
            after_set="Breathe in slowly through the nose, and out through the mouth.",
            ready=min(hold, 5.0),
        ),
        exercise("Breathing", kind="activity", seconds=hold, reps=2, rest_seconds=rest),
        safety="Stop if the pain grows or numbness appears.",
    )
    assert_no_overlap(plan)


def test_plan_total_and_json() -> None:
    plan = plan_of(
        exercise("A", seconds=5.0, reps=2, rest_seconds=8.0, ready=3.0),
        exercise("B", kind="button", seconds=None),
    )
    data = json.loads(json.dumps(plan.to_json()))
    assert data["total_seconds"] == round(sum(s.duration_seconds or 0 for s in plan.steps), 3)
    assert data["button_steps"] == 1
    first = data["steps"][0]
    assert set(first) == {
        "kind",
        "start_seconds",
        "duration_seconds",
        "exercise",
        "side",
        "rep",
        "reps",
        "set",
        "sets",
        "cues",
        "dropped",
    }
    starts = [s["start_seconds"] for s in data["steps"]]
    assert starts == sorted(starts) and starts[0] == 0.0
    wait = next(s for s in data["steps"] if s["kind"] == "wait")
    assert wait["duration_seconds"] is None


def test_plan_phrases_are_distinct_and_in_order() -> None:
    plan = plan_of(exercise("A", seconds=5.0, reps=3, rest_seconds=8.0), tones=True)
    phrases = plan.phrases()
    assert len(phrases) == len(set(phrases))
    assert phrases[0] == ("Test.", None)
    assert ("Hold still.", "start") in phrases and ("3", None) in phrases


# -- tones ------------------------------------------------------------------------------


def test_tones_mark_start_end_and_the_end_of_a_set() -> None:
    plan = plan_of(
        exercise("A", seconds=5.0, sides=("right", "left"), reps=2, rest_seconds=8.0, sets=2,
                 set_rest_seconds=20.0),
        tones=True,
    )  # fmt: skip
    toned = [(s.kind, s.side, c.text, c.tone) for s in plan.steps for c in s.cues if c.tone]
    per_set = [
        ("hold", "right", "Hold still.", "start"),
        ("rest", "right", "Release. Rest.", "end"),
        ("hold", "right", "Hold still.", "start"),
        ("announce", "left", "Release.", "end"),
        ("hold", "left", "Hold still.", "start"),
        ("rest", "left", "Release. Rest.", "end"),
        ("hold", "left", "Hold still.", "start"),
    ]
    assert toned == [
        *per_set,
        ("rest", None, "Release. Rest.", "set_end"),
        *per_set,
        ("finish", None, "Release.", "set_end"),
    ]


def test_a_tone_counts_in_the_length_of_its_cue() -> None:
    hold = only(plan_of(exercise("A", seconds=20.0), tones=True), "hold")[0]
    start = hold.cues[0]
    assert start.duration_seconds == pytest.approx(
        tone_seconds("start") + estimate_seconds("Hold still.")
    )
    assert_no_overlap(plan_of(exercise("A", seconds=4.0, reps=3, rest_seconds=2.0), tones=True))


def test_a_routine_can_turn_tones_off() -> None:
    quiet = replace(routine(exercise("A", seconds=5.0)), tones=False)
    plan = compile_plan(quiet, estimate_seconds, tones=True)
    assert all(c.tone is None for s in plan.steps for c in s.cues)


# -- the size of a plan -------------------------------------------------------------------

TIMED = ("ready", "hold", "activity", "rest", "breathe")


def _variants() -> list[Exercise]:
    shapes = itertools.product(
        (("hold", 6.0), ("activity", 30.0), ("button", None)),
        ((), ("right",), ("right", "left", "middle")),
        (1, 3),  # sets
        (1, 2),  # reps
        (0.0, 4.0),  # rest between reps
        (0.0, 20.0),  # rest between sets
        (0.0, 5.0, "button"),  # ready
        ("", "Set {set} done.", "{side}"),  # after_set: "{side}" says nothing without sides
    )
    return [
        exercise(kind=kind, seconds=seconds, sides=sides, sets=sets, reps=reps,
                 rest_seconds=rest, set_rest_seconds=set_rest, ready=ready, after_set=after)
        for (kind, seconds), sides, sets, reps, rest, set_rest, ready, after in shapes
    ]  # fmt: skip


def test_plan_size_counts_exactly_what_compile_plan_builds() -> None:
    variants = _variants()
    # A few exercises to a routine: the count must hold across exercises too.
    for start in range(0, len(variants), 6):
        r = routine(*variants[start : start + 6])
        plan = compile_plan(r, estimate_seconds)
        size = plan_size(r)
        assert size.steps == len(plan.steps), r
        timed = sum(s.duration_seconds or 0.0 for s in plan.steps if s.kind in TIMED)
        assert size.timed_seconds == pytest.approx(timed), r


def _button_reps(*reps: int) -> Routine:
    return routine(*(exercise(kind="button", seconds=None, reps=n) for n in reps))


def test_a_plan_of_four_hours_and_5000_steps_is_allowed_and_no_more() -> None:
    assert (MAX_PLAN_SECONDS, MAX_PLAN_STEPS) == (4 * 3600, 5000)
    four_hours = routine(exercise(seconds=3600.0, sets=4, ready=0.0))
    assert plan_size(four_hours) == PlanSize(steps=2 + 1 + 4 + 3, timed_seconds=14400.0)
    compile_plan(four_hours, estimate_seconds)
    # 2 + 49 * (1 + 100) + (1 + 48): the introduction, summary and 49 and one exercises
    steps = _button_reps(*[100] * 49, 48)
    assert plan_size(steps).steps == 5000 and plan_size(steps).problem is None
    compile_plan(steps, estimate_seconds)

    longer = routine(exercise(seconds=3600.0, sets=4, ready=1.0))
    assert plan_size(longer).problem == (
        "must plan at most 4:00:00 (h:mm:ss) and 5,000 steps, got 4:00:04 and 14 steps"
    )
    more = _button_reps(*[100] * 49, 49)
    assert plan_size(more).problem == (
        "must plan at most 4:00:00 (h:mm:ss) and 5,000 steps, got 0:00:00 and 5,001 steps"
    )


def test_a_routine_of_years_is_refused_before_a_step_is_built() -> None:
    years = replace(
        routine(
            *[
                exercise(f"E{n}", seconds=3600.0, sides=("left", "right"), sets=100, reps=100,
                         rest_seconds=3600.0, set_rest_seconds=3600.0, ready=3600.0)
                for n in range(200)
            ]
        ),
        source="years.yaml",
    )  # fmt: skip
    assert plan_size(years).steps == 2 + 200 * (1 + 100 * (2 * (1 + 100 + 99) + 1) + 99)
    with pytest.raises(RoutineError) as caught:
        compile_plan(years, estimate_seconds)
    assert caught.value.problems == [
        "years.yaml: exercises: must plan at most 4:00:00 (h:mm:ss) and 5,000 steps, "
        "got 8,019,800:00:00 and 8,040,002 steps"
    ]


# -- paced breathing -----------------------------------------------------------------


def _breaths(in_seconds: float = 4.0, out_seconds: float = 6.0, breaths: int = 3) -> Breathing:
    return Breathing(in_seconds, out_seconds, breaths)


def test_a_breathe_exercise_cues_fall_exactly_on_every_breath() -> None:
    plan = plan_of(
        exercise("Breathe", kind="breathe", seconds=30.0, breathing=_breaths(4.0, 6.0, 3))
    )
    (step,) = only(plan, "breathe")
    assert step.duration_seconds == 30.0
    assert cues(step) == [
        (0.0, "Breathe in."),
        (4.0, "And breathe out."),
        (10.0, "Breathe in."),
        (14.0, "And breathe out."),
        (20.0, "Breathe in."),
        (24.0, "And breathe out."),
    ]
    assert step.dropped == ()
    assert [s.kind for s in plan.steps] == ["announce", "announce", "breathe", "finish"]
    assert_no_overlap(plan)


def test_breathe_after_follows_every_side_of_every_set() -> None:
    plan = plan_of(
        exercise(
            "A",
            seconds=5.0,
            sides=("right leg", "left leg"),
            sets=2,
            ready=0.0,
            breathe_after=_breaths(3.0, 5.0, 2),
        )
    )
    shape = [(s.kind, s.set, s.side) for s in plan.steps if s.kind in ("hold", "breathe")]
    assert shape == [
        ("hold", 1, "right leg"),
        ("breathe", 1, "right leg"),
        ("hold", 1, "left leg"),
        ("breathe", 1, "left leg"),
        ("hold", 2, "right leg"),
        ("breathe", 2, "right leg"),
        ("hold", 2, "left leg"),
        ("breathe", 2, "left leg"),
    ]
    first = plan.steps.index(only(plan, "breathe")[0])
    # The stop word and a word to begin come first, so the first breath keeps its time.
    assert [c.text for c in plan.steps[first - 1].cues] == [
        "Release.",
        "Now take slow breaths with me.",
    ]
    assert cues(plan.steps[first]) == [
        (0.0, "Breathe in."),
        (3.0, "And breathe out."),
        (8.0, "Breathe in."),
        (11.0, "And breathe out."),
    ]
    assert plan.steps[first].duration_seconds == 16.0
    assert_no_overlap(plan)


def test_breathing_too_fast_for_the_words_keeps_the_in_breaths() -> None:
    slow_voice: Callable[[str], float] = lambda text: 2.5  # noqa: E731
    r = routine(exercise("B", kind="breathe", seconds=8.0, breathing=_breaths(2.0, 2.0, 2)))
    (step,) = only(compile_plan(r, slow_voice, tones=False), "breathe")
    assert [c.text for c in step.cues] == ["Breathe in.", "Breathe in."]
    assert [c.text for c in step.dropped] == ["And breathe out.", "And breathe out."]


def test_plan_size_counts_breathing_exactly() -> None:
    variants = [
        exercise("A", kind="breathe", seconds=20.0, breathing=_breaths(4.0, 6.0, 2), reps=2),
        exercise("B", seconds=5.0, sides=("l", "r"), sets=3, breathe_after=_breaths()),
        exercise("C", kind="activity", seconds=9.0, sets=2, set_rest_seconds=5.0,
                 breathe_after=_breaths(2.0, 3.0, 1), after_set="Good."),
        exercise("D", kind="button", seconds=None, reps=2, breathe_after=_breaths()),
    ]  # fmt: skip
    r = routine(*variants)
    plan = compile_plan(r, estimate_seconds)
    size = plan_size(r)
    assert size.steps == len(plan.steps)
    timed = sum(s.duration_seconds or 0.0 for s in plan.steps if s.kind in TIMED)
    assert size.timed_seconds == pytest.approx(timed)


# -- calm exercises ------------------------------------------------------------------


def test_a_calm_activity_says_no_digits_and_comes_back_softly() -> None:
    plan = plan_of(exercise("Rest", kind="activity", seconds=60.0, calm=True), tones=True)
    (step,) = only(plan, "activity")
    assert [(c.offset_seconds, c.text, c.tone) for c in step.cues] == [
        (0.0, "Begin now.", "start"),
        (54.0, "Slowly come back.", "soft"),
    ]
    # The end is marked gently: no "Time." after it.
    assert plan.steps[-1].cues[0].text.startswith("Well done.")


def test_calm_steps_say_no_digits_anywhere_in_them() -> None:
    plan = plan_of(
        exercise("Massage", kind="activity", seconds=45.0, reps=3, rest_seconds=15.0, calm=True),
        exercise("Hold", seconds=30.0, reps=2, sides=("left", "right"), calm=True),
    )
    said = [c.text for s in plan.steps if s.kind != "announce" and s.kind != "finish"
            for c in s.cues]  # fmt: skip
    assert said and not [t for t in said if any(ch.isdigit() for ch in t)]
    assert "Halfway." not in said and "10 seconds left." not in said
    assert said.count("Slowly come back.") == 3 + 4
    assert_no_overlap(plan)


def test_a_calm_step_too_short_for_a_gentle_end_says_it_halfway() -> None:
    (step,) = only(plan_of(exercise("R", kind="activity", seconds=8.0, calm=True)), "activity")
    assert cues(step) == [(0.0, "Begin now."), (4.0, "Slowly come back.")]


def test_the_soft_tone_is_gentle_and_short() -> None:
    assert "soft" in TONE_NAMES
    assert max(frequency for frequency, _ in NOTES["soft"]) < 500
    assert tone_seconds("soft") < 1.0


# -- how much is counted -------------------------------------------------------------


def test_halfway_and_ten_seconds_left_are_never_said_at_one_moment() -> None:
    for seconds in range(1, 121):
        hold = only(plan_of(exercise("A", seconds=float(seconds))), "hold")[0]
        marks = [c.offset_seconds for c in hold.cues if c.text in TIME_LEFT]
        assert all(b - a > 2.0 for a, b in itertools.pairwise(marks)), seconds


def test_a_twenty_second_hold_says_ten_seconds_left_once_and_no_halfway() -> None:
    hold = only(plan_of(exercise("A", seconds=20.0)), "hold")[0]
    assert [c.text for c in hold.cues] == ["Hold still.", "10 seconds left.", "3", "2", "1"]


def test_count_end_says_only_the_countdown_at_the_end_of_holds() -> None:
    r = routine(
        exercise("A", seconds=40.0, reps=2, rest_seconds=10.0, ready=5.0),
        exercise("B", kind="activity", seconds=30.0),
    )
    plan = compile_plan(r, estimate_seconds, tones=False, count="end")
    holds = only(plan, "hold")
    assert [c.text for c in holds[0].cues] == ["Hold still.", "3", "2", "1"]
    for step in [*only(plan, "ready"), *only(plan, "rest"), *only(plan, "activity")]:
        assert not [c for c in step.cues if c.priority == Priority.COUNT], step.kind
        assert not [c for c in step.cues if c.text in TIME_LEFT], step.kind
    # The default counts everything, as before.
    everything = compile_plan(r, estimate_seconds, tones=False)
    assert [c.text for c in only(everything, "hold")[0].cues] == [
        "Hold still.", "Halfway.", "10 seconds left.", "3", "2", "1",
    ]  # fmt: skip


def test_last_one_is_said_in_the_rest_before_the_final_rep() -> None:
    plan = plan_of(exercise("A", seconds=10.0, reps=3, rest_seconds=10.0))
    rests = only(plan, "rest")
    assert "Next: rep 2 of 3." in [c.text for c in rests[0].cues]
    assert "Next: rep 3 of 3, the last one." in [c.text for c in rests[1].cues]


def test_last_one_falls_back_to_its_short_form_in_a_short_rest() -> None:
    rest = only(plan_of(exercise("A", seconds=10.0, reps=2, rest_seconds=6.0)), "rest")[0]
    assert "Last one." in [c.text for c in rest.cues]


def test_last_one_starts_the_final_rep_when_there_is_no_rest() -> None:
    plan = plan_of(
        exercise("A", seconds=10.0, reps=2, rest_seconds=0.0),
        exercise("B", kind="button", seconds=None, reps=2),
    )
    assert [h.cues[0].text for h in only(plan, "hold")] == [
        "Hold still.",
        "Release. Last one. Hold still.",
    ]
    assert [w.cues[0].text for w in only(plan, "wait")] == [
        "Rep 1 of 2. Press the button when you are done.",
        "Last one. Rep 2 of 2. Press the button when you are done.",
    ]
