"""The session mode on the virtual clock: exact transcripts, every gesture in every state."""

from __future__ import annotations

import itertools

import pytest

from coach import phrases
from coach.gestures import GESTURES, Gesture, Thresholds
from coach.routine import Routine
from coach.session import resume_lead_in
from coach.voice import estimate_seconds
from tests.conftest import Run, exercise, make_run, routine

TINY = routine(exercise("Reach", seconds=5.0, reps=2, rest_seconds=8.0, ready=3.0), name="Tiny")
#: The TextVoice-like estimate the recording voice uses.
LEAD = resume_lead_in(estimate_seconds("Reach, rep 1 of 2, 5 seconds left."))


def lead_in(words: str) -> float:
    """The lead-in after a resume that opens with ``words``."""
    return resume_lead_in(estimate_seconds(words))


def test_whole_transcript_of_a_small_routine() -> None:
    # The summary is said as it is, then a short tail.
    END = round(28.7 + estimate_seconds("You did 1 of 1 exercise, in under a minute.") + 0.8, 3)
    run = make_run(TINY)
    assert run.go() == "finished"
    assert [
        (e["t"], e["type"], e.get("text") or e.get("kind") or e.get("state"))
        for e in (ev.to_json() for ev in run.events if ev.type != "step_end")
    ] == [
        (0.0, "state", "running"),
        (0.0, "step", "announce"),
        (0.0, "say", "Tiny."),
        (1.375, "step", "announce"),
        (1.375, "say", "Exercise 1 of 1: Reach."),
        (4.25, "step", "ready"),
        (4.25, "say", "3"),
        (5.25, "say", "2"),
        (6.25, "say", "1"),
        (7.25, "step", "hold"),
        (7.25, "say", "Hold still."),
        (9.25, "say", "3"),
        (10.25, "say", "2"),
        (11.25, "say", "1"),
        (12.25, "step", "rest"),
        (12.25, "say", "Release. Rest."),
        (13.4, "say", "Next: rep 2 of 2, the last one."),
        (17.25, "say", "3"),
        (18.25, "say", "2"),
        (19.25, "say", "1"),
        (20.25, "step", "hold"),
        (20.25, "say", "Hold still."),
        (22.25, "say", "3"),
        (23.25, "say", "2"),
        (24.25, "say", "1"),
        (25.25, "step", "finish"),
        (25.25, "say", "Release."),
        (26.225, "say", "Well done. That was Tiny."),
        (28.7, "say", "You did 1 of 1 exercise, in under a minute."),
        (END, "state", "finished"),
    ]


def test_step_events_carry_where_the_person_is() -> None:
    r = routine(exercise("Lunge", seconds=5.0, sides=("right leg", "left leg"), sets=2, reps=1))
    run = make_run(r)
    run.go()
    holds = [e for e in run.of("step") if e["kind"] == "hold"]
    assert [(h["side"], h["set"], h["rep"], h["reps"], h["sets"]) for h in holds] == [
        ("right leg", 1, 1, 1, 2),
        ("left leg", 1, 1, 1, 2),
        ("right leg", 2, 1, 1, 2),
        ("left leg", 2, 1, 1, 2),
    ]
    assert all(h["exercise"] == "Lunge" and h["duration_seconds"] == 5.0 for h in holds)


@pytest.mark.parametrize("hold", [5.0, 20.0, 45.0])
def test_session_length_with_no_presses_equals_the_plan_total(hold: float) -> None:
    r = routine(
        exercise(
            "A",
            seconds=hold,
            sides=("right", "left"),
            reps=3,
            rest_seconds=7.0,
            sets=2,
            set_rest_seconds=12.0,
            after_set="Breathe.",
        ),
        exercise("B", kind="activity", seconds=30.0, reps=2, rest_seconds=5.0),
        safety="Go gently.",
    )
    run = make_run(r)
    run.go()
    ended_at, state = run.states()[-1]
    assert state == "finished"
    assert ended_at == pytest.approx(run.plan.total_seconds, abs=1e-6)
    starts = [e["t"] for e in run.of("step")]
    assert starts == pytest.approx(run.plan.starts(), abs=1e-6)


