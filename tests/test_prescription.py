"""The prescription: sessions a day (from the history), a prop to fetch, a programme's phase."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from coach import phrases
from coach.adherence import closing_line, closing_lines
from coach.cli import cli
from coach.errors import RoutineError
from coach.loader import parse_routine
from coach.plan import ANNOUNCE_GAP_SECONDS, ANNOUNCE_TAIL_SECONDS, compile_plan, plan_size
from coach.preview import render_plan
from coach.routine import Phase
from coach.speech.setup import all_phrases
from coach.voice import estimate_seconds
from tests.conftest import exercise, make_run, routine


def close(t: float) -> Any:
    return pytest.approx(t, abs=1e-3)


def problems(text: str) -> list[str]:
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, "r.yaml")
    return caught.value.problems


EXERCISES = "exercises:\n  - {name: A, hold_seconds: 5}\n"


# -- the file ----------------------------------------------------------------------------


def test_the_fields_load() -> None:
    text = (
        "name: Knee\ntimes_a_day: 3\nphase: {number: 1, of: 3, name: protect and move}\n"
        "exercises:\n  - {name: A, hold_seconds: 5, fetch: a rolled towel.}\n"
    )
    r = parse_routine(text, "r.yaml")
    assert r.times_a_day == 3
    assert r.phase == Phase(1, 3, "protect and move")
    assert r.exercises[0].fetch == "a rolled towel"
    assert (r.phase.spoken, r.phase.shown) == (
        "This is phase 1 of 3.",
        "phase 1 of 3: protect and move",
    )
    assert Phase(2).spoken == "This is phase 2." and Phase(2).shown == "phase 2"
    plain = parse_routine("name: R\n" + EXERCISES, "r.yaml")
    assert (plain.times_a_day, plain.phase, plain.exercises[0].fetch) == (None, None, "")


def test_fetch_may_come_from_the_defaults() -> None:
    r = parse_routine(
        "name: R\ndefaults: {fetch: a mat}\nexercises:\n  - {name: A, hold_seconds: 5}\n"
        "  - {name: B, hold_seconds: 5, fetch: a chair}\n",
        "r.yaml",
    )
    assert [e.fetch for e in r.exercises] == ["a mat", "a chair"]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "name: R\ntimes_a_day: 13\n" + EXERCISES,
            "r.yaml:2:14: times_a_day: must be a whole number from 1 to 12, got 13",
        ),
        (
            "name: R\ntimes_a_day: three\n" + EXERCISES,
            "r.yaml:2:14: times_a_day: must be a whole number from 1 to 12, got 'three'",
        ),
        (
            "name: R\nphase: Phase 1 of 3\n" + EXERCISES,
            "r.yaml:2:8: phase: must be a mapping of number, of, name, got 'Phase 1 of 3'",
        ),
        (
            "name: R\nphase: {number: 4, of: 3}\n" + EXERCISES,
            "r.yaml:2:17: phase.number: must be at most the number of phases (of: 3), got 4",
        ),
        (
            "name: R\nphase: {of: 3}\n" + EXERCISES,
            "r.yaml:2:8: phase: missing required field 'number'",
        ),
        (
            "name: R\nphase: {number: 1, off: 3}\n" + EXERCISES,
            "r.yaml:2:20: phase: unknown field 'off' (did you mean 'of'?)",
        ),
        (
            "name: R\nphase: {number: 1, of: 21}\n" + EXERCISES,
            "r.yaml:2:24: phase.of: must be a whole number from 1 to 20, got 21",
        ),
        (
            "name: R\nexercises:\n  - {name: A, hold_seconds: 5, fetch: ''}\n",
            "r.yaml:3:39: exercise 1 (A): fetch: must be a non-empty string, got ''",
        ),
        (
            "name: R\nexercises:\n  - {name: A, hold_seconds: 5, fetch: [towel]}\n",
            "r.yaml:3:39: exercise 1 (A): fetch: must be a non-empty string, got a list",
        ),
        (
            "name: R\nexercises:\n  - {name: A, hold_seconds: 5, fetch: '" + "x" * 101 + "'}\n",
            "r.yaml:3:39: exercise 1 (A): fetch: must be one line of at most 100 characters, "
            "got '...xxxxx'",
        ),
    ],
)
def test_one_exact_message_each(text: str, expected: str) -> None:
    [got] = problems(text)
    if "'...x" in expected:  # a long value is shown by its start
        head = expected.partition("'...")[0]
        assert got.startswith(head) and got.endswith("...'"), got
    else:
        assert got == expected


# -- the phase, in the opening words and the preview -------------------------------------------


KNEE = parse_routine(
    "name: Knee\ntimes_a_day: 3\nphase: {number: 1, of: 3, name: protect and move}\n"
    "safety: Stop if it hurts.\n" + EXERCISES,
    "knee.yaml",
)


def test_the_phase_is_said_once_in_the_opening_words() -> None:
    run = make_run(KNEE)
    run.go()
    said = run.said()
    assert said[:3] == [
        (0.0, "Knee."),
        (close(estimate_seconds("Knee.") + ANNOUNCE_GAP_SECONDS), "This is phase 1 of 3."),
        (
            close(
                estimate_seconds("Knee.")
                + estimate_seconds("This is phase 1 of 3.")
                + 2 * ANNOUNCE_GAP_SECONDS
            ),
            "Stop if it hurts.",
        ),
    ]
    assert [text for _, text in said].count("This is phase 1 of 3.") == 1


def test_the_preview_shows_the_phase() -> None:
    plan = compile_plan(KNEE, estimate_seconds)
    assert render_plan(plan).splitlines()[:2] == ["Knee", "phase 1 of 3: protect and move"]
    assert plan.to_json()["phase"] == "phase 1 of 3: protect and move"
    assert plan.to_json()["times_a_day"] == 3
    bare = compile_plan(routine(exercise("A")), estimate_seconds).to_json()
    assert "phase" not in bare and "times_a_day" not in bare


def invoke(*args: str) -> tuple[int, str, str]:
    env = {"COACH_CONFIG": os.devnull, "COACH_SPEECH": "text"}
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


PRESCRIBED = """name: Knee, early days
times_a_day: 3
phase: {number: 1, of: 3, name: protect and move}
exercises:
  - name: Quad sets
    fetch: a rolled towel
    instructions: Towel under the knee; press the knee down into it.
    hold_seconds: 5
    ready: 0
  - name: Heel slides
    fetch: a rolled towel
    hold_seconds: 5
    ready: 0
