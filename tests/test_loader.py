"""coach.loader: the exact Routine a good file becomes, the exact lines a bad one earns."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from coach.errors import RoutineError
from coach.loader import MAX_FILE_BYTES, load_routine, parse_routine
from coach.routine import (
    HOLD_REST_DEFAULT_SECONDS,
    READY_DEFAULT_SECONDS,
    Breathing,
    Exercise,
    Routine,
)

DATA = Path(__file__).parent / "data"

#: A routine with one exercise, its name on line 3; ``exercise()`` adds lines 4, 5, ...
#: indented by four spaces, so the value of ``field: value`` starts at column
#: ``len(field) + 7``.
HEAD = "name: R\nexercises:\n  - name: E\n"


def exercise(*lines: str) -> str:
    return HEAD + "".join(f"    {line}\n" for line in lines)


def problems(text: str | bytes, source: str = "r.yaml") -> list[str]:
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, source)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def load_problems(path: str | os.PathLike[str]) -> list[str]:
    with pytest.raises(RoutineError) as caught:
        load_routine(path)
    return caught.value.problems


# -- good routines -------------------------------------------------------------


def test_every_field_round_trips_to_exact_values() -> None:
    path = DATA / "good" / "every_field.yaml"
    shared = "Breathe out as you stretch into {exercise}."
    assert load_routine(path) == Routine(
        name="Every field, {{literally}}",
        description="A routine that touches every field.",
        safety="Stop if anything hurts.",
        source=str(path),
        slug="every_field",
        tones=False,
        speech=True,
        exercises=(
            # hold_seconds, rest_seconds, ready, sets and instructions from defaults
            Exercise(
                name="Hamstring hold",
                kind="hold",
                seconds=20.0,
                instructions=shared,
                sides=("right leg", "left leg"),
                sets=2,
                reps=3,
                rest_seconds=8.0,
                set_rest_seconds=30.0,
                ready=3.0,
                after_set="Set {set} of {sets} done.",
                line=15,
            ),
            # its own duration_seconds wins over hold_seconds in defaults
            Exercise(
                name="Marching",
                kind="activity",
                seconds=90.5,
                instructions=shared,
                sets=1,
                reps=1,
                rest_seconds=8.0,
                ready=3.0,
                line=20,
            ),
            Exercise(
                name="Wall push",
                kind="button",
                seconds=None,
                instructions="Press the button when you have done {reps} slow pushes.",
                sets=2,
                rest_seconds=0.0,
                ready="button",
                line=24,
            ),
            Exercise(
                name="Calf raise",
                kind="hold",
                seconds=5.0,
                instructions=shared,
                sides=("both",),
                sets=2,
                rest_seconds=2.0,
                set_rest_seconds=0.0,
                ready=0.0,
                after_set="Shake out your legs for {seconds}.",
                breathe_after=Breathing(4.0, 6.0, 2),
                line=29,
            ),
            # breathe is a kind: hold_seconds from defaults gives way to it
            Exercise(
                name="Slow breaths",
                kind="breathe",
                seconds=34.0,
                instructions=shared,
                sets=1,
                rest_seconds=8.0,
                ready=3.0,
                breathing=Breathing(3.0, 5.5, 4),
                calm=True,
                line=37,
            ),
        ),
    )


def test_built_in_defaults_depend_on_the_kind() -> None:
    text = (
        "name: R\n"
        "exercises:\n"
        "  - {name: H, hold_seconds: 30}\n"
        "  - {name: A, duration_seconds: 60}\n"
        "  - {name: B, until: button}\n"
    )
    routine = parse_routine(text, "routines/some-thing.yaml")
    assert routine.source == "routines/some-thing.yaml"
    assert routine.slug == "some-thing"
    assert routine.description == "" and routine.safety == ""
    assert routine.exercises == (
        Exercise("H", "hold", 30.0, rest_seconds=HOLD_REST_DEFAULT_SECONDS, line=3),
        Exercise("A", "activity", 60.0, rest_seconds=0.0, line=4),
        Exercise("B", "button", None, rest_seconds=0.0, line=5),
    )
    for each in routine.exercises:
        assert each.sets == 1 and each.reps == 1 and each.ready == READY_DEFAULT_SECONDS
        assert isinstance(each.sets, int) and isinstance(each.rest_seconds, float)


def test_an_exercise_kind_replaces_every_kind_field_of_the_defaults() -> None:
    text = (
        "name: R\n"
        "defaults: {until: button, rest_seconds: 3}\n"
        "exercises:\n"
        "  - {name: H, hold_seconds: 1:30}\n"  # YAML 1.1 sexagesimal: 90
        "  - {name: B}\n"
    )
    routine = parse_routine(text, "r.yaml")
    assert [(e.kind, e.seconds, e.rest_seconds) for e in routine.exercises] == [
        ("hold", 90.0, 3.0),
        ("button", None, 3.0),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "hold_seconds: 1",
        "hold_seconds: 3600",
        "hold_seconds: 0.5e+1",
        "duration_seconds: 3600.0",
        "until: button",
    ],
)
def test_bounds_are_inclusive(line: str) -> None:
    parse_routine(exercise(line, "rest_seconds: 0", "set_rest_seconds: 3600", "ready: 0"), "r")
    parse_routine(exercise(line, "reps: 1", "ready: 3600", "rest_seconds: 3600"), "r")


def test_the_largest_counts_are_allowed_within_the_plan_limits() -> None:
    parse_routine(exercise("hold_seconds: 1", "sets: 100", "ready: 0"), "r")
    parse_routine(exercise("hold_seconds: 1", "reps: 100", "rest_seconds: 0", "ready: 0"), "r")


def test_two_hundred_exercises_are_allowed() -> None:
    text = "name: R\nexercises:\n" + "  - {name: E, until: button}\n" * 200
    assert len(parse_routine(text, "r.yaml").exercises) == 200


def test_text_is_stripped_and_may_be_2000_characters() -> None:
    long = "x" * 2000
    routine = parse_routine(
        f"name: '  Legs  '\ndescription: {long}\nexercises:\n  - name: ' E '\n    until: button\n",
        "r.yaml",
    )
    assert routine.name == "Legs"
    assert routine.description == long
    assert routine.exercises[0].name == "E"


def test_every_placeholder_and_literal_braces_are_accepted() -> None:
    text = "{rep} {reps} {set} {sets} {side} {seconds} {exercise} {{not one}}"
    routine = parse_routine(exercise("until: button", f"instructions: '{text}'"), "r.yaml")
    assert routine.exercises[0].instructions == text


def test_utf8_bom_and_utf16_are_read() -> None:
    text = exercise("until: button").replace("name: E", "name: Épaule")
    assert parse_routine(b"\xef\xbb\xbf" + text.encode(), "r").exercises[0].name == "Épaule"
    assert parse_routine(text.encode("utf-16"), "r").exercises[0].name == "Épaule"


# -- one rule, one exact message -------------------------------------------------

SECONDS_1 = "must be a number of seconds from 1 to 3600"
SECONDS_0 = "must be a number of seconds from 0 to 3600"
READY = "must be a number of seconds from 0 to 3600 or 'button'"
WHOLE = "must be a whole number from 1 to 100"
SIDES = "must be a list of 1 to 4 different non-empty strings"
KIND_CLASH = "only one of hold_seconds, duration_seconds, until, breathe or tempo may be set"
ALLOWED_PLACEHOLDERS = "{rep}, {reps}, {set}, {sets}, {side}, {seconds}, {exercise}"
UTF8 = "must be text that can be encoded as UTF-8 (no lone surrogates)"
CONTROL = "must not contain control characters (other than newline and tab)"

#: (yaml, the one line expected). Lines 1-3 are HEAD; a field on line 4 is
#: indented four spaces, so ``hold_seconds: x`` has its value at column 19.
ONE_PROBLEM = {
    # bounds, low and high, for every number
    "hold low": (
        exercise("hold_seconds: 0"),
        f"r.yaml:4:19: exercise 1 (E): hold_seconds: {SECONDS_1}, got 0",
    ),
    "hold high": (
        exercise("hold_seconds: 3600.5"),
        f"r.yaml:4:19: exercise 1 (E): hold_seconds: {SECONDS_1}, got 3600.5",
    ),
    "duration low": (
        exercise("duration_seconds: 0.99"),
        f"r.yaml:4:23: exercise 1 (E): duration_seconds: {SECONDS_1}, got 0.99",
    ),
    "duration high": (
        exercise("duration_seconds: 3601"),
        f"r.yaml:4:23: exercise 1 (E): duration_seconds: {SECONDS_1}, got 3601",
    ),
    "rest low": (
        exercise("hold_seconds: 5", "rest_seconds: -1"),
        f"r.yaml:5:19: exercise 1 (E): rest_seconds: {SECONDS_0}, got -1",
    ),
    "rest high": (
        exercise("hold_seconds: 5", "rest_seconds: 3601"),
        f"r.yaml:5:19: exercise 1 (E): rest_seconds: {SECONDS_0}, got 3601",
    ),
    "set rest low": (
        exercise("hold_seconds: 5", "set_rest_seconds: -0.5"),
        f"r.yaml:5:23: exercise 1 (E): set_rest_seconds: {SECONDS_0}, got -0.5",
    ),
    "set rest high": (
        exercise("hold_seconds: 5", "set_rest_seconds: 3601"),
        f"r.yaml:5:23: exercise 1 (E): set_rest_seconds: {SECONDS_0}, got 3601",
    ),
    "ready low": (
        exercise("hold_seconds: 5", "ready: -1"),
        f"r.yaml:5:12: exercise 1 (E): ready: {READY}, got -1",
    ),
    "ready high": (
        exercise("hold_seconds: 5", "ready: 3601"),
        f"r.yaml:5:12: exercise 1 (E): ready: {READY}, got 3601",
    ),
    "ready word": (
        exercise("hold_seconds: 5", "ready: soon"),
        f"r.yaml:5:12: exercise 1 (E): ready: {READY}, got 'soon'",
    ),
    "sets low": (
        exercise("hold_seconds: 5", "sets: 0"),
        f"r.yaml:5:11: exercise 1 (E): sets: {WHOLE}, got 0",
    ),
    "sets high": (
        exercise("hold_seconds: 5", "sets: 101"),
        f"r.yaml:5:11: exercise 1 (E): sets: {WHOLE}, got 101",
    ),
    "reps low": (
        exercise("hold_seconds: 5", "reps: 0"),
        f"r.yaml:5:11: exercise 1 (E): reps: {WHOLE}, got 0",
    ),
    "reps high": (
        exercise("hold_seconds: 5", "reps: 101"),
        f"r.yaml:5:11: exercise 1 (E): reps: {WHOLE}, got 101",
    ),
    # types: what Python or YAML would let through
    "bool for seconds": (
        exercise("hold_seconds: true"),
        f"r.yaml:4:19: exercise 1 (E): hold_seconds: {SECONDS_1}, got true",
    ),
    "yes for reps": (
        exercise("hold_seconds: 5", "reps: yes"),
        f"r.yaml:5:11: exercise 1 (E): reps: {WHOLE}, got yes",
    ),
    "quoted number": (
        exercise('hold_seconds: "20"'),
        f"r.yaml:4:19: exercise 1 (E): hold_seconds: {SECONDS_1}, got '20'",
    ),
    "word for seconds": (
        exercise("hold_seconds: twenty"),
        f"r.yaml:4:19: exercise 1 (E): hold_seconds: {SECONDS_1}, got 'twenty'",
    ),
    "float for reps": (
        exercise("hold_seconds: 5", "reps: 3.0"),
        f"r.yaml:5:11: exercise 1 (E): reps: {WHOLE}, got 3.0",
    ),
    "quoted reps": (
        exercise("hold_seconds: 5", "reps: '3'"),
        f"r.yaml:5:11: exercise 1 (E): reps: {WHOLE}, got '3'",
    ),
    "nan": (
        exercise("hold_seconds: .nan"),
        f"r.yaml:4:19: exercise 1 (E): hold_seconds: {SECONDS_1}, got .nan",
    ),
    "inf": (
        exercise("duration_seconds: .inf"),
        f"r.yaml:4:23: exercise 1 (E): duration_seconds: {SECONDS_1}, got .inf",
    ),
    "minus inf": (
        exercise("hold_seconds: 5", "rest_seconds: -.inf"),
        f"r.yaml:5:19: exercise 1 (E): rest_seconds: {SECONDS_0}, got -.inf",
    ),
    "nan for ready": (
        exercise("hold_seconds: 5", "ready: .NaN"),
        f"r.yaml:5:12: exercise 1 (E): ready: {READY}, got .NaN",
    ),
    "nan in defaults": (
        "name: R\ndefaults: {set_rest_seconds: .NAN}\nexercises: [{name: E, until: button}]\n",
        f"r.yaml:2:30: defaults.set_rest_seconds: {SECONDS_0}, got .NAN",
    ),
    "null": (
        exercise("hold_seconds: ~"),
        f"r.yaml:4:19: exercise 1 (E): hold_seconds: {SECONDS_1}, got ~",
    ),
    "list for seconds": (
        exercise("hold_seconds: [20]"),
        f"r.yaml:4:19: exercise 1 (E): hold_seconds: {SECONDS_1}, got a list",
    ),
    "mapping for seconds": (
        exercise("hold_seconds: {seconds: 20}"),
        f"r.yaml:4:19: exercise 1 (E): hold_seconds: {SECONDS_1}, got a mapping",
    ),
    "huge integer": (
        exercise("hold_seconds: 1" + "0" * 400),
        f"r.yaml:4:19: exercise 1 (E): hold_seconds: {SECONDS_1}, got 1{'0' * 400}",
    ),
    "until word": (
        exercise("until: Button"),
        "r.yaml:4:12: exercise 1 (E): until: must be 'button', got 'Button'",
    ),
    "until bool": (
        exercise("until: true"),
        "r.yaml:4:12: exercise 1 (E): until: must be 'button', got true",
    ),
    # kind fields
    "two kind fields": (
        exercise("hold_seconds: 5", "reps: 2", "until: button"),
        f"r.yaml:6:5: exercise 1 (E): until: {KIND_CLASH}; hold_seconds is already set on line 4",
    ),
    "no kind field": (
        exercise("reps: 2"),
        "r.yaml:3:5: exercise 1 (E): "
        "needs exactly one of hold_seconds, duration_seconds, until, breathe or tempo",
    ),
    "two kind fields in defaults": (
        "name: R\ndefaults:\n  hold_seconds: 5\n  duration_seconds: 9\nexercises:\n  - name: E\n",
        f"r.yaml:4:3: defaults.duration_seconds: {KIND_CLASH}; "
        "hold_seconds is already set on line 3",
    ),
    "defaults not a mapping": (
        "name: R\ndefaults: [hold_seconds]\nexercises:\n  - name: E\n",
        "r.yaml:2:11: defaults: must be a mapping of exercise fields, got a list",
    ),
    "name in defaults": (
        "name: R\ndefaults:\n  name: X\n  until: button\nexercises:\n  - name: E\n",
        "r.yaml:3:3: defaults.name: every exercise needs its own name, so defaults cannot set one",
    ),
    # sides
    "sides not a list": (
        exercise("hold_seconds: 5", "sides: left leg"),
        f"r.yaml:5:12: exercise 1 (E): sides: {SIDES}, got 'left leg'",
    ),
    "sides empty list": (
        exercise("hold_seconds: 5", "sides: []"),
        f"r.yaml:5:12: exercise 1 (E): sides: {SIDES}, got an empty list",
    ),
    "too many sides": (
        exercise("hold_seconds: 5", "sides: [a, b, c, d, e]"),
        f"r.yaml:5:12: exercise 1 (E): sides: {SIDES}, got 5 sides",
    ),
    "duplicate side": (
        exercise("hold_seconds: 5", "sides: [left, right, ' Left']"),
        "r.yaml:5:26: exercise 1 (E): side 3: must differ from side 1, got ' Left'",
    ),
    "empty side": (
        exercise("hold_seconds: 5", "sides: [left, ' ']"),
        "r.yaml:5:19: exercise 1 (E): side 2: must be a non-empty string, got ' '",
    ),
    "side not text": (
        exercise("hold_seconds: 5", "sides: [1, two]"),
        "r.yaml:5:13: exercise 1 (E): side 1: must be a non-empty string, got 1",
    ),
    # text and placeholders
    "unknown placeholder": (
        exercise("hold_seconds: 5", "instructions: Hold {reap} times"),
        "r.yaml:5:19: exercise 1 (E): instructions: unknown placeholder '{reap}'; "
        f"allowed: {ALLOWED_PLACEHOLDERS}, got 'Hold {{reap}} times'",
    ),
    "placeholder with format": (
        exercise("hold_seconds: 5", "after_set: 'Set {set:>2}'"),
        "r.yaml:5:16: exercise 1 (E): after_set: unknown placeholder '{set:>2}'; "
        f"allowed: {ALLOWED_PLACEHOLDERS}, got 'Set {{set:>2}}'",
    ),
    "empty placeholder": (
        "name: R {}\nexercises:\n  - {name: E, until: button}\n",
        f"r.yaml:1:7: name: unknown placeholder '{{}}'; allowed: {ALLOWED_PLACEHOLDERS}, "
        "got 'R {}'",
    ),
    "lone brace": (
        "name: R\nsafety: 'Stop {if it hurts'\nexercises:\n  - {name: E, until: button}\n",
        "r.yaml:2:9: safety: has a lone '{' or '}' (write '{{' or '}}' for a literal brace), "
        "got 'Stop {if it hurts'",
    ),
    "description placeholder": (
        "name: R\ndescription: For {who}\nexercises:\n  - {name: E, until: button}\n",
        f"r.yaml:2:14: description: unknown placeholder '{{who}}'; "
        f"allowed: {ALLOWED_PLACEHOLDERS}, got 'For {{who}}'",
    ),
    "text too long": (
        exercise("until: button", "after_set: " + "y" * 2001),
        "r.yaml:5:16: exercise 1 (E): after_set: must be at most 2000 characters long, "
        "got 2001 characters",
    ),
    "blank name": (
        "name: '   '\nexercises:\n  - {name: E, until: button}\n",
        "r.yaml:1:7: name: must be a non-empty string, got '   '",
    ),
    "number for name": (
        "name: R\nexercises:\n  - {name: 42, until: button}\n",
        "r.yaml:3:12: exercise 1: name: must be a non-empty string, got 42",
    ),
    "date for text": (
        "name: R\ndescription: 2024-05-01\nexercises:\n  - {name: E, until: button}\n",
        "r.yaml:2:14: description: must be a string, got 2024-05-01",
    ),
    "null for text": (
        exercise("until: button", "instructions:"),
        "r.yaml:5:18: exercise 1 (E): instructions: must be a string, got nothing",
    ),
    "long value is shortened": (
        exercise("until: " + "z" * 100),
        f"r.yaml:4:12: exercise 1 (E): until: must be 'button', got '{'z' * 57}...'",
    ),
    # structure
    "unknown field with suggestion": (
        exercise("hold_seconds: 5", "rest_second: 5"),
        "r.yaml:5:5: exercise 1 (E): unknown field 'rest_second' (did you mean 'rest_seconds'?)",
    ),
    "unknown field without close match": (
        exercise("hold_seconds: 5", "colour: red"),
        "r.yaml:5:5: exercise 1 (E): unknown field 'colour'; allowed: name, instructions, sides, "
        "sets, reps, hold_seconds, duration_seconds, until, breathe, rest_seconds, "
        "set_rest_seconds, ready, after_set, breathe_after, calm, check_in, fetch, tempo, "
        "alternate",
    ),
    "unknown top-level field": (
        exercise("until: button") + "safty: Careful\n",
        "r.yaml:5:1: unknown field 'safty' (did you mean 'safety'?)",
    ),
    "missing exercise name": (
        "name: R\nexercises:\n  - until: button\n",
        "r.yaml:3:5: exercise 1: missing required field 'name'",
    ),
    "missing routine name": (
        "exercises:\n  - name: E\n    until: button\n",
        "r.yaml:1:1: missing required field 'name'",
    ),
    "missing exercises": (
        "# a comment first\nname: R\n",
        "r.yaml:2:1: missing required field 'exercises'",
    ),
    "empty exercises": (
        "name: R\nexercises: []\n",
        "r.yaml:2:12: exercises: must be a list of 1 to 200 exercises, got an empty list",
    ),
    "exercises not a list": (
        "name: R\nexercises: Stretch\n",
        "r.yaml:2:12: exercises: must be a list of 1 to 200 exercises, got 'Stretch'",
    ),
    "too many exercises": (
        "name: R\nexercises:\n" + "  - {name: E, until: button}\n" * 201,
        "r.yaml:3:3: exercises: must be a list of 1 to 200 exercises, got 201 exercises",
    ),
    "exercise not a mapping": (
        "name: R\nexercises:\n  - Stretch\n",
        "r.yaml:3:5: exercise 1: must be a mapping of exercise fields, got 'Stretch'",
    ),
    "duplicate key": (
        exercise("hold_seconds: 5", "reps: 2", "reps: 3"),
        "r.yaml:6:5: exercise 1 (E): duplicate key 'reps' (first at line 5)",
    ),
    "duplicate top-level key": (
        exercise("until: button") + "name: S\n",
        "r.yaml:5:1: duplicate key 'name' (first at line 1)",
    ),
    "list at top": (
        "- name: R\n- name: S\n",
        "r.yaml:1:1: the top level must be a mapping with 'name' and 'exercises', got a list",
    ),
    "scalar at top": (
        "just some text\n",
        "r.yaml:1:1: the top level must be a mapping with 'name' and 'exercises', "
        "got 'just some text'",
    ),
    "null at top": (
        "~\n",
        "r.yaml:1:1: the top level must be a mapping with 'name' and 'exercises', got ~",
    ),
    "non-scalar key": (
        exercise("until: button", "[a, b]: 1"),
        "r.yaml:5:5: exercise 1 (E): a key must be a plain name, got a list",
    ),
    # YAML features that are refused
    "python tag": (
        exercise("hold_seconds: !!python/object/apply:os.system ['echo hi']"),
        "r.yaml:4:19: exercise 1 (E): hold_seconds: unsupported YAML tag "
        "'!!python/object/apply:os.system'; only strings, numbers, true/false, null, "
        "lists and mappings are allowed",
    ),
    "set tag": (
        exercise("until: button", "sides: !!set {left, right}"),
        "r.yaml:5:12: exercise 1 (E): sides: unsupported YAML tag '!!set'; only strings, "
        "numbers, true/false, null, lists and mappings are allowed",
    ),
    "custom tag": (
        exercise("until: !custom button"),
        "r.yaml:4:12: exercise 1 (E): until: unsupported YAML tag '!custom'; only strings, "
        "numbers, true/false, null, lists and mappings are allowed",
    ),
    "binary tag on a key": (
        exercise("until: button", "!!binary aGk=: 1"),
        "r.yaml:5:5: exercise 1 (E): unsupported YAML tag '!!binary'; only strings, "
        "numbers, true/false, null, lists and mappings are allowed",
    ),
    "merge key": (
        exercise("until: button", "<<: {reps: 2}"),
        "r.yaml:5:5: exercise 1 (E): merge keys ('<<') are not supported",
    ),
    "standard tag that does not fit": (
        exercise("hold_seconds: !!int ten"),
        "r.yaml:4:19: exercise 1 (E): hold_seconds: does not fit the tag !!int, got 'ten'",
    ),
    "standard tag without a value": (
        exercise("hold_seconds: 5", "reps: !!int"),
        "r.yaml:5:11: exercise 1 (E): reps: does not fit the tag !!int, got ''",
    ),
    "explicit tag that fits": (
        exercise("hold_seconds: 5", "instructions: !!str 12"),
        None,
    ),
    "recursive alias": (
        "name: R\nexercises: &loop\n  - *loop\n",
        "r.yaml:2:12: exercise 1: recursive alias: this value contains itself",
    ),
    "undefined alias": (
        exercise("hold_seconds: *nowhere"),
        "r.yaml:4:19: YAML syntax error: found undefined alias 'nowhere'",
    ),
    # the document as a whole
    "syntax error": (
        "name: R\nexercises: [\n  - name: E\n",
        "r.yaml:3:3: YAML syntax error: expected the node content, but found a list item "
        "(check the spaces at the start of this line and the line above, "
        "and that each field has ': ' after its name)",
    ),
    "tab indentation": (
        "name: R\nexercises:\n\t- name: E\n",
        "r.yaml:3:1: use spaces, not tabs, to indent",
    ),
    "control character": (
        "name: R\x07\n",
        "r.yaml:1:8: YAML syntax error: unacceptable character #x0007: "
        "special characters are not allowed",
    ),
    # text that cannot be printed or spoken, written as escapes in double quotes
    "lone surrogate in the name": (
        'name: "\\ud800"\nexercises:\n  - {name: E, until: button}\n',
        f"r.yaml:1:7: name: {UTF8}, got '\\ud800'",
    ),
    "lone surrogate in a side": (
        exercise("hold_seconds: 5", 'sides: [left, "\\udfff"]'),
        f"r.yaml:5:19: exercise 1 (E): side 2: {UTF8}, got '\\udfff'",
    ),
    "lone surrogate in defaults": (
        'name: R\ndefaults: {after_set: "ok \\ud83d"}\nexercises: [{name: E, until: button}]\n',
        f"r.yaml:2:23: defaults.after_set: {UTF8}, got 'ok \\ud83d'",
    ),
    "escape code in the name": (
        'name: "\\e[2JHi"\nexercises:\n  - {name: E, until: button}\n',
        f"r.yaml:1:7: name: {CONTROL}, got '\\x1b[2JHi'",
    ),
    "bell in instructions": (
        exercise("until: button", 'instructions: "Ding\\a"'),
        f"r.yaml:5:19: exercise 1 (E): instructions: {CONTROL}, got 'Ding\\x07'",
    ),
    "carriage return in a side": (
        exercise("hold_seconds: 5", 'sides: ["left\\rright"]'),
        f"r.yaml:5:13: exercise 1 (E): side 1: {CONTROL}, got 'left\\rright'",
    ),
    "C1 control in safety": (
        'name: R\nsafety: "\\x9b2J"\nexercises: [{name: E, until: button}]\n',
        f"r.yaml:2:9: safety: {CONTROL}, got '\\x9b2J'",
    ),
    "delete in after_set": (
        exercise("until: button", 'after_set: "x\\x7f"'),
        f"r.yaml:5:16: exercise 1 (E): after_set: {CONTROL}, got 'x\\x7f'",
    ),
    "escape code far into long text is shown": (
        exercise("until: button", 'instructions: "' + "a" * 100 + '\\e[2J"'),
        f"r.yaml:5:19: exercise 1 (E): instructions: {CONTROL}, got '...{'a' * 50}\\x1b[2J'",
    ),
    "escape code in a key": (
        exercise("until: button", '"\\e[2J": 1'),
        f"r.yaml:5:5: exercise 1 (E): a key {CONTROL}, got '\\x1b[2J'",
    ),
    "tab in an unknown key is escaped": (
        exercise("until: button", '"a\\tb": 1'),
        "r.yaml:5:5: exercise 1 (E): unknown field 'a\\tb'; allowed: name, instructions, sides, "
        "sets, reps, hold_seconds, duration_seconds, until, breathe, rest_seconds, "
        "set_rest_seconds, ready, after_set, breathe_after, calm, check_in, fetch, tempo, "
        "alternate",
    ),
    "escape code in a tag": (
        exercise("hold_seconds: !%1B[2J x"),
        "r.yaml:4:19: exercise 1 (E): hold_seconds: unsupported YAML tag '!\\x1b[2J'; only "
        "strings, numbers, true/false, null, lists and mappings are allowed",
    ),
    "odd text under an explicit tag is escaped": (
        exercise('hold_seconds: !!null "x\\u202e"'),
        f"r.yaml:4:19: exercise 1 (E): hold_seconds: {SECONDS_1}, got 'x\\u202e'",
    ),
    "newline and tab are text": (
        exercise("until: button", 'instructions: "Sit.\\n\\tBreathe."'),
        None,
    ),
    "empty file": ("", "r.yaml: file is empty"),
    "only comments": ("# nothing yet\n\n   # really\n", "r.yaml: file is empty"),
    "only a document marker": ("---\n# nothing\n", "r.yaml: file is empty"),
    "several documents": (
        exercise("until: button") + "---\nname: S\n",
        "r.yaml:5:1: the file must hold a single YAML document, but another one starts here",
    ),
    "undecodable bytes": (
        b"name: R\nsafety: caf\xe9\n",
        "r.yaml:2:12: the file must be UTF-8 text, got byte 0xe9",
    ),
}


@pytest.mark.parametrize(("text", "expected"), ONE_PROBLEM.values(), ids=list(ONE_PROBLEM))
def test_one_rule_one_exact_message(text: str | bytes, expected: str | None) -> None:
    if expected is None:
        parse_routine(text, "r.yaml")
    else:
        assert problems(text) == [expected]
        # One line that is safe to print: nothing from the file can drive a terminal.
        assert expected.isprintable()
        expected.encode("utf-8")


def test_text_is_checked_anywhere_in_the_file_even_under_an_unknown_field() -> None:
    assert problems(exercise("until: button", 'notes: ["\\ud800"]')) == [
        "r.yaml:5:5: exercise 1 (E): unknown field 'notes'; allowed: name, instructions, sides, "
        "sets, reps, hold_seconds, duration_seconds, until, breathe, rest_seconds, "
        "set_rest_seconds, ready, after_set, breathe_after, calm, check_in, fetch, tempo, "
        "alternate",
        f"r.yaml:5:13: exercise 1 (E): notes[0]: {UTF8}, got '\\ud800'",
    ]


def test_all_problems_are_reported_in_file_order() -> None:
    # defaults come last in the file but are checked before the exercises
    text = (
        "name: ''\n"
        "exercises:\n"
        "  - name: A\n"
        "    hold_seconds: 0\n"
        "  - name: B\n"
        "    reps: 0\n"
        "    hold_second: 5\n"
        "defaults:\n"
        "  colour: red\n"
    )
    assert problems(text, "routines/legs.yaml") == [
        "routines/legs.yaml:1:7: name: must be a non-empty string, got ''",
        f"routines/legs.yaml:4:19: exercise 1 (A): hold_seconds: {SECONDS_1}, got 0",
        f"routines/legs.yaml:6:11: exercise 2 (B): reps: {WHOLE}, got 0",
        "routines/legs.yaml:7:5: exercise 2 (B): unknown field 'hold_second' "
        "(did you mean 'hold_seconds'?)",
        "routines/legs.yaml:9:3: defaults: unknown field 'colour'; allowed: instructions, sides, "
        "sets, reps, hold_seconds, duration_seconds, until, breathe, rest_seconds, "
        "set_rest_seconds, ready, after_set, breathe_after, calm, check_in, fetch, tempo, "
        "alternate",
    ]


def test_a_broken_defaults_mapping_does_not_blame_every_exercise() -> None:
    text = "name: R\ndefaults: 5\nexercises:\n  - name: A\n  - name: B\n"
    assert problems(text) == [
        "r.yaml:2:11: defaults: must be a mapping of exercise fields, got 5",
    ]


def test_an_invalid_kind_in_defaults_is_reported_once() -> None:
    text = "name: R\ndefaults: {hold_seconds: 0}\nexercises:\n  - name: A\n  - name: B\n"
    assert problems(text) == [
        f"r.yaml:2:26: defaults.hold_seconds: {SECONDS_1}, got 0",
    ]


# -- hostile input ---------------------------------------------------------------


def test_billion_laughs_is_stopped() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    found = problems("\n".join(lines) + "\n")
    # the walk gives up inside the first list, long before a billion strings
    assert found == ["r.yaml:1:32: too many nodes after expanding aliases (an alias bomb?)"]


def test_a_huge_plain_document_is_stopped_while_composing() -> None:
    found = problems("[" + "1," * 100_000 + "1]")
    assert found == ["r.yaml:1:40002: too many values for a routine (more than 20000)"]


def test_aliases_within_the_limit_are_expanded() -> None:
    text = (
        "name: R\n"
        "exercises:\n"
        "  - &stretch {name: Reach, hold_seconds: 10, sides: &sides [left, right]}\n"
        "  - *stretch\n"
        "  - {name: Twist, until: button, sides: *sides}\n"
    )
    routine = parse_routine(text, "r.yaml")
    assert routine.exercises[0] == routine.exercises[1]
    assert routine.exercises[2].sides == ("left", "right")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    found = problems("name: R\nexercises: " + "[" * 1000 + "\n")
    # the position is wherever the reader was when the stack ran out
    assert len(found) == 1
    assert re.fullmatch(r"r\.yaml:[23]:\d+: YAML nested too deeply", found[0])


def test_moderate_nesting_is_reported_once_it_passes_the_walk_limit() -> None:
    text = exercise("until: button", "notes: " + "[" * 60 + "]" * 60)
    # the walk stops below depth 50; ``notes`` sits at depth 3, its first ``[`` at column 12
    path = "exercise 1 (E): notes" + "[0]" * 48
    assert problems(text) == [
        "r.yaml:5:5: exercise 1 (E): unknown field 'notes'; allowed: name, instructions, sides, "
        "sets, reps, hold_seconds, duration_seconds, until, breathe, rest_seconds, "
        "set_rest_seconds, ready, after_set, breathe_after, calm, check_in, fetch, tempo, "
        "alternate",
        f"r.yaml:5:60: {path}: nested too deeply",
    ]


def test_parse_refuses_oversized_text_without_parsing() -> None:
    assert problems("[" * (MAX_FILE_BYTES + 1)) == [
        "r.yaml: the file must be at most 262144 bytes (256 KiB), got 262145 bytes",
    ]


def test_mangled_files_only_ever_raise_routine_error() -> None:
    base = (DATA / "good" / "every_field.yaml").read_bytes()
    pieces = [b"{", b"]", b":", b"- ", b"&a ", b"*a", b"!!int", b"!!float", b"!x", b"\t", b"\n"]
    pieces += [b"'", b"|", b"? ", b"---", b"\xff", b"\x00", b"<<: ", b"#", b"~", b"!!set"]
    rnd = random.Random(7)
    outcomes = set()
    for _ in range(300):
        data = bytearray(base)
        for _ in range(rnd.randint(1, 3)):
            at = rnd.randrange(len(data))
            if rnd.random() < 0.5:
                data[at:at] = rnd.choice(pieces)
            else:
                del data[at : at + rnd.randint(1, 5)]
        try:
            parse_routine(bytes(data), "m.yaml")
            outcomes.add("loaded")
        except RoutineError as error:
            outcomes.add("refused")
            assert all(line.startswith("m.yaml") and "\n" not in line for line in error.problems)
    assert outcomes == {"loaded", "refused"}


# -- files ----------------------------------------------------------------------


def test_load_sets_source_and_slug(tmp_path: Path) -> None:
    path = tmp_path / "back-care.yml"
    path.write_text(exercise("until: button"), encoding="utf-8")
    routine = load_routine(path)
    assert routine.source == str(path)
    assert routine.slug == "back-care"
    assert load_routine(str(path)) == routine


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"[" * (MAX_FILE_BYTES + 1))  # would be a syntax error if parsed
    assert load_problems(path) == [
        f"{path}: the file must be at most 262144 bytes (256 KiB), got 262145 bytes",
    ]


def test_a_file_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    text = exercise("until: button") + "#"
    path = tmp_path / "full.yaml"
    path.write_text(text + "x" * (MAX_FILE_BYTES - len(text)), encoding="utf-8")
    assert path.stat().st_size == MAX_FILE_BYTES
    assert load_routine(path).name == "R"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert load_problems(path) == [f"{path}: file not found"]


def test_directory(tmp_path: Path) -> None:
    assert load_problems(tmp_path) == [f"{tmp_path}: is a directory, not a routine file"]


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert load_problems(fifo) == [f"{fifo}: is a named pipe, not a routine file"]
    link = tmp_path / "link.yaml"
    link.symlink_to(fifo)
    assert load_problems(link) == [f"{link}: is a named pipe, not a routine file"]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused_before_it_is_read() -> None:
    assert load_problems("/dev/zero") == ["/dev/zero: is a character device, not a routine file"]


def test_messages_from_a_file_name_the_path_as_given(tmp_path: Path) -> None:
    path = tmp_path / "legs.yaml"
    path.write_bytes(b"name: R\xff\n")
    assert load_problems(path) == [f"{path}:1:8: the file must be UTF-8 text, got byte 0xff"]


def test_tones_and_speech_switches() -> None:
    text = (
        "name: Quiet\ntones: false\nspeech: false\nexercises:\n  - name: A\n    hold_seconds: 5\n"
    )
    r = parse_routine(text, "q.yaml")
    assert (r.tones, r.speech) == (False, False)
    plain = parse_routine("name: P\nexercises:\n  - name: A\n    hold_seconds: 5\n", "p.yaml")
    assert (plain.tones, plain.speech) == (True, True)
    assert problems("name: Q\ntones: 'no'\nexercises:\n  - name: A\n    hold_seconds: 5\n") == [
        "r.yaml:2:8: tones: must be true or false, got 'no'"
    ]


def test_a_routine_too_big_to_run_is_refused_with_its_length_and_steps() -> None:
    # 200 exercises of 100 sets of 100 reps on two sides: about 915 years.
    text = (
        "name: Years\n"
        "defaults: {hold_seconds: 3600, sets: 100, reps: 100, sides: [left, right],\n"
        "           rest_seconds: 3600, set_rest_seconds: 3600, ready: 3600}\n"
        "exercises:\n" + "".join(f"  - name: E{n}\n" for n in range(200))
    )
    assert problems(text) == [
        "r.yaml:4:1: exercises: must plan at most 4:00:00 (h:mm:ss) and 5,000 steps, "
        "got 8,019,800:00:00 and 8,040,002 steps; the largest is exercise 1 (E0), "
        "40,099:00:00 and 40,200 steps"
    ]


# -- paced breathing and calm exercises ----------------------------------------------

BREATHS = "{in_seconds: 4, out_seconds: 6, breaths: 5}"
HALF_BREATH = "must be a number of seconds from 2 to 10"


def test_breathe_is_an_exercise_kind_with_its_breaths() -> None:
    loaded = parse_routine(exercise(f"breathe: {BREATHS}"), "r.yaml").exercises[0]
    assert loaded.kind == "breathe"
    assert loaded.breathing == Breathing(4.0, 6.0, 5)
    assert loaded.seconds == 50.0
    assert loaded.breathe_after is None and not loaded.calm


def test_breathe_after_and_calm_go_with_any_kind_and_from_defaults() -> None:
    text = (
        f"name: R\ndefaults:\n  calm: true\n  breathe_after: {BREATHS}\n"
        "exercises:\n  - name: A\n    hold_seconds: 20\n  - name: B\n    calm: false\n"
        "    duration_seconds: 30\n"
    )
    first, second = parse_routine(text, "r.yaml").exercises
    assert first.calm and first.breathe_after == Breathing(4.0, 6.0, 5)
    assert not second.calm and second.breathe_after == Breathing(4.0, 6.0, 5)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (("breathe: 5",), "4:14: exercise 1 (E): breathe: must be a mapping of in_seconds, "
         "out_seconds, breaths, got 5"),
        (("breathe: {in_seconds: 1, out_seconds: 6, breaths: 5}",),
         f"4:27: exercise 1 (E): breathe.in_seconds: {HALF_BREATH}, got 1"),
        (("breathe: {in_seconds: 4, out_seconds: 10.5, breaths: 5}",),
         f"4:43: exercise 1 (E): breathe.out_seconds: {HALF_BREATH}, got 10.5"),
        (("breathe: {in_seconds: 4, out_seconds: 6, breaths: 21}",),
         "4:55: exercise 1 (E): breathe.breaths: must be a whole number from 1 to 20, got 21"),
        (("breathe: {in_seconds: 4, out_seconds: 6, breaths: 2.5}",),
         "4:55: exercise 1 (E): breathe.breaths: must be a whole number from 1 to 20, got 2.5"),
        (("breathe: {in_seconds: 4, out_seconds: 6}",),
         "4:14: exercise 1 (E): breathe: missing required field 'breaths'"),
        (("hold_seconds: 5", "breathe_after: {in_seconds: 4, out_seconds: 6, breaths: 0}"),
         "5:61: exercise 1 (E): breathe_after.breaths: must be a whole number from 1 to 20, got 0"),
        (("hold_seconds: 5", "calm: yes please"),
         "5:11: exercise 1 (E): calm: must be true or false, got 'yes please'"),
        (("hold_seconds: 5", f"breathe: {BREATHS}"),
         "5:5: exercise 1 (E): breathe: only one of hold_seconds, duration_seconds, until, "
         "breathe or tempo may be set; hold_seconds is already set on line 4"),
    ],
)  # fmt: skip
def test_breathing_and_calm_fields_say_exactly_what_is_wrong(
    lines: tuple[str, ...], expected: str
) -> None:
    assert problems(exercise(*lines)) == [f"r.yaml:{expected}"]


def test_an_unknown_breathing_field_gets_a_suggestion() -> None:
    assert problems(exercise("breathe: {in_seconds: 4, out_second: 6, breaths: 3}")) == [
        "r.yaml:4:30: exercise 1 (E): breathe: unknown field 'out_second' "
        "(did you mean 'out_seconds'?)",
    ]