def test_said_cues_never_overlap_in_a_session() -> None:
    r = routine(exercise("A", seconds=20.0, reps=2, rest_seconds=3.0, sides=("right", "left")))
    run = make_run(r)
    run.go()
    said = run.voice.said
    for before, after in itertools.pairwise(said):
        assert before.t + run.voice.duration(before.text) <= after.t + 1e-9, (before, after)


# -- pause and resume ------------------------------------------------------------


def _hold_start(run_plan_steps: list[tuple[float, str]]) -> float:
    return next(t for t, kind in run_plan_steps if kind == "hold")


def test_pause_keeps_the_remaining_time_exactly() -> None:
    probe = make_run(TINY)
    probe.go()
    hold_at = _hold_start(probe.steps())  # 7.25; the hold lasts 5 s

    run = make_run(TINY)
    run.gesture_at(hold_at + 0.5, "press")  # pause with 4.4 s of the hold left
    run.gesture_at(hold_at + 30.0, "press")  # resume much later
    run.go()
    pressed = hold_at + 0.5 + 0.1  # a press takes effect on release
    resumed = hold_at + 30.0 + 0.1
    assert (pressed, "paused") in run.states()
    assert (resumed, "running") in run.states()
    next_step = next(t for t, kind in run.steps() if t > resumed)
    left_at_pause = 5.0 - (pressed - hold_at)
    assert next_step == pytest.approx(resumed + LEAD + left_at_pause)
    # Speech stopped at the pause, "paused" said, then where we are, a whole
    # 3-2-1 ending as the hold goes on, and the hold word.
    assert pressed in run.voice.stops
    said = run.said()
    i = said.index((pressed, "We are paused. Press the button to go on."))
    go_on = resumed + LEAD
    assert said[i + 1 : i + 6] == [
        (resumed, "Reach, rep 1 of 2, 5 seconds left."),
        (pytest.approx(go_on - 3), "3"),
        (pytest.approx(go_on - 2), "2"),
        (pytest.approx(go_on - 1), "1"),
        (pytest.approx(go_on), "Hold still."),
    ]


def test_countdown_after_resume_lands_on_the_shifted_end() -> None:
    run = make_run(TINY)
    run.gesture_at(7.25 + 0.4, "press")
    run.gesture_at(20.0, "press")
    run.go()
    resumed = 20.1
    end = resumed + LEAD + (5.0 - 0.5)
    said = dict((text, t) for t, text in run.said() if t > resumed + LEAD and t < end)
    assert said["3"] == pytest.approx(end - 3)
    assert said["2"] == pytest.approx(end - 2)
    assert said["1"] == pytest.approx(end - 1)


def test_pause_during_the_lead_in_keeps_the_time_left() -> None:
    run = make_run(TINY)
    run.gesture_at(8.0, "press")  # pause 0.85 s into the hold: 4.15 s left
    run.gesture_at(10.0, "press")  # resume at 10.1; a lead-in of LEAD
    run.gesture_at(11.0, "press")  # pause again at 11.1, inside the lead-in
    run.gesture_at(15.0, "press")  # resume at 15.1; a lead-in of LEAD again
    run.go()
    assert [s for _, s in run.states()] == [
        "running",
        "paused",
        "running",
        "paused",
        "running",
        "finished",
    ]
    rest_start = next(t for t, kind in run.steps() if kind == "rest")
    assert rest_start == pytest.approx(15.1 + LEAD + 4.15)