"""


def test_list_and_preview_show_the_phase_and_the_fetch(tmp_path: Path) -> None:
    folder = tmp_path / "routines"
    folder.mkdir()
    (folder / "knee.yaml").write_text(PRESCRIBED)
    code, out, err = invoke("list", "--routines-dir", str(folder))
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.startswith("knee "))
    assert row.endswith("Knee, early days (phase 1 of 3: protect and move)")
    code, out, err = invoke("preview", str(folder / "knee.yaml"))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:2] == ["Knee, early days", "phase 1 of 3: protect and move"]
    fetch = [line for line in lines if " fetch " in line]
    assert len(fetch) == 1  # Heel slides needs the same towel: not asked again
    assert fetch[0].split(None, 3)[1:] == [
        "fetch",
        "button",
        "Quad sets: Fetch a rolled towel, then press.",
    ]
    assert lines[-1].endswith("plus 1 step(s) that wait for the button")


# -- a prop to fetch -----------------------------------------------------------------------


TOWEL = routine(
    exercise("Quad sets", seconds=5.0, ready=0, fetch="a rolled towel", instructions="Press."),
    exercise("Heel slides", seconds=5.0, ready=0, fetch="A rolled towel"),
    exercise("Bridge", seconds=5.0, ready=0, fetch="a chair"),
    name="Knee",
)


def test_a_prop_is_asked_for_with_the_exercise_name_and_waits_for_the_button() -> None:
    run = make_run(TOWEL)
    title = "Exercise 1 of 3: Quad sets."
    fetch = "Fetch a rolled towel, then press."
    start = estimate_seconds("Knee.") + ANNOUNCE_TAIL_SECONDS
    run.gesture_at(60.0, "press")
    run.gesture_at(120.0, "press")
    assert run.go() == "finished"
    said = run.said()
    asked = start + estimate_seconds(title) + ANNOUNCE_GAP_SECONDS
    assert said[1:4] == [
        (close(start), title),
        (close(asked), fetch),
        (close(30.0 + start), phrases.PRESS_WHEN_READY),
    ]
    # The press lets the instructions come; Heel slides wants the same towel and
    # does not ask again (whatever the case); Bridge wants a chair.
    pressed = next(e["t"] for e in run.of("gesture"))
    assert said[4] == (close(pressed), "Press.")
    texts = [text for _, text in said]
    assert texts.count(fetch) == 1
    assert "Exercise 2 of 3: Heel slides." in texts
    chair = texts.index("Fetch a chair, then press.")
    assert texts[chair - 2 : chair] == ["Release.", "Exercise 3 of 3: Bridge."]
    kinds = [e["kind"] for e in run.of("step")]
    assert kinds.count("fetch") == 2
    fetch_steps = [e for e in run.of("step") if e["kind"] == "fetch"]
    assert [(e["exercise"], e["number"], e["duration_seconds"]) for e in fetch_steps] == [
        ("Quad sets", 1, None),
        ("Bridge", 3, None),
    ]


def test_the_stop_word_before_a_fetch_is_said_first() -> None:
    plan = compile_plan(TOWEL, estimate_seconds)
    chair = next(s for s in plan.steps if s.kind == "fetch" and s.exercise == "Bridge")
    assert [c.text for c in chair.cues] == [
        "Release.",
        "Exercise 3 of 3: Bridge.",
        "Fetch a chair, then press.",
    ]
    # No instructions and no sides: nothing to announce after the fetch.
    after = plan.steps[plan.steps.index(chair) + 1]
    assert after.kind == "hold"


def test_a_long_press_while_fetching_skips_the_exercise() -> None:
    run = make_run(TOWEL)
    run.gesture_at(10.0, "long")
    run.gesture_at(60.0, "press")
    assert run.go() == "finished"
    texts = [text for _, text in run.said()]
    assert phrases.THRESHOLD_SKIP_EXERCISE in texts
    assert "Press." not in texts  # Quad sets' instructions never came
    assert texts[texts.index(phrases.THRESHOLD_SKIP_EXERCISE) + 1] == (
        "Exercise 2 of 3: Heel slides."
    )
    assert run.session.skipped == {1}


def test_every_fetch_line_is_rendered_ahead() -> None:
    plan = compile_plan(TOWEL, estimate_seconds)
    wanted = {text for text, _ in all_phrases(plan, tones=False)}
    assert {"Fetch a rolled towel, then press.", "Fetch a chair, then press."} <= wanted


def test_plan_size_counts_fetch_steps_exactly() -> None:
    from tests.test_plan import _variants

    variants = _variants()
    props = ("a towel", "a towel", "", "a chair", "A chair", "a towel")
    for start in range(0, len(variants), 6):
        chosen = variants[start : start + 6]
        fetching = [
            dataclasses.replace(ex, fetch=prop, instructions="Go." if i % 2 else "")
            for i, (ex, prop) in enumerate(zip(chosen, props))
        ]
        r = routine(*fetching)
        assert plan_size(r).steps == len(compile_plan(r, estimate_seconds).steps), r


# -- sessions a day, after the summary ----------------------------------------------------


TODAY = date(2026, 12, 3)
BEFORE = [date(2026, 12, 1), date(2026, 12, 2)]


@pytest.mark.parametrize(
    "days, times, done, expected",
    [
        ([*BEFORE, TODAY], None, None, "That is three days in a row."),
        ([TODAY], 3, 1, "That was your first of three sessions today."),
        (
            [*BEFORE, TODAY],
            3,
            1,
            "That was your first of three sessions today, and three days in a row.",
        ),
        ([*BEFORE, *[TODAY] * 2], 3, 2, "That was your second of three sessions today."),
        ([*BEFORE, *[TODAY] * 3], 3, 3, "That was your third of three sessions today."),
        (
            [*BEFORE, *[TODAY] * 4],
            3,
            4,
            "That was your fourth session today; three times a day is all you need.",
        ),
        ([*BEFORE, *[TODAY] * 5], 3, 5, None),  # said once; never nagging
        ([*BEFORE, TODAY], 1, 1, "That is three days in a row."),
        ([TODAY] * 2, 1, 2, "That was your second session today; once a day is all you need."),
        ([TODAY] * 3, 2, 3, "That was your third session today; twice a day is all you need."),
        ([*BEFORE, TODAY], 3, None, "That is three days in a row."),  # no history of it
    ],
)
def test_the_closing_line(
    days: list[date], times: int | None, done: int | None, expected: str | None
) -> None:
    assert closing_line(days, TODAY, times, done) == expected
    if expected is not None and times is not None and expected.startswith("That was"):
        assert expected in closing_lines(times)  # rendered ahead


def test_closing_lines_cover_every_line_a_prescription_may_say() -> None:
    assert closing_lines(None) == []
    assert closing_lines(1) == ["That was your second session today; once a day is all you need."]
    lines = closing_lines(12)
    assert "That was your twelfth of twelve sessions today." in lines
    assert "That was your thirteenth session today; twelve times a day is all you need." in lines
    assert "That was your first of twelve sessions today, and seven days in a row." in lines


def run_at(path: Path, when: str, *presses: str) -> list[tuple[float, str]]:
    """``coach run PATH --instant --start-at WHEN``: what was said, with its times."""
    args = ["run", str(path), "--instant", "--start-at", when, "--transcript", "-"]
    for press in presses:
        args += ["--press-at", press]
    code, out, err = invoke(*args)
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [(e["t"], e["text"]) for e in events if e["type"] == "say"]


def closing(said: list[tuple[float, str]]) -> str | None:
    """The line after the summary, checked to follow it as the session's closing words do."""
    summary = next(i for i, (_, text) in enumerate(said) if text.startswith("You did"))
    if summary == len(said) - 1:
        return None
    (t_summary, text), (t_line, line) = said[summary], said[summary + 1]
    assert t_line == close(t_summary + estimate_seconds(text) + ANNOUNCE_GAP_SECONDS)
    return line


