"""Check-ins on the virtual clock: pain by counted presses, "did that hurt?", and their events."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from coach import phrases
from coach.checkin import (
    NO_ANSWER_SECONDS,
    PAIN_CONFIRM_SECONDS,
    carrying_on_phrases,
    check_in_phrases,
    with_check_ins,
)
from coach.errors import RoutineError
from coach.gestures import Gesture, Thresholds
from coach.loader import parse_routine
from coach.plan import ANNOUNCE_GAP_SECONDS, ANNOUNCE_TAIL_SECONDS, compile_plan, plan_size
from coach.routine import Routine
from coach.session import SessionMode
from coach.speech.setup import all_phrases
from coach.voice import estimate_seconds
from tests.conftest import Run, exercise, make_run, routine

#: One exercise, no lead-in; pain asked before and after.
ONE = dataclasses.replace(
    routine(exercise("Reach", seconds=5.0, ready=0), name="Tiny"), pain_check=True
)
#: Two sides then a second exercise; "did that hurt?" after each.
TWO = dataclasses.replace(
    routine(
        exercise("Lunge", seconds=5.0, sides=("right", "left"), ready=0),
        exercise("Bend", seconds=5.0, ready=0),
        exercise("Twist", seconds=5.0, ready=0),
        name="Tiny",
    ),
    check_in=True,
)
LONG = Thresholds().long_seconds
#: When the opening words ("Tiny.") end and the pain question starts.
ASKED = round(estimate_seconds("Tiny.") + ANNOUNCE_TAIL_SECONDS, 3)
#: When the pain question has been said: presses count from here.
LISTENING = ASKED + estimate_seconds(phrases.PAIN_QUESTION)
#: A scripted press is let go this long after it starts; the gesture is then.
PRESS = Thresholds().nominal_hold_seconds("press")


def close(t: float) -> Any:
    return pytest.approx(t, abs=1e-3)


def said_between(run: Run, start: float, end: float) -> list[str]:
    return [text for t, text in run.said() if start - 1e-6 <= t <= end + 1e-6]


def after_words(t: float, *lines: str) -> float:
    """When the session goes on after ``lines`` said one after another from ``t``."""
    for line in lines:
        t += estimate_seconds(line) + ANNOUNCE_GAP_SECONDS
    return t - ANNOUNCE_GAP_SECONDS + ANNOUNCE_TAIL_SECONDS


# -- pain, 0 to 10 -------------------------------------------------------------------


@pytest.mark.parametrize("presses, value", [(1, 1), (7, 7), (10, 10), (12, 10)])
def test_pain_is_the_number_of_presses_counted_aloud_then_confirmed(
    presses: int, value: int
) -> None:
    run = make_run(ONE)
    for n in range(presses):
        run.gesture_at(LISTENING + 1.0 + 0.5 * n, "press")
    assert run.go() == "finished"
    last = LISTENING + 1.0 + 0.5 * (presses - 1) + PRESS
    counted = [phrases.PAIN_COUNT[min(n, 10) - 1] for n in range(1, presses + 1)]
    confirm = phrases.pain_confirm_text(value)
    assert said_between(run, LISTENING, last) == counted
    assert (close(last + PAIN_CONFIRM_SECONDS), confirm) in run.said()
    assert run.of("pain")[0] == {
        "t": close(last + PAIN_CONFIRM_SECONDS),
        "type": "pain",
        "moment": "before",
        "value": value,
    }
    # The first exercise starts once the confirmation has been said.
    first = next(e for e in run.of("step") if e["number"] == 1)
    assert first["t"] == close(after_words(last + PAIN_CONFIRM_SECONDS, confirm))
    assert run.session.pain_before == value


def test_pain_four_is_said_in_words() -> None:
    assert phrases.pain_confirm_text(4) == "Four points. Thank you."
    assert phrases.pain_confirm_text(0) == "No pain. Thank you."


def test_a_hold_before_any_press_is_no_pain() -> None:
    run = make_run(ONE)
    run.gesture_at(LISTENING + 2.0, "long")
    assert run.go() == "finished"
    down = LISTENING + 2.0
    assert said_between(run, LISTENING, down + LONG + 0.2) == [
        phrases.NO_PAIN,  # at the long threshold, while the button is still down
        phrases.THANK_YOU,  # "No pain." has been said: not again
    ]
    assert (close(down + LONG), phrases.NO_PAIN) in run.said()
    assert run.of("pain")[0]["value"] == 0
    assert run.session.pain_before == 0


def test_a_hold_past_the_stop_threshold_in_the_pain_question_is_no_pain() -> None:
    run = make_run(ONE)
    run.gesture_at(LISTENING + 2.0, "stop")  # a person in pain holds on
    assert run.go() == "finished"
    down = LISTENING + 2.0
    assert said_between(run, LISTENING, down + Thresholds().stop_seconds + 0.2) == [
        phrases.NO_PAIN,
        phrases.THANK_YOU,
    ]
    assert phrases.THRESHOLD_STOP not in [text for _, text in run.said()]
    assert run.of("pain")[0]["value"] == 0
    assert run.session.pain_before == 0


def test_a_hold_that_began_as_the_question_was_said_answers_nothing_and_stops() -> None:
    # The stop threshold is crossed while the question is still said: "Stop.",
    # and letting go after the question has been said still stops.
    run = make_run(ONE)
    stop = Thresholds().stop_seconds
    run.edge_at(LISTENING - stop - 0.5, True)
    run.edge_at(LISTENING + 1.0, False)
    assert run.go() == "stopped"
    assert (close(LISTENING - 0.5), phrases.THRESHOLD_STOP) in run.said()
    assert run.said()[-1][1] == phrases.SESSION_ENDED_EARLY
    assert run.of("pain") == []


def test_no_answer_to_the_last_pain_question_says_no_answer_alone() -> None:
    run = make_run(ONE)
    assert run.go() == "finished"
    said = [text for _, text in run.said()]
    last = len(said) - 1 - said[::-1].index(phrases.PAIN_QUESTION)
    assert said[last + 1] == phrases.NO_ANSWER_END  # nothing is carried on: it ends
    assert said[last + 2].startswith("Well done.")
    assert phrases.NO_ANSWER in said[:last]  # before the first exercise, it goes on


def test_no_press_for_ten_seconds_is_no_answer_and_the_session_goes_on() -> None:
    run = make_run(ONE)
    assert run.go() == "finished"
    at = LISTENING + NO_ANSWER_SECONDS
    assert (close(at), phrases.NO_ANSWER) in run.said()
    assert run.of("pain")[0] == {"t": close(at), "type": "pain", "moment": "before", "value": None}
    first = next(e for e in run.of("step") if e["number"] == 1)
    assert first["t"] == close(after_words(at, phrases.NO_ANSWER))
    assert run.session.pain_before is None


def test_a_press_storm_while_the_question_is_said_answers_and_pauses_nothing() -> None:
    run = make_run(ONE)
    t = ASKED + 0.2
    while t < LISTENING - 0.3:
        run.gesture_at(t, "press")
        t += 0.25
    run.gesture_at(ASKED + 1.0, "long")  # held through part of the question, too
    assert run.go() == "finished"
    assert run.states() == [(0.0, "running"), (run.states()[-1][0], "finished")]
    assert len([g for g in run.of("gesture") if g["gesture"] == "press"]) > 20
    # No count, no threshold word: the question is said out, then how to answer
    # now (once), then no answer.
    assert said_between(run, ASKED, LISTENING + NO_ANSWER_SECONDS) == [
        phrases.PAIN_QUESTION,
        phrases.PAIN_NOW,
        phrases.NO_ANSWER,
    ]
    assert run.of("pain")[0]["value"] is None


def test_an_early_answer_to_did_that_hurt_is_asked_for_again_once() -> None:
    dry = make_run(TWO)
    dry.go()
    asked = hurt_asked(dry)[0]
    run = make_run(TWO)
    run.gesture_at(asked + 0.5, "press")  # while the question is still being said
    run.gesture_at(asked + 1.5, "press")
    run.go()
    heard = asked + estimate_seconds(phrases.HURT_QUESTION)
    assert said_between(run, asked, heard + NO_ANSWER_SECONDS) == [
        phrases.HURT_QUESTION,
        phrases.HURT_NOW,
        phrases.NO_ANSWER,
    ]
    assert run.of("check_in")[0]["answer"] is None


def test_presses_after_the_question_count_even_after_a_storm_during_it() -> None:
    run = make_run(ONE)
    for k in range(5):
        run.gesture_at(ASKED + 1.0 + 0.3 * k, "press")
    run.gesture_at(LISTENING + 0.5, "press")
    run.gesture_at(LISTENING + 1.0, "press")
    run.go()
    assert run.of("pain")[0]["value"] == 2


def test_the_stop_gesture_in_the_pain_question_stops_the_session() -> None:
    run = make_run(ONE)
    run.gesture_at(ASKED + 1.0, "stop")
    assert run.go() == "stopped"
    assert run.said()[-1][1] == phrases.SESSION_ENDED_EARLY
    assert run.of("pain") == []
    assert not any(e["number"] == 1 for e in run.of("step"))


def test_pain_after_is_asked_before_the_summary_and_pain_grown_by_two_gets_advice() -> None:
    run = make_run(ONE)
    run.gesture_at(LISTENING + 1.0, "press")  # before: 1
    before_done = LISTENING + 1.0 + PRESS + PAIN_CONFIRM_SECONDS
    start = after_words(before_done, phrases.pain_confirm_text(1))
    plan = run.plan
    # The exercise: its announcement, the hold, "Release." in a step of its own.
    asked_after = start + sum(s.duration_seconds or 0.0 for s in plan.steps[1:-1])
    listening_after = asked_after + estimate_seconds(phrases.PAIN_QUESTION)
    for n in range(3):
        run.gesture_at(listening_after + 1.0 + 0.5 * n, "press")  # after: 3
    assert run.go() == "finished"
    assert [(e["moment"], e["value"]) for e in run.of("pain")] == [("before", 1), ("after", 3)]
    said = [text for _, text in run.said()]
    confirm = said.index(phrases.pain_confirm_text(3))
    assert said[confirm + 1] == phrases.PAIN_GREW
    assert said[confirm + 2].startswith("Well done.")
    assert (close(asked_after), phrases.PAIN_QUESTION) in run.said()


@pytest.mark.parametrize("before, after", [(3, 4), (4, 3), (None, 9), (2, None)])
def test_pain_not_two_points_higher_gets_no_advice(before: int | None, after: int | None) -> None:
    session = SessionMode(compile_plan(ONE, estimate_seconds))
    session.pain_before = before
    assert session._pain_grew(after) is None
    session.pain_before = 3
    assert session._pain_grew(5) == phrases.PAIN_GREW


def test_without_pain_check_nothing_is_asked() -> None:
    run = make_run(dataclasses.replace(ONE, pain_check=False))
    run.go()
    assert run.of("pain") == []
    assert phrases.PAIN_QUESTION not in [text for _, text in run.said()]


# -- "did that hurt?" ------------------------------------------------------------------


def hurt_asked(run: Run) -> list[float]:
    return [t for t, text in run.said() if text == phrases.HURT_QUESTION]


def test_did_that_hurt_is_asked_after_the_first_side_and_after_single_exercises() -> None:
    plan = compile_plan(TWO, estimate_seconds)
    marked = [(s.exercise, s.side, s.kind, s.cues[0].text) for s in plan.steps if s.check_in]
    # After the first side; "Release." in a step of its own so the question never
    # comes while the person is still holding.
    assert marked == [
        ("Lunge", None, "announce", phrases.RELEASE),
        ("Bend", None, "announce", phrases.RELEASE),
        ("Twist", None, "announce", phrases.RELEASE),
    ]
    lunge = [s for s in plan.steps if s.exercise == "Lunge"]
    check = next(i for i, s in enumerate(lunge) if s.check_in)
    assert {s.side for s in lunge[:check] if s.kind != "announce"} == {"right"}
    assert lunge[check + 1].cues[0].text == "Switch sides. Left side."


def test_unanswered_check_ins_count_as_fine_and_skip_nothing() -> None:
    run = make_run(TWO)
    assert run.go() == "finished"
    asked = hurt_asked(run)
    assert len(asked) == 3
    assert [(e["exercise"], e["number"], e["answer"]) for e in run.of("check_in")] == [
        ("Lunge", 1, None),
        ("Bend", 2, None),
        ("Twist", 3, None),
    ]
    heard = asked[0] + estimate_seconds(phrases.HURT_QUESTION)
    assert run.of("check_in")[0]["t"] == close(heard + NO_ANSWER_SECONDS)
    assert (close(heard + NO_ANSWER_SECONDS), phrases.NO_ANSWER) in run.said()
    assert {e["outcome"] for e in run.of("step_end")} == {"done"}
    assert run.said()[-1][1] == "You did 3 of 3 exercises, in 2 minutes."


def test_a_press_answers_fine_and_the_next_step_starts_after_good() -> None:
    run = make_run(TWO)
    first = make_run(TWO)
    first.go()
    heard = hurt_asked(first)[0] + estimate_seconds(phrases.HURT_QUESTION)
    run.gesture_at(heard + 1.0, "press")
    run.go()
    answered = heard + 1.0 + PRESS
    assert run.of("check_in")[0] == {
        "t": close(answered),
        "type": "check_in",
        "exercise": "Lunge",
        "number": 1,
        "answer": "fine",
    }
    assert (close(answered), phrases.FELT_FINE) in run.said()
    switch = next(e for e in run.of("step") if e["exercise"] == "Lunge" and e["index"] > 3)
    assert switch["t"] == close(after_words(answered, phrases.FELT_FINE))


def first_question_heard() -> float:
    run = make_run(TWO)
    run.go()
    return hurt_asked(run)[0] + estimate_seconds(phrases.HURT_QUESTION)


def test_hurt_skips_the_rest_of_the_exercise_says_the_advice_and_goes_on_gently() -> None:
    heard = first_question_heard()
    run = make_run(TWO)
    run.gesture_at(heard + 1.0, "long")
    offer_at = heard + 1.0 + LONG + 0.2
    offered = offer_at + sum(
        estimate_seconds(line) + ANNOUNCE_GAP_SECONDS
        for line in (phrases.SKIP_THE_REST, phrases.PAIN_ADVICE, phrases.GO_ON_OR_END)
    )
    run.gesture_at(offered + 2.0, "press")
    assert run.go() == "finished"
    assert (close(heard + 1.0 + LONG), phrases.IT_HURT) in run.said()
    assert run.of("check_in")[0]["answer"] == "hurt"
    assert said_between(run, offer_at, offered + 2.0 + PRESS) == [
        phrases.SKIP_THE_REST,
        phrases.PAIN_ADVICE,
        phrases.GO_ON_OR_END,
        phrases.GO_ON_GENTLY,
    ]
    # The left side never started: one "missed" for each of its steps, in order.
    plan = run.plan
    left = [i for i, s in enumerate(plan.steps) if s.exercise == "Lunge" and s.side == "left"]
    missed = [e["index"] for e in run.of("step_end") if e["outcome"] == "missed"]
    assert missed == left and left
    assert not any(e["index"] in left for e in run.of("step"))
    # Then the next exercise, with no "Release." carried into it.
    gently = offered + 2.0 + PRESS
    bend = next(e for e in run.of("step") if e["number"] == 2)
    assert bend["t"] == close(after_words(gently, phrases.GO_ON_GENTLY))
    assert said_between(run, bend["t"], bend["t"])[0].startswith("Exercise 2 of 3")
    assert run.session.hurt == {1}
    assert run.said()[-1][1].startswith("You did 2 of 3 exercises")


def test_hurt_then_hold_ends_the_session() -> None:
    heard = first_question_heard()
    run = make_run(TWO)
    run.gesture_at(heard + 1.0, "long")
    run.gesture_at(heard + 20.0, "long")
    assert run.go() == "stopped"
    assert (close(heard + 20.0 + LONG), phrases.END_SESSION) in run.said()
    assert run.said()[-1] == (close(heard + 20.0 + LONG + 0.2), phrases.SESSION_ENDED)
    assert run.states()[-1][1] == "stopped"


def test_a_hold_past_the_stop_threshold_in_did_that_hurt_is_it_hurt() -> None:
    heard = first_question_heard()
    run = make_run(TWO)
    run.gesture_at(heard + 1.0, "stop")  # a person in pain holds on
    stop = Thresholds().stop_seconds
    offer_at = heard + 1.0 + stop + 0.2
    offered = offer_at + sum(
        estimate_seconds(line) + ANNOUNCE_GAP_SECONDS
        for line in (phrases.SKIP_THE_REST, phrases.PAIN_ADVICE, phrases.GO_ON_OR_END)
    )
    run.gesture_at(offered + 2.0, "press")
    assert run.go() == "finished"
    assert (close(heard + 1.0 + LONG), phrases.IT_HURT) in run.said()
    assert phrases.THRESHOLD_STOP not in [text for _, text in run.said()]
    assert run.of("check_in")[0]["answer"] == "hurt"
    assert said_between(run, offer_at, offered + 2.0 + PRESS) == [
        phrases.SKIP_THE_REST,
        phrases.PAIN_ADVICE,
        phrases.GO_ON_OR_END,
        phrases.GO_ON_GENTLY,
    ]
    assert run.session.hurts == 1 and run.session.hurt == {1}


def test_a_hold_past_the_stop_threshold_in_the_offer_ends_the_session() -> None:
    heard = first_question_heard()
    run = make_run(TWO)
    run.gesture_at(heard + 1.0, "long")
    run.gesture_at(heard + 20.0, "stop")
    assert run.go() == "stopped"
    assert (close(heard + 20.0 + LONG), phrases.END_SESSION) in run.said()
    assert phrases.THRESHOLD_STOP not in [text for _, text in run.said()]
    stop = Thresholds().stop_seconds
    assert run.said()[-1] == (close(heard + 20.0 + stop + 0.2), phrases.SESSION_ENDED)


def test_a_stop_while_did_that_hurt_is_said_still_stops() -> None:
    heard = first_question_heard()
    run = make_run(TWO)
    asked = heard - estimate_seconds(phrases.HURT_QUESTION)
    run.gesture_at(asked + 0.2, "stop")
    assert run.go() == "stopped"
    assert phrases.THRESHOLD_STOP in [text for _, text in run.said()]
    assert run.said()[-1][1] == phrases.SESSION_ENDED_EARLY
    assert run.of("check_in") == []


def test_the_offer_waits_with_reminders_and_a_wait_too_long_ends_the_session() -> None:
    heard = first_question_heard()
    run = make_run(TWO)
    run.gesture_at(heard + 1.0, "long")
    run.gesture_at(heard + 3600.0, "press")  # the person is still there after an hour
    assert run.go() == "stopped"
    offered = heard + 1.0 + LONG + 0.2
    for line in (phrases.SKIP_THE_REST, phrases.PAIN_ADVICE, phrases.GO_ON_OR_END):
        offered += estimate_seconds(line) + ANNOUNCE_GAP_SECONDS
    offered -= ANNOUNCE_GAP_SECONDS
    reminders = [t for t, text in run.said() if text == phrases.GO_ON_OR_END][1:]
    assert reminders[:2] == [close(offered + 30.0), close(offered + 90.0)]
    assert run.said()[-1] == (close(offered + 20 * 60.0), phrases.LONG_PAUSE_END)


def test_a_second_hurt_ends_the_session_with_the_advice() -> None:
    heard = first_question_heard()
    probe = make_run(TWO)
    probe.gesture_at(heard + 1.0, "long")
    probe.gesture_at(heard + 20.0, "press")  # go on gently
    probe.go()
    second = hurt_asked(probe)[1] + estimate_seconds(phrases.HURT_QUESTION)

    run = make_run(TWO)
    run.gesture_at(heard + 1.0, "long")
    run.gesture_at(heard + 20.0, "press")
    run.gesture_at(second + 1.0, "long")
    assert run.go() == "stopped"
    assert [e["answer"] for e in run.of("check_in")] == ["hurt", "hurt"]
    assert run.said()[-1] == (close(second + 1.0 + LONG + 0.2), phrases.HURT_AGAIN_END)
    assert run.session.hurts == 2
    assert run.session.closing == phrases.HURT_AGAIN_END


def test_hurt_at_the_end_of_the_last_exercise_skips_nothing_and_offers_nothing() -> None:
    r = dataclasses.replace(routine(exercise("Reach", seconds=5.0, ready=0)), check_in=True)
    probe = make_run(r)
    probe.go()
    heard = hurt_asked(probe)[0] + estimate_seconds(phrases.HURT_QUESTION)
    run = make_run(r)
    run.gesture_at(heard + 1.0, "long")
    assert run.go() == "finished"
    said = [text for _, text in run.said()]
    at = said.index(phrases.IT_HURT)
    assert said[at + 1 : at + 3] == [phrases.PAIN_ADVICE, "Well done. That was Test."]
    assert not [e for e in run.of("step_end") if e["outcome"] == "missed"]


def test_an_exercise_can_turn_its_check_in_off_or_on() -> None:
    r = routine(
        exercise("Reach", seconds=5.0, ready=0, check_in=False),
        exercise("Bend", seconds=5.0, ready=0, check_in=True),
    )
    assert [s.exercise for s in compile_plan(r, estimate_seconds).steps if s.check_in] == ["Bend"]
    on = dataclasses.replace(r, check_in=True)
    assert [s.exercise for s in compile_plan(on, estimate_seconds).steps if s.check_in] == ["Bend"]


# -- step_end events ---------------------------------------------------------------------


def test_every_step_ends_once_before_the_next_begins() -> None:
    run = make_run(TWO)
    run.go()
    order = [(e.type, e.data.get("index")) for e in run.events if e.type in ("step", "step_end")]
    steps = len(run.plan.steps)
    assert order == [(kind, i) for i in range(steps) for kind in ("step", "step_end")]
    last_end = [e for e in run.events if e.type == "step_end"][-1]
    state = [e for e in run.events if e.type == "state"][-1]
    assert run.events.index(last_end) < run.events.index(state)


def test_a_long_press_in_an_announcement_skips_it_and_misses_the_rest_of_the_exercise() -> None:
    run = make_run(dataclasses.replace(TWO, check_in=False))
    run.gesture_at(2.0, "long")  # in "Exercise 1 of 3: Lunge."
    run.go()
    ends = [(e["index"], e["outcome"]) for e in run.of("step_end")]
    lunge = [i for i, s in enumerate(run.plan.steps) if s.number == 1]
    assert ends[: len(lunge) + 1] == [(0, "done"), (lunge[0], "skipped")] + [
        (i, "missed") for i in lunge[1:]
    ]


def test_a_press_answers_a_waiting_step_as_done_and_a_long_press_skips_a_hold() -> None:
    r = routine(
        exercise("Up", kind="button", seconds=None), exercise("Hold", seconds=20.0, ready=0)
    )
    run = make_run(r)
    steps = run.plan.steps
    wait = next(i for i, s in enumerate(steps) if s.kind == "wait")
    hold = next(i for i, s in enumerate(steps) if s.kind == "hold")
    run.gesture_at(10.0, "press")
    run.go()
    t_hold = next(e["t"] for e in run.of("step") if e["index"] == hold)
    run2 = make_run(r)
    run2.gesture_at(10.0, "press")
    run2.gesture_at(t_hold + 5.0, "long")
    run2.go()
    outcomes = {e["index"]: e["outcome"] for e in run2.of("step_end")}
    assert outcomes[wait] == "done"
    assert outcomes[hold] == "skipped"


def test_the_stop_gesture_ends_the_step_under_way_as_skipped() -> None:
    run = make_run(TWO)
    run.gesture_at(3.0, "stop")
    run.go()
    assert run.of("step_end")[-1] == {
        "t": close(3.0 + Thresholds().stop_seconds + 0.2),
        "type": "step_end",
        "index": 1,
        "outcome": "skipped",
    }


def test_step_events_carry_the_exercise_number() -> None:
    run = make_run(TWO)
    run.go()
    assert [e["number"] for e in run.of("step")][:2] == [None, 1]
    assert run.of("step")[-1]["number"] is None  # the summary


# -- hooks: carrying on, and a line after the summary ---------------------------------------


def test_start_number_carries_on_at_that_exercise_without_the_opening_or_pain_before() -> None:
    r = dataclasses.replace(TWO, pain_check=True, check_in=False)
    run = make_run(r)
    run.session = SessionMode(run.plan, start_number=2)
    run.go()
    line = "Carrying on with Bend."
    assert run.said()[0] == (0.0, line)
    bend = run.of("step")[0]
    assert bend["number"] == 2 and bend["kind"] == "announce"
    assert bend["t"] == close(after_words(0.0, line))
    # No "Release." carried over from the exercise before, and no pain before.
    assert said_between(run, bend["t"], bend["t"]) == ["Exercise 2 of 3: Bend."]
    assert [e["moment"] for e in run.of("pain")] == ["after"]
    assert not [e for e in run.of("step_end") if e["outcome"] == "missed"]
    assert (line, None) in carrying_on_phrases(run.plan)


def test_closing_extra_is_said_after_the_summary_and_the_finish_waits_for_it() -> None:
    run = make_run(routine(exercise("Reach", seconds=5.0, ready=0), name="Tiny"))
    extra = "That is three days in a row."
    run.session = SessionMode(run.plan, closing_extra=lambda: extra)
    assert run.go() == "finished"
    (t_summary, summary), (t_extra, said) = run.said()[-2:]
    assert said == extra
    assert t_extra == close(t_summary + estimate_seconds(summary) + ANNOUNCE_GAP_SECONDS)
    end = run.states()[-1][0]
    assert end == close(t_extra + estimate_seconds(extra) + ANNOUNCE_TAIL_SECONDS)


def test_closing_extra_may_have_nothing_to_say() -> None:
    run = make_run(routine(exercise("Reach", seconds=5.0, ready=0), name="Tiny"))
    run.session = SessionMode(run.plan, closing_extra=lambda: None)
    run.go()
    assert run.said()[-1][1].startswith("You did 1 of 1")


# -- routine fields, settings, rendering ahead -------------------------------------------------


def test_the_routine_file_sets_pain_check_and_check_in() -> None:
    text = (
        "name: R\npain_check: true\ncheck_in: true\nexercises:\n"
        "  - {name: A, hold_seconds: 5}\n  - {name: B, hold_seconds: 5, check_in: false}\n"
    )
    r = parse_routine(text, "r.yaml")
    assert (r.pain_check, r.check_in) == (True, True)
    assert [e.check_in for e in r.exercises] == [None, False]
    assert [r.asks_check_in(e) for e in r.exercises] == [True, False]


def test_check_in_fields_must_be_true_or_false() -> None:
    text = (
        "name: R\npain_check: yes please\nexercises:\n  - {name: A, hold_seconds: 5, check_in: 1}\n"
    )
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, "r.yaml")
    assert caught.value.problems == [
        "r.yaml:2:13: pain_check: must be true or false, got 'yes please'",
        "r.yaml:4:42: exercise 1 (A): check_in: must be true or false, got 1",
    ]


@pytest.mark.parametrize(
    "pain, hurt, expect",
    [
        ("routine", "routine", (False, True, [False, None])),
        ("on", "off", (True, False, [None, None])),
        ("off", "on", (False, True, [None, None])),
    ],
)
def test_settings_override_the_routine(
    pain: str, hurt: str, expect: tuple[bool, bool, list[bool | None]]
) -> None:
    r = dataclasses.replace(routine(exercise("A", check_in=False), exercise("B")), check_in=True)
    got = with_check_ins(r, pain, hurt)
    assert (got.pain_check, got.check_in, [e.check_in for e in got.exercises]) == expect


def every_line_said(
    r: Routine, tones: bool, *scripts: list[tuple[float, Gesture]]
) -> set[tuple[str, Any]]:
    said: set[tuple[str, Any]] = set()
    for script in scripts:
        run = make_run(r, tones=tones)
        for t, g in script:
            run.gesture_at(t, g)
        run.go()
        said |= {(s.text, s.tone) for s in run.voice.said}
    return said


def hurt_twice(r: Routine, tones: bool) -> list[tuple[float, Gesture]]:
    """A script that answers "it hurt", goes on gently, and answers "it hurt" again."""
    script: list[tuple[float, Gesture]] = [(LISTENING + 1.0, "press")]
    for n in range(2):
        probe = make_run(r, tones=tones)
        for t, g in script:
            probe.gesture_at(t, g)
        probe.go()
        heard = hurt_asked(probe)[n] + estimate_seconds(phrases.HURT_QUESTION)
        script += [(heard + 1.0, "long"), (heard + 20.0, "press")]
    return script[:-1]


@pytest.mark.parametrize("tones", [False, True])
def test_every_check_in_line_is_rendered_ahead_with_the_plan(tones: bool) -> None:
    r = dataclasses.replace(TWO, pain_check=True)
    plan = compile_plan(r, estimate_seconds, tones=tones)
    wanted = set(all_phrases(plan, tones))
    assert set(check_in_phrases(plan, tones)) <= wanted
    said = every_line_said(
        r,
        tones,
        [],
        [(LISTENING + 1.0, "long")],
        [(LISTENING + 1.0 + 0.4 * n, "press") for n in range(12)],
        hurt_twice(r, tones),
    )
    texts = {text for text, _ in said}
    assert {phrases.IT_HURT, phrases.GO_ON_GENTLY, phrases.HURT_AGAIN_END} <= texts
    # The summary is made as it is said; everything else was known ahead.
    late = {s for s in said if s not in wanted and not s[0].startswith("You did")}
    assert late == set()


def test_plan_size_counts_check_in_steps_exactly() -> None:
    from tests.test_plan import _variants

    variants = _variants()
    for start in range(0, len(variants), 6):
        for pain, hurt in ((True, True), (True, False), (False, True)):
            r = dataclasses.replace(
                routine(*variants[start : start + 6]), pain_check=pain, check_in=hurt
            )
            assert plan_size(r).steps == len(compile_plan(r, estimate_seconds).steps), r


def test_a_pause_in_the_closing_words_keeps_the_closing_extra() -> None:
    extra = "That is three days in a row."
    probe = make_run(routine(exercise("Reach", seconds=5.0, ready=0), name="Tiny"))
    probe.session = SessionMode(probe.plan, closing_extra=lambda: extra)
    probe.go()
    t_extra = next(t for t, text in probe.said() if text == extra)
    for pause_at, times in ((t_extra + 0.5, 2), (t_extra - 1.0, 1)):
        run = make_run(routine(exercise("Reach", seconds=5.0, ready=0), name="Tiny"))
        run.session = SessionMode(run.plan, closing_extra=lambda: extra)
        run.gesture_at(pause_at, "press")
        run.gesture_at(pause_at + 5.0, "press")
        assert run.go() == "finished"
        said = [text for _, text in run.said()]
        assert said.count(extra) == times
        assert said[-1] == extra
        t_last = run.said()[-1][0]
        end = run.states()[-1][0]
        assert end == close(t_last + estimate_seconds(extra) + ANNOUNCE_TAIL_SECONDS)


def test_start_number_must_be_an_exercise_of_the_plan() -> None:
    plan = compile_plan(TWO, estimate_seconds)
    with pytest.raises(
        ValueError, match="start_number must be an exercise of the plan, 1 to 3, got 4"
    ):
        SessionMode(plan, start_number=4)


# -- what the history makes of the check-ins ---------------------------------------------


def test_the_history_records_the_answers_the_hurt_exercise_and_the_flag(tmp_path: Path) -> None:
    from coach.history.recorder import HistoryRecorder
    from coach.history.store import HistoryStore

    r = dataclasses.replace(TWO, pain_check=True)
    probe = make_run(r)
    probe.gesture_at(LISTENING + 1.0, "press")  # pain before: 1
    probe.go()
    heard = hurt_asked(probe)[0] + estimate_seconds(phrases.HURT_QUESTION)
    script: list[tuple[float, Gesture]] = [
        (LISTENING + 1.0, "press"),
        (heard + 1.0, "long"),
        (heard + 20.0, "press"),
    ]
    probe = make_run(r)
    for t, g in script:
        probe.gesture_at(t, g)
    probe.go()
    asked = [t for t, text in probe.said() if text == phrases.PAIN_QUESTION][1]
    after = asked + estimate_seconds(phrases.PAIN_QUESTION) + 1.0
    script += [(after + 0.5 * n, "press") for n in range(3)]  # pain after: 3

    warnings: list[str] = []
    store = HistoryStore.open(tmp_path / "history.sqlite3", warnings.append)
    try:
        run = make_run(r)
        recorder = HistoryRecorder.for_session(store, r, run.plan, simulated=True)
        run.runtime.listeners.append(recorder)
        for t, g in script:
            run.gesture_at(t, g)
        assert run.go() == "finished"
        recorder.close()
        [record] = store.sessions()
    finally:
        store.close()
    got = record.to_json()
    assert got["outcome"] == "finished" and warnings == []
    assert (got["pain_before"], got["pain_after"]) == (1, 3)
    assert phrases.PAIN_GREW in [text for _, text in run.said()]
    assert [c["answer"] for c in got["check_ins"]] == ["hurt", None, None]
    assert [(e["number"], e["done"], e["hurt"]) for e in got["exercises"]] == [
        (1, False, True),
        (2, True, False),
        (3, True, False),
    ]
    assert got["exercises_done"] == 2
    assert got["flagged"] is True  # pain grew by two points


def test_the_history_flags_a_session_a_second_hurt_ended(tmp_path: Path) -> None:
    from coach.history.recorder import HistoryRecorder
    from coach.history.store import HistoryStore

    r = dataclasses.replace(TWO, pain_check=True)
    store = HistoryStore.open(tmp_path / "history.sqlite3", lambda _message: None)
    try:
        run = make_run(r)
        recorder = HistoryRecorder.for_session(store, r, run.plan, simulated=True)
        run.runtime.listeners.append(recorder)
        for t, g in hurt_twice(r, tones=False):
            run.gesture_at(t, g)
        assert run.go() == "stopped"
        recorder.close()
        [record] = store.sessions()
    finally:
        store.close()
    got = record.to_json()
    assert got["outcome"] == "stopped" and got["flagged"] is True
    assert [c["answer"] for c in got["check_ins"]] == ["hurt", "hurt"]


def test_the_history_records_a_hurt_held_past_the_stop_threshold(tmp_path: Path) -> None:
    from coach.history.recorder import HistoryRecorder
    from coach.history.store import HistoryStore

    heard = first_question_heard()
    store = HistoryStore.open(tmp_path / "history.sqlite3", lambda _message: None)
    try:
        run = make_run(TWO)
        recorder = HistoryRecorder.for_session(store, TWO, run.plan, simulated=True)
        run.runtime.listeners.append(recorder)
        run.gesture_at(heard + 1.0, "stop")  # it hurt
        run.gesture_at(heard + 30.0, "stop")  # and end the session
        assert run.go() == "stopped"
        recorder.close()
        [record] = store.sessions()
    finally:
        store.close()
    got = record.to_json()
    assert [c["answer"] for c in got["check_ins"]] == ["hurt"]
    assert got["exercises"][0]["hurt"] is True
    assert got["flagged"] is True


def two_hurts_at_the_end(r: Routine) -> list[tuple[float, Gesture]]:
    """A script that answers "it hurt" after the first exercise, goes on gently, and
    answers "it hurt" after the last one, which has run to its end.
    """
    probe = make_run(r)
    probe.go()
    heard = hurt_asked(probe)[0] + estimate_seconds(phrases.HURT_QUESTION)
    script: list[tuple[float, Gesture]] = [(heard + 1.0, "long"), (heard + 20.0, "press")]
    probe = make_run(r)
    for t, g in script:
        probe.gesture_at(t, g)
    probe.go()
    second = hurt_asked(probe)[1] + estimate_seconds(phrases.HURT_QUESTION)
    return [*script, (second + 1.0, "long")]


def recorded(r: Routine, script: list[tuple[float, Gesture]], tmp_path: Path) -> dict[str, Any]:
    from coach.history.recorder import HistoryRecorder
    from coach.history.store import HistoryStore

    store = HistoryStore.open(tmp_path / "history.sqlite3", lambda _message: None)
    try:
        run = make_run(r)
        recorder = HistoryRecorder.for_session(store, r, run.plan, simulated=True)
        run.runtime.listeners.append(recorder)
        for t, g in script:
            run.gesture_at(t, g)
        run.go()
        recorder.close()
        [record] = store.sessions()
    finally:
        store.close()
    return record.to_json()


def test_an_exercise_run_to_its_end_is_done_however_many_hurts_came(tmp_path: Path) -> None:
    r = dataclasses.replace(
        routine(exercise("Reach", seconds=5.0, ready=0), exercise("Bend", seconds=5.0, ready=0)),
        check_in=True,
    )
    script = two_hurts_at_the_end(r)
    probe = make_run(r)
    probe.go()
    last = hurt_asked(probe)[1] + estimate_seconds(phrases.HURT_QUESTION)
    first = recorded(r, [(last + 1.0, "long")], tmp_path / "first")
    once = recorded(r, [*script[:2], (script[2][0], "press")], tmp_path / "once")
    twice = recorded(r, script, tmp_path / "twice")
    assert (first["outcome"], once["outcome"], twice["outcome"]) == (
        "finished", "finished", "stopped")  # fmt: skip
    assert [(e["number"], e["done"], e["hurt"]) for e in first["exercises"]] == [
        (1, True, False),
        (2, True, True),
    ]
    assert [c["answer"] for c in twice["check_ins"]] == ["hurt", "hurt"]
    # Both exercises ran to their end: done, after one "hurt" or two.
    expected = [(1, True, True), (2, True, False)]
    assert [(e["number"], e["done"], e["hurt"]) for e in once["exercises"]] == expected
    expected = [(1, True, True), (2, True, True)]
    assert [(e["number"], e["done"], e["hurt"]) for e in twice["exercises"]] == expected
    assert (once["exercises_done"], twice["exercises_done"]) == (2, 2)
    assert twice["flagged"] is True


def test_the_history_counts_check_in_time_as_the_summary_does(tmp_path: Path) -> None:
    from coach.history.recorder import HistoryRecorder
    from coach.history.store import HistoryStore

    store = HistoryStore.open(tmp_path / "history.sqlite3", lambda _message: None)
    try:
        run = make_run(TWO)  # three check-ins, each waited out: ten seconds and more
        recorder = HistoryRecorder.for_session(store, TWO, run.plan, simulated=True)
        run.runtime.listeners.append(recorder)
        run.gesture_at(5.0, "press")  # a pause
        run.gesture_at(9.0, "press")
        assert run.go() == "finished"
        recorder.close()
        [record] = store.sessions()
        steps = store.db.execute("SELECT SUM(actual_seconds) FROM steps").fetchone()[0]
    finally:
        store.close()
    end = run.states()[-1][0]
    assert record.paused_seconds > 0
    assert record.seconds == pytest.approx(end - record.paused_seconds, abs=1e-3)
    assert record.seconds > steps + 3 * NO_ANSWER_SECONDS