def test_pause_in_a_rest_keeps_its_time() -> None:
    run = make_run(TINY)
    run.gesture_at(14.0, "press")  # in the rest (12.25 .. 20.25)
    run.gesture_at(30.0, "press")
    run.go()
    hold_at = [t for t, kind in run.steps() if kind == "hold"][1]
    words = "Reach, rep 1 of 2, rest, 7 seconds left."
    assert (30.1, words) in run.said()
    assert hold_at == pytest.approx(30.1 + lead_in(words) + (20.25 - 14.1))


def test_pause_mid_sentence_in_an_announcement_says_the_sentence_again() -> None:
    run = make_run(TINY)
    run.gesture_at(2.0, "press")  # "Exercise 1 of 1: Reach." runs 1.375 .. 3.45
    run.gesture_at(5.0, "press")
    run.go()
    again = 5.1 + lead_in("Reach.")
    assert (5.1, "Reach.") in run.said()
    assert [t for t, text in run.said() if text == "Exercise 1 of 1: Reach."][-1] == (
        pytest.approx(again)
    )
    ready_at = next(t for t, kind in run.steps() if kind == "ready")
    assert ready_at == pytest.approx(again + (4.25 - 1.375))


# -- long press: skip ----------------------------------------------------------------


def test_long_press_skips_the_rest_of_the_step() -> None:
    run = make_run(TINY)
    run.gesture_at(8.0, "long")  # in the first hold; released at 9.2
    run.go()
    assert "long" in [g["gesture"] for g in run.of("gesture")]
    after = [(t, k) for t, k in run.steps() if t > 7.25]
    assert after[0] == (9.2, "rest")
    assert 9.2 in run.voice.stops


def test_long_press_while_paused_skips_the_whole_exercise_and_runs() -> None:
    run = make_run(TINY)
    run.gesture_at(8.0, "press")
    run.gesture_at(10.0, "long")
    run.go()
    assert (11.2, "finish") in run.steps()
    assert (14.65, "You did 0 of 1 exercise, in under a minute.") in [
        (t, text) for t, text in run.said() if t > 11.2
    ]
    assert run.states()[:4] == [
        (0.0, "running"),
        (8.1, "paused"),
        (11.2, "running"),
        (run.states()[3][0], "finished"),
    ]


def test_long_press_on_the_last_step_finishes() -> None:
    run = make_run(TINY)
    run.gesture_at(26.0, "long")
    assert run.go() == "finished"
    assert run.states()[-1] == (27.2, "finished")


# -- stop -------------------------------------------------------------------------


@pytest.mark.parametrize("at", [2.0, 8.0])
def test_stop_ends_the_session_from_running(at: float) -> None:
    run = make_run(TINY)
    run.gesture_at(at, "stop")
    assert run.go() == "stopped"
    ended = at + 3.2
    assert run.states()[-1] == (ended, "stopped")
    assert run.said()[-1] == (
        ended,
        "Session ended. If the pain grows or spreads, rest, and talk to your doctor.",
    )


def test_stop_ends_the_session_from_paused() -> None:
    run = make_run(TINY)
    run.gesture_at(8.0, "press")
    run.gesture_at(9.0, "stop")
    assert run.go() == "stopped"
    assert [s for _, s in run.states()] == ["running", "paused", "stopped"]


# -- idle -------------------------------------------------------------------------


def test_idle_waits_for_a_press_to_start() -> None:
    run = make_run(TINY)
    run.gesture_at(5.0, "long")  # does nothing before the start
    run.gesture_at(10.0, "press")
    run.go(wait_for_press=True)
    assert run.states()[:2] == [(0.0, "idle"), (10.1, "running")]
    assert run.steps()[0] == (10.1, "announce")
    assert run.said()[0] == (0.0, "Press the button to start.")
    assert "Next step." not in [text for _, text in run.said()]


def test_idle_stop_ends_without_starting() -> None:
    run = make_run(TINY)
    run.gesture_at(1.0, "stop")
    assert run.go(wait_for_press=True) == "stopped"
    assert run.steps() == []


# -- button steps ---------------------------------------------------------------