def test_times_a_day_through_the_real_history(tmp_path: Path, utc: None) -> None:
    knee = tmp_path / "knee.yaml"
    knee.write_text(PRESCRIBED)
    other = tmp_path / "other.yaml"
    other.write_text("name: Other\n" + EXERCISES)
    presses = ("9:press",)  # the towel fetched, once
    day = "2026-12-01T{}+00:00"
    assert closing(run_at(knee, day.format("08:00"), *presses)) == (
        "That was your first of three sessions today."
    )
    # Another routine, and a session of this one stopped early, do not count.
    assert closing(run_at(other, day.format("09:00"))) is None
    stopped = run_at(knee, day.format("10:00"), "9:press", "12:stop")
    assert stopped[-1][1] == phrases.SESSION_ENDED_EARLY
    assert closing(run_at(knee, day.format("12:00"), *presses)) == (
        "That was your second of three sessions today."
    )
    assert closing(run_at(knee, day.format("16:00"), *presses)) == (
        "That was your third of three sessions today."
    )
    assert closing(run_at(knee, day.format("20:00"), *presses)) == (
        "That was your fourth session today; three times a day is all you need."
    )
    assert closing(run_at(knee, day.format("21:00"), *presses)) is None
    # The next day: the first of three, and the run of days, in one line.
    assert closing(run_at(knee, "2026-12-02T08:00+00:00", *presses)) == (
        "That was your first of three sessions today, and two days in a row."
    )


