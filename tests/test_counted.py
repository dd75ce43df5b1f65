"""Counted reps with a tempo, sides in turn rep by rep, and words for each side.

Loaded from YAML, compiled, and run on the virtual clock: the rep numbers in
order, each said as its rep starts and nothing between; sides in turn with
equal times; instructions that say the side in progress.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from coach import phrases
from coach.cli import cli
from coach.errors import RoutineError
from coach.loader import parse_routine
from coach.plan import compile_plan
from coach.preview import render_plan
from coach.routine import Tempo
from coach.voice import estimate_seconds
from tests.conftest import Run, make_run

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "routines" / "examples").glob("*.yaml"))

PRESS_UPS = """\
name: Back
exercises:
  - name: Press-ups
    reps: 10
    tempo: {up: 2, hold: 1.5, down: 2}
    ready: 5
"""

HEAD_TURNS = """\
name: Neck
exercises:
  - name: Head turns
    sides: [right, left]
    alternate: true
    reps: 3
    tempo: {hold: 3, relax: 2}
"""

WORDS = ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine"]


def run_of(text: str) -> Run:
    return make_run(parse_routine(text, "r.yaml"))


def rep_starts(run: Run) -> list[dict[str, Any]]:
    return [e for e in run.of("step") if e["kind"] == "rep"]


# -- the format ------------------------------------------------------------------------


def test_a_tempo_is_its_phases_in_the_order_written() -> None:
    ex = parse_routine(PRESS_UPS, "r.yaml").exercises[0]
    assert ex.kind == "counted"
    assert ex.tempo == Tempo((("up", 2.0), ("hold", 1.5), ("down", 2.0)))
    assert ex.seconds == 5.5
    assert ex.rest_seconds == 0.0  # no rest between counted reps unless asked
    single = parse_routine(PRESS_UPS.replace("{up: 2, hold: 1.5, down: 2}", "3"), "r.yaml")
    assert single.exercises[0].tempo == Tempo((("", 3.0),))


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (
            "tempo: {up: 2, wait: 1}",
            "r.yaml:5:20: exercise 1 (Press-ups): tempo: unknown field 'wait'; "
            "allowed: up, hold, down, in, out, relax",
        ),
        (
            "tempo: {up: 0.2, down: 2}",
            "r.yaml:5:17: exercise 1 (Press-ups): tempo.up: must be a number of seconds "
            "from 0.5 to 60, got 0.2",
        ),
        (
            "tempo: {up: 0.5}",
            "r.yaml:5:12: exercise 1 (Press-ups): tempo: a rep must take at least 1 second, "
            "got 0.5",
        ),
        (
            "tempo: fast",
            "r.yaml:5:12: exercise 1 (Press-ups): tempo: must be seconds for each rep "
            "from 1 to 60, or a mapping of phases (up, hold, down, in, out, relax) to seconds, "
            "got 'fast'",
        ),
    ],
)
def test_a_wrong_tempo_says_exactly_what_is_wrong(field: str, message: str) -> None:
    text = f"name: R\nexercises:\n  - name: Press-ups\n    reps: 10\n    {field}\n"
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, "r.yaml")
    assert caught.value.problems == [message]


def test_alternate_needs_two_sides_and_one_text() -> None:
    text = (
        "name: R\nexercises:\n  - name: Turns\n    alternate: true\n    tempo: 3\n"
        "  - name: Tilts\n    sides: [right, left]\n    alternate: true\n    tempo: 3\n"
        "    instructions: {right: Tilt right., left: Tilt left.}\n"
    )
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, "r.yaml")
    assert caught.value.problems == [
        "r.yaml:4:5: exercise 1 (Turns): alternate: needs at least two sides to alternate, got 0",
        "r.yaml:10:5: exercise 2 (Tilts): instructions: must be one text when alternate is true, "
        "got a mapping by side",
    ]


def test_instructions_by_side_must_name_every_side() -> None:
    text = (
        "name: R\nexercises:\n  - name: Tilts\n    sides: [right, left]\n    hold_seconds: 5\n"
        "    instructions:\n      right: Tilt right.\n      lef: Tilt left.\n"
    )
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, "r.yaml")
    assert caught.value.problems == [
        "r.yaml:6:5: exercise 1 (Tilts): instructions: a mapping by side must name every side of "
        "the exercise once (right, left), got right, lef"
    ]


# -- counted reps on the virtual clock ---------------------------------------------------


def test_every_rep_number_is_said_in_order_as_its_rep_starts() -> None:
    run = run_of(PRESS_UPS)
    assert run.go() == "finished"
    reps = rep_starts(run)
    assert [e["rep"] for e in reps] == list(range(1, 11))
    said = run.said()
    numbers = []
    for step in reps:
        # The number is the first thing said at the rep's start, and nothing
        # else is said between the step before and it.
        at = [text for t, text in said if t == step["t"]]
        numbers.append(at[0])
        before = [t for t, _ in said if t < step["t"]]
        spoken_until = max(t + estimate_seconds(x) for t, x in said if t in before[-1:])
        assert spoken_until <= step["t"] + 1e-9
    assert numbers == [f"{w}, up." for w in WORDS] + ["Last one, up."]


def test_reps_keep_the_tempo_exactly_with_the_phase_words_on_their_beats() -> None:
    run = run_of(PRESS_UPS)
    run.go()
    starts = [e["t"] for e in rep_starts(run)]
    assert [round(b - a, 9) for a, b in itertools.pairwise(starts)] == [5.5] * 9
    said = run.said()
    first = starts[0]
    assert [(round(t - first, 3), text) for t, text in said if first <= t < first + 5.5] == [
        (0.0, "One, up."),
        (2.0, "Hold still."),
        (3.5, "Down."),
    ]


def test_no_digit_is_said_in_a_counted_exercise() -> None:
    run = run_of(PRESS_UPS)
    run.go()
    said = [text for _, text in run.said()]
    start = said.index("Exercise 1 of 1: Press-ups.")
    end = said.index("And relax.")
    assert not any(ch.isdigit() for text in said[start + 1 : end] for ch in text)
    # The lead-in counts in with ticks, not "3, 2, 1".
    ticks = [e for e in run.of("say") if e.get("tone") == "tick" and not e["text"]]
    assert len(ticks) == 3


def test_words_that_do_not_fit_a_fast_tempo_are_shortened_and_the_count_stays() -> None:
    text = PRESS_UPS.replace("{up: 2, hold: 1.5, down: 2}", "{up: 0.5, down: 0.5}")
    plan = compile_plan(parse_routine(text, "r.yaml"), estimate_seconds, tones=False)
    reps = [s for s in plan.steps if s.kind == "rep"]
    assert [s.cues[0].text for s in reps] == [f"{w}." for w in WORDS] + ["Last one."]
    # "Down." has no room after the count: dropped, and shown so.
    assert all([c.text for c in s.dropped] == ["Down."] for s in reps)
    assert "(dropped: no room) Down." in render_plan(plan, with_cues=True)


def test_a_count_said_alone_is_named_when_every_rep_has_room_for_it() -> None:
    # "One." alone is easily misheard ("Well."); "Number one." is heard right.
    text = PRESS_UPS.replace("{up: 2, hold: 1.5, down: 2}", "3")
    plan = compile_plan(parse_routine(text, "r.yaml"), estimate_seconds, tones=False)
    reps = [s for s in plan.steps if s.kind == "rep"]
    named = [f"Number {w.lower()}." for w in WORDS]
    assert [s.cues[0].text for s in reps] == [*named, "Last one."]

    # One answer for the whole exercise: with no room for "Number seven." no rep says it.
    def durations(said: str) -> float:
        return 1.2 if said == "Number seven." else 0.6

    plan = compile_plan(parse_routine(text.replace("tempo: 3", "tempo: 1"), "r.yaml"), durations)
    reps = [s for s in plan.steps if s.kind == "rep"]
    assert [s.cues[0].text for s in reps] == [f"{w}." for w in WORDS] + ["Last one."]


def test_a_pause_mid_rep_says_which_rep_and_starts_it_again() -> None:
    run = run_of(PRESS_UPS)
    fourth = 4.25 + 5.0 + 3 * 5.5  # the announcements, the lead-in, three reps
    run.gesture_at(fourth + 3.0, "press")
    run.gesture_at(fourth + 10.0, "press")
    assert run.go() == "finished"
    said = [text for _, text in run.said()]
    where = "Press-ups, rep 4 of 10; starting this rep again."
    i = said.index(where)
    # Ticks count back in (no digits), then the rep from its start.
    assert said[i + 1 : i + 5] == ["", "", "", "Four, up."]
    reps = rep_starts(run)
    assert [e["rep"] for e in reps] == list(range(1, 11))


def test_preview_shows_the_reps_and_their_words() -> None:
    plan = compile_plan(parse_routine(PRESS_UPS, "r.yaml"), estimate_seconds, tones=False)
    shown = render_plan(plan, with_cues=True)
    assert "rep          5.5 s  Press-ups, rep 4/10" in shown
    assert "+  0.0  Four, up." in shown
    assert "+  3.5  Down." in shown


# -- sides in turn, and words for each side ----------------------------------------------


def test_sides_in_turn_go_right_left_with_equal_times_and_are_named() -> None:
    run = run_of(HEAD_TURNS)
    assert run.go() == "finished"
    reps = rep_starts(run)
    assert [(e["side"], e["rep"]) for e in reps] == [
        ("right", 1), ("left", 1), ("right", 2), ("left", 2), ("right", 3), ("left", 3),
    ]  # fmt: skip
    assert {e["duration_seconds"] for e in reps} == {5.0}
    starts = [e["t"] for e in reps]
    assert {round(b - a, 9) for a, b in itertools.pairwise(starts)} == {5.0}
    said = dict(run.said())
    assert [said[t] for t in starts] == [
        "Right side, one, hold still.",
        "Left side, one, hold still.",
        "Right side, two, hold still.",
        "Left side, two, hold still.",
        "Right side, last one, hold still.",
        "Left side, last one, hold still.",
    ]
    texts = list(said.values())
    assert "Sides in turn, starting with the right side." in texts
    assert not any(text.startswith(("Set ", "Switch sides")) for text in texts)


def test_alternating_holds_name_the_side_and_keep_equal_times() -> None:
    text = (
        "name: R\nexercises:\n  - name: Lean\n    sides: [right leg, left leg]\n"
        "    alternate: true\n    reps: 2\n    hold_seconds: 10\n    rest_seconds: 10\n"
    )
    run = run_of(text)
    run.go()
    holds = [e for e in run.of("step") if e["kind"] == "hold"]
    assert [e["side"] for e in holds] == ["right leg", "left leg"] * 2
    assert {e["duration_seconds"] for e in holds} == {10.0}
    said = [text for _, text in run.said()]
    assert "Next: left leg, rep 1 of 2." in said
    assert "Next: right leg, rep 2 of 2, the last one." in said


@pytest.mark.parametrize(
    "instructions",
    [
        "    instructions: Lean towards your {side}.\n",
        "    instructions:\n      right leg: Lean towards your right leg.\n"
        "      left leg: Lean towards your left leg.\n",
    ],
)
def test_the_side_in_progress_is_said_in_the_instructions(instructions: str) -> None:
    text = (
        "name: R\nexercises:\n  - name: Lean\n    sides: [right leg, left leg]\n"
        f"    hold_seconds: 10\n{instructions}"
    )
    run = run_of(text)
    run.go()
    said = [text for _, text in run.said()]
    first, second = (
        said.index("Lean towards your right leg."),
        said.index("Lean towards your left leg."),
    )
    assert said[first - 1] == "Exercise 1 of 1: Lean."
    assert said[second - 1] == "Switch sides. Left leg."
    assert first < second


def test_instructions_without_side_are_said_once() -> None:
    text = (
        "name: R\nexercises:\n  - name: Lean\n    sides: [right leg, left leg]\n"
        "    hold_seconds: 10\n    instructions: Lean gently.\n"
    )
    run = run_of(text)
    run.go()
    assert [text for _, text in run.said()].count("Lean gently.") == 1


# -- the example programmes ----------------------------------------------------------


def test_the_example_programmes_validate_without_warnings_and_stay_out_of_the_menu() -> None:
    assert [p.name for p in EXAMPLES] == [
        "knee-early-rehab.yaml",
        "mckenzie-extension.yaml",
        "office-neck-shoulders.yaml",
    ]
    env = {"COACH_CONFIG": "/dev/null"}
    result = CliRunner().invoke(cli, ["validate", *map(str, EXAMPLES)], env=env)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.count("ok  ") == 3
    listed = CliRunner().invoke(cli, ["list", "--speech", "text"], env=env)
    assert "knee" not in listed.stdout and "mckenzie" not in listed.stdout


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_example_programmes_run_to_their_end(path: Path, tmp_path: Path) -> None:
    env = {"COACH_CONFIG": "/dev/null", "COACH_CACHE_DIR": str(tmp_path)}
    result = CliRunner().invoke(cli, ["run", str(path), "--instant"], env=env)
    assert result.exit_code == 0, result.output


def test_validate_warns_where_the_tempo_is_too_fast_for_the_words(tmp_path: Path) -> None:
    fast = tmp_path / "fast.yaml"
    fast.write_text(PRESS_UPS.replace("{up: 2, hold: 1.5, down: 2}", "{up: 0.5, down: 0.5}"))
    result = CliRunner().invoke(cli, ["validate", str(fast)], env={"COACH_CONFIG": "/dev/null"})
    assert result.exit_code == 0
    assert result.stdout == f"ok  {fast}  (1 exercise)\n"
    assert result.stderr == (
        f"coach: {fast}: exercise 1 (Press-ups): the tempo is too fast for some of its words; "
        "they are shortened or left out (see 'coach preview --cues')\n"
    )


@pytest.mark.parametrize("text", [PRESS_UPS, HEAD_TURNS, *(p.read_text() for p in EXAMPLES)])
def test_plan_size_counts_counted_and_alternating_exercises_exactly(text: str) -> None:
    from coach.plan import plan_size

    r = parse_routine(text, "r.yaml")
    plan = compile_plan(r, estimate_seconds)
    assert plan_size(r).steps == len(plan.steps)
    timed = sum(
        s.duration_seconds or 0.0 for s in plan.steps if s.kind in ("ready", "hold", "activity",
        "rest", "rep", "breathe")
    )  # fmt: skip
    assert plan_size(r).timed_seconds == pytest.approx(timed)


def test_when_one_rep_has_no_room_for_its_phase_word_no_rep_says_it() -> None:
    text = PRESS_UPS.replace("reps: 10", "reps: 3").replace(
        "{up: 2, hold: 1.5, down: 2}", "{up: 1, down: 1}"
    )

    def durations(said: str) -> float:
        return 0.6 if len(said) < 10 else 1.2  # "Last one, up." runs past its 1 s phase

    plan = compile_plan(parse_routine(text, "r.yaml"), durations, tones=False)
    reps = [s for s in plan.steps if s.kind == "rep"]
    assert [[c.text for c in s.cues] for s in reps] == [
        ["One.", "Down."],
        ["Two.", "Down."],
        ["Last one.", "Down."],
    ]


def test_reps_that_end_on_relax_are_not_told_to_relax_twice() -> None:
    text = "name: R\nexercises:\n  - name: Quad sets\n    reps: 2\n    tempo: {hold: 5, relax: 3}\n"
    run = run_of(text)
    run.go()
    said = [text for _, text in run.said()]
    last = said.index("Last one, hold still.")
    assert said[last + 1 : last + 3] == ["Relax.", phrases.LAST_REP_DONE]
    assert phrases.REPS_DONE not in said