BUTTON = routine(
    exercise("Squeeze", kind="button", seconds=None, reps=2),
    exercise("Reach", seconds=5.0, ready="button"),
    name="Buttons",
)


def test_press_means_done_and_ready_in_button_steps() -> None:
    probe = make_run(BUTTON)
    wait_at = probe.plan.starts()[2]  # intro, announce, then the first wait
    run = make_run(BUTTON)
    run.gesture_at(wait_at + 4.0, "press")  # rep 1 done
    run.gesture_at(wait_at + 8.0, "press")  # rep 2 done
    run.gesture_at(wait_at + 15.0, "press")  # ready for the hold
    assert run.go() == "finished"
    kinds = run.steps()
    waits = [t for t, k in kinds if k == "wait"]
    assert waits == [wait_at, wait_at + 4.1]
    ready = next(t for t, k in kinds if k == "ready")
    hold = next(t for t, k in kinds if k == "hold")
    assert hold == wait_at + 15.1
    assert ready < hold
    assert "paused" not in [s for _, s in run.states()]
    assert (waits[0], "Rep 1 of 2. Press the button when you are done.") in run.said()


def test_long_press_also_finishes_a_button_step() -> None:
    probe = make_run(BUTTON)
    wait_at = probe.plan.starts()[2]
    run = make_run(BUTTON)
    run.gesture_at(wait_at + 1.0, "long")
    run.gesture_at(wait_at + 5.0, "stop")
    run.go()
    assert [k for _, k in run.steps()][2:4] == ["wait", "wait"]
    assert run.steps()[3][0] == wait_at + 2.2


# -- while the button is held ---------------------------------------------------


def test_crossing_thresholds_is_announced_at_once() -> None:
    run = make_run(TINY)
    run.edge_at(8.0, True)
    run.edge_at(12.5, False)
    run.go()
    said = run.said()
    assert (9.0, "Next step.") in said
    assert (11.0, "Stop.") in said
    assert run.states()[-1] == (12.5, "stopped")


@pytest.mark.parametrize("gesture", ["long", "stop"])
def test_a_held_button_holds_the_session_still_until_it_is_let_go(gesture: Gesture) -> None:
    # Held from 10.0 (inside the first hold, which runs 7.25 to 12.25): "Next step." at
    # 11.0, then no countdown digit cuts it off and no step starts until the release.
    run = make_run(TINY)
    hold = run.runtime.gestures.thresholds.nominal_hold_seconds(gesture)
    run.gesture_at(10.0, gesture)
    run.go()
    release = 10.0 + hold
    said = run.said()
    assert (11.0, "Next step.") in said
    assert [text for t, text in said if 11.0 < t < release] == (
        ["Stop."] if gesture == "stop" else []
    )
    assert [t for t, _ in run.steps() if 10.0 < t < release] == []
    if gesture == "long":
        assert (release, "rest") in run.steps()  # the hold it was held in is skipped
    else:
        assert run.states()[-1] == (release, "stopped")


@pytest.mark.parametrize("start", [x / 10 for x in range(0, 330, 7)])
def test_no_press_time_makes_a_scripted_run_hang(start: float) -> None:
    # Every gesture at awkward float times: the run ends within a bounded number of turns.
    for gesture in GESTURES:
        run = make_run(TINY)
        run.gesture_at(start, gesture)
        run.gesture_at(start + 5.05, "press")
        run.gesture_at(start + 9.15, "stop")
        run.runtime.switch(run.session)
        turns = 0
        while run.runtime.mode is not None:
            run.runtime.turn()
            turns += 1
            assert turns < 500, f"{gesture} at {start} s: no end after {turns} turns"
        assert run.session.state in ("finished", "stopped")


def test_thresholds_are_settings() -> None:
    run = make_run(TINY, Thresholds(long_seconds=0.5, stop_seconds=2.0))
    run.edge_at(8.0, True)
    run.edge_at(8.6, False)
    run.go()
    assert run.of("gesture")[0] == {"t": 8.6, "type": "gesture", "gesture": "long"}
    assert (8.5, "Next step.") in run.said()