def test_the_closing_line_ends_the_session_after_it_is_said(tmp_path: Path, utc: None) -> None:
    knee = tmp_path / "knee.yaml"
    knee.write_text(PRESCRIBED)
    args = ["run", str(knee), "--instant", "--start-at", "2026-12-01T08:00+00:00"]
    code, out, err = invoke(*args, "--press-at", "9:press", "--transcript", "-")
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    line = "That was your first of three sessions today."
    said_at = next(e["t"] for e in events if e.get("text") == line)
    finished = next(e["t"] for e in events if e.get("state") == "finished")
    assert finished == close(said_at + estimate_seconds(line) + ANNOUNCE_TAIL_SECONDS)


def test_without_history_nothing_is_said_of_sessions_a_day(tmp_path: Path, utc: None) -> None:
    knee = tmp_path / "knee.yaml"
    knee.write_text(PRESCRIBED)
    args = ["run", str(knee), "--instant", "--no-history", "--press-at", "9:press"]
    code, out, err = invoke(*args, "--transcript", "-")
    assert code == 0, err
    said = [json.loads(line) for line in out.splitlines() if '"say"' in line]
    assert said[-1]["text"].startswith("You did 2 of 2 exercises")


def test_the_device_says_todays_count_after_each_session(tmp_path: Path, utc: None) -> None:
    from coach.clock import VIRTUAL_WALL_START
    from coach.device import Device
    from coach.events import Event
    from coach.library import Library
    from coach.rig import RunOptions, ScriptedPress, build_rig
    from coach.settings import Settings

    (tmp_path / "knee.yaml").write_text(PRESCRIBED)
    events: list[Event] = []
    # Start, fetch the towel; after the session, start again and fetch it again.
    presses = [(1.0, "press"), (15.0, "press"), (100.0, "press"), (115.0, "press")]
    rig = build_rig(
        Settings.from_values({"tones": False}),
        RunOptions(
            instant=True,
            presses=[ScriptedPress(t, g) for t, g in presses],  # type: ignore[arg-type]
            listeners=[events.append],
            start_at=VIRTUAL_WALL_START,
        ),
    )
    rig.clock.call_at(200.0, rig.quit)
    assert Device(rig, Library((tmp_path,), "knee")).run() == 0
    said = [e.data["text"] for e in events if e.type == "say"]
    summaries = [i for i, text in enumerate(said) if text.startswith("You did")]
    assert [said[i + 1] for i in summaries] == [
        "That was your first of three sessions today.",
        "That was your second of three sessions today.",
    ]