def test_bounce_is_ignored() -> None:
    run = make_run(TINY)
    run.edge_at(8.0, True)
    run.edge_at(8.02, False)
    run.go()
    assert run.of("gesture") == []
    assert run.state == "finished"


def test_quit_stops_at_once() -> None:
    run = make_run(TINY)
    run.clock.call_at(3.0, run.runtime.quit)
    assert run.go() == "stopped"
    assert run.states()[-1] == (3.0, "stopped")
    assert 3.0 in run.voice.stops


def test_resume_word_is_left_out_when_the_countdown_is_too_close() -> None:
    run = make_run(TINY)
    run.gesture_at(7.25 + 1.5, "press")  # 1.6 s into the hold; "3" is due at 2.0
    run.gesture_at(20.0, "press")
    run.go()
    resumed = 20.1
    words = "Reach, rep 1 of 2, 4 seconds left."
    go_on = resumed + lead_in(words)
    after = [(t, text) for t, text in run.said() if t >= resumed]
    assert after[:7] == [
        (resumed, words),
        (pytest.approx(go_on - 3), "3"),
        (pytest.approx(go_on - 2), "2"),
        (pytest.approx(go_on - 1), "1"),
        (pytest.approx(go_on + 0.4), "3"),
        (pytest.approx(go_on + 1.4), "2"),
        (pytest.approx(go_on + 2.4), "1"),
    ]


def test_tones_reach_the_voice_and_the_transcript() -> None:
    run = make_run(TINY, tones=True)
    run.go()
    hold_start = next(e for e in run.events if e.type == "say" and e.data["text"] == "Hold still.")
    assert hold_start.to_json()["tone"] == "start"
    assert [(s.text, s.tone) for s in run.voice.said if s.tone] == [
        ("Hold still.", "start"),
        ("Release. Rest.", "end"),
        ("Hold still.", "start"),
        ("Release.", "set_end"),
    ]


def test_threshold_words_come_with_a_tick() -> None:
    run = make_run(TINY, tones=True)
    run.edge_at(8.0, True)
    run.edge_at(9.5, False)
    run.go()
    assert ("Next step.", "tick") in [(s.text, s.tone) for s in run.voice.said]


def test_a_new_plan_applies_to_the_steps_not_begun() -> None:
    from coach.events import NewPlan
    from coach.plan import compile_plan

    def slower(text: str) -> float:
        return 3.0 if text.startswith("Well done") else estimate_seconds(text)

    run = make_run(TINY)
    newer = compile_plan(TINY, slower, tones=False)
    run.clock.call_at(8.0, lambda: run.runtime.post(NewPlan(newer)))
    shorter = compile_plan(routine(exercise("Other", seconds=1.0)), estimate_seconds)
    run.clock.call_at(9.0, lambda: run.runtime.post(NewPlan(shorter)))  # not this routine's shape
    run.go()
    assert run.steps()[4] == (12.25, "rest")  # the hold in progress kept its time
    assert run.session.plan is newer  # the plan of another shape was ignored
    finish = newer.steps[-1]
    assert finish.duration_seconds is not None
    assert finish.duration_seconds != run.plan.steps[-1].duration_seconds
    ended_at, state = run.states()[-1]
    assert state == "finished"
    assert ended_at == pytest.approx(25.25 + finish.duration_seconds)


# -- whole countdowns, where we are, reminders, skipping exercises, endings --------------

HOLD20 = routine(exercise("Balance stretch", seconds=20.0, sides=("right leg",), reps=3), name="B")


def test_resume_says_exercise_side_rep_and_time_left_then_a_whole_countdown() -> None:
    run = make_run(HOLD20)
    hold_at = _hold_start(_probe_steps(HOLD20))
    run.gesture_at(hold_at + 8.9, "press")  # paused 9 s in: 11 s left
    run.gesture_at(hold_at + 40.0, "press")
    run.go()
    resumed = hold_at + 40.1
    words = "Balance stretch, right leg, rep 1 of 3, 11 seconds left."
    go_on = resumed + lead_in(words)
    after = [(t, text) for t, text in run.said() if t >= resumed][:5]
    assert after == [
        (resumed, words),
        (pytest.approx(go_on - 3), "3"),
        (pytest.approx(go_on - 2), "2"),
        (pytest.approx(go_on - 1), "1"),
        (pytest.approx(go_on), "Hold still."),
    ]


def test_with_count_tones_a_resume_ticks_instead_of_saying_digits() -> None:
    run = make_run(HOLD20)
    run.session.count = "tones"
    hold_at = _hold_start(_probe_steps(HOLD20))
    run.gesture_at(hold_at + 8.9, "press")
    run.gesture_at(hold_at + 40.0, "press")
    run.go()
    resumed = hold_at + 40.1
    words = "Balance stretch, right leg, rep 1 of 3, 11 seconds left."
    go_on = resumed + lead_in(words)
    after = [(s.t, s.text, s.tone) for s in run.voice.said if s.t >= resumed][:4]
    assert after == [
        (resumed, words, None),
        (pytest.approx(go_on - 3), "", "tick"),
        (pytest.approx(go_on - 2), "", "tick"),
        (pytest.approx(go_on - 1), "", "tick"),
    ]


@pytest.mark.parametrize("into", [17.0, 17.5, 18.2, 19.0, 19.5])
def test_resuming_in_the_last_3_seconds_gives_one_countdown(into: float) -> None:
    run = make_run(HOLD20)
    hold_at = _hold_start(_probe_steps(HOLD20))
    run.gesture_at(hold_at + into - 0.1, "press")
    run.gesture_at(hold_at + 60.0, "press")
    run.go()
    resumed = hold_at + 60.1
    end = next(t for t, kind in run.steps() if t > resumed)
    digits = [text for t, text in run.said() if resumed <= t < end and text in "321"]
    assert digits == ["3", "2", "1"]


def test_a_hold_paused_past_the_setting_starts_again() -> None:
    run = make_run(HOLD20)
    hold_at = _hold_start(_probe_steps(HOLD20))
    run.gesture_at(hold_at + 9.9, "press")
    run.gesture_at(hold_at + 10.0 + 121.0, "press")
    run.go()
    resumed = hold_at + 131.1
    words = "Balance stretch, right leg, rep 1 of 3; starting this hold again."
    assert (resumed, words) in run.said()
    end = next(t for t, kind in run.steps() if t > resumed)
    assert end == pytest.approx(resumed + lead_in(words) + 20.0)


def test_a_shorter_pause_keeps_the_hold_where_it_was() -> None:
    run = make_run(HOLD20)
    hold_at = _hold_start(_probe_steps(HOLD20))
    run.gesture_at(hold_at + 9.9, "press")
    run.gesture_at(hold_at + 10.0 + 119.0, "press")
    run.go()
    resumed = hold_at + 129.1
    words = "Balance stretch, right leg, rep 1 of 3, 10 seconds left."
    assert (resumed, words) in run.said()
    end = next(t for t, kind in run.steps() if t > resumed)
    assert end == pytest.approx(resumed + lead_in(words) + 10.0)


def _probe_steps(r: Routine) -> list[tuple[float, str]]:
    probe = make_run(r)
    probe.go()
    return probe.steps()


def _reminders(run: Run, text: str) -> list[float]:
    return [t for t, said in run.said() if said == text]