def test_with_real_speech_nothing_of_the_prescription_is_rendered_late(
    tmp_path: Path, utc: None
) -> None:
    import sys

    from coach.clock import VIRTUAL_WALL_START
    from coach.device import Device
    from coach.events import Event
    from coach.library import Library
    from coach.rig import RunOptions, ScriptedPress, build_rig
    from coach.settings import Settings
    from coach.speech.voice import SpeechVoice

    folder = tmp_path / "routines"
    folder.mkdir()
    (folder / "knee.yaml").write_text(PRESCRIBED)
    events: list[Event] = []
    presses = [(1.0, "press"), (25.0, "press"), (150.0, "press"), (175.0, "press")]
    rig = build_rig(
        Settings.from_values({"tones": False, "speech": "pyttsx3"}),
        RunOptions(
            instant=True,
            presses=[ScriptedPress(t, g) for t, g in presses],  # type: ignore[arg-type]
            listeners=[events.append],
            cache_dir=tmp_path / "cache",
            player_command=(sys.executable, str(Path(__file__).with_name("fake_player.py"))),
            start_at=VIRTUAL_WALL_START,
        ),
    )
    rig.clock.call_at(300.0, rig.quit)
    voice = rig.voice
    assert isinstance(voice, SpeechVoice)
    assert Device(rig, Library((folder,), "knee")).run() == 0
    said = [e.data["text"] for e in events if e.type == "say"]
    assert "This is phase 1 of 3." in said
    assert "Fetch a rolled towel, then press." in said
    assert "That was your second of three sessions today." in said
    assert voice.late_renders == 0