def test_reminders_while_paused_thin_out_and_a_long_pause_ends_the_session() -> None:
    run = make_run(TINY)
    run.gesture_at(8.0, "press")  # paused at 8.1
    run.gesture_at(5000.0, "press")  # far too late: the session has ended
    assert run.go() == "stopped"
    offsets = [round(t - 8.1, 3) for t in _reminders(run, phrases.STILL_PAUSED)]
    assert offsets == [30, 90, 150, 210, 270, 330, 450, 570, 690, 810, 930]
    assert run.said()[-1][1] == phrases.LONG_PAUSE_END
    assert run.said()[-1][0] == pytest.approx(8.1 + 1200)
    assert run.states()[-1][1] == "stopped"
    assert run.states()[-1][0] == pytest.approx(8.1 + 1200)


def test_a_waiting_step_reminds_and_a_press_ends_the_wait() -> None:
    r = routine(exercise("Reach", ready="button", seconds=5.0))
    run = make_run(r)
    run.gesture_at(200.0, "press")
    assert run.go() == "finished"
    ready_at = next(t for t, kind in run.steps() if kind == "ready")
    offsets = [round(t - ready_at, 3) for t in _reminders(run, phrases.PRESS_WHEN_READY)]
    assert offsets == [0, 30, 90, 150]  # the step's own words, then the reminders
    said_at = sorted(t for t, _ in run.said() if ready_at <= t <= 200.1)
    assert max(b - a for a, b in itertools.pairwise([*said_at, 200.1])) <= 60.0


def test_settings_set_how_long_pauses_may_be() -> None:
    run = make_run(TINY)
    run.session.pause_end_seconds = 90.0
    run.gesture_at(8.0, "press")
    run.gesture_at(500.0, "press")
    assert run.go() == "stopped"
    assert run.said()[-1][1] == phrases.LONG_PAUSE_END
    assert run.said()[-1][0] == pytest.approx(98.1)


TWO = routine(
    exercise("Reach", seconds=5.0, reps=2, rest_seconds=8.0, ready=3.0),
    exercise("Lunge", seconds=5.0),
    name="Two",
)


@pytest.mark.parametrize("kind", ["announce", "ready"])
def test_long_press_in_an_announcement_or_lead_in_skips_the_whole_exercise(kind: str) -> None:
    # The first announcement is the routine's title; the second names the exercise.
    at = [t for t, k in _probe_steps(TWO) if k == kind][1 if kind == "announce" else 0] + 0.3
    run = make_run(TWO)
    run.gesture_at(at, "long")
    assert run.go() == "finished"
    let_go = round(at + 1.2, 3)
    assert (let_go, "Next exercise.") not in run.said()
    assert (round(at + 1.0, 3), "Next exercise.") in run.said()
    assert (let_go, "Exercise 2 of 2: Lunge.") in run.said()
    assert "You did 1 of 2 exercises, in under a minute." in [t for _, t in run.said()]


def test_long_press_in_a_hold_still_skips_only_that_step() -> None:
    at = next(t for t, k in _probe_steps(TWO) if k == "hold") + 0.3
    run = make_run(TWO)
    run.gesture_at(at, "long")
    run.go()
    assert (round(at + 1.0, 3), "Next step.") in run.said()
    assert (round(at + 1.2, 3), "rest") in run.steps()
    assert any(t.startswith("You did 2 of 2 exercises, in ") for _, t in run.said())


def test_skipping_the_last_exercise_goes_to_the_summary() -> None:
    at = [t for t, k in _probe_steps(TWO) if k == "announce"][-1] + 0.3
    run = make_run(TWO)
    run.gesture_at(at, "long")
    run.go()
    assert (round(at + 1.2, 3), "finish") in run.steps()
    assert "You did 1 of 2 exercises, in under a minute." in [t for _, t in run.said()]


def test_the_summary_counts_real_minutes() -> None:
    run = make_run(TWO)
    run.gesture_at(8.0, "press")
    run.gesture_at(8.0 + 200.0, "press")
    run.go()
    assert "You did 2 of 2 exercises, in 4 minutes." in [t for _, t in run.said()]
