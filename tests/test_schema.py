"""routines/routine.schema.json: a valid 2020-12 schema that agrees with coach.loader.

Editors validate routine files with the schema while the coach uses the loader,
so every routine must pass both, and every mistake the schema can express must
fail both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from coach.errors import RoutineError
from coach.loader import EXERCISE_FIELDS, TOP_FIELDS, load_routine, parse_routine
from coach.starter import STARTER

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "routines" / "routine.schema.json"

#: The bundled routines (whatever exists when the tests run) and our own examples.
GOOD_FILES = sorted(
    [
        *(ROOT / "routines").glob("*.yaml"),
        *(ROOT / "routines").glob("*.yml"),
        *(ROOT / "routines" / "examples").glob("*.yaml"),
        *(ROOT / "tests" / "data" / "good").glob("*.yaml"),
    ]
)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema)


def schema_errors(validator: Draft202012Validator, text: str) -> list[str]:
    return [error.message for error in validator.iter_errors(yaml.safe_load(text))]


def test_schema_is_a_valid_draft_2020_12_schema(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_schema_knows_exactly_the_loader_fields(schema: dict[str, Any]) -> None:
    definitions = schema["$defs"]
    assert tuple(schema["properties"]) == TOP_FIELDS
    assert tuple(definitions["exercise"]["properties"]) == EXERCISE_FIELDS
    assert tuple(definitions["defaults"]["properties"]) == EXERCISE_FIELDS[1:]


def _objects(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def test_every_object_is_closed_and_every_property_documented(schema: dict[str, Any]) -> None:
    objects = list(_objects(schema))
    # The routine, an exercise, the defaults, paced breathing, a phase, a
    # tempo's phases, and instructions by side (whose keys are the exercise's
    # own sides).
    assert len(objects) == 7
    for each in objects:
        if each["title"] == "Instructions by side":
            assert each["additionalProperties"] == {"$ref": "#/$defs/text"}
            continue
        assert each["additionalProperties"] is False
        assert each["title"] and each["description"]
        for name, prop in each["properties"].items():
            assert prop["title"] and prop["description"], name


def test_the_starter_of_coach_new_passes_the_schema(validator: Draft202012Validator) -> None:
    assert schema_errors(validator, STARTER) == []


def test_good_files_were_found() -> None:
    assert ROOT / "tests" / "data" / "good" / "every_field.yaml" in GOOD_FILES


@pytest.mark.parametrize("path", GOOD_FILES, ids=lambda path: path.name)
def test_good_routine_passes_loader_and_schema(path: Path, validator: Draft202012Validator) -> None:
    load_routine(path)
    assert schema_errors(validator, path.read_text(encoding="utf-8")) == []


HEAD = "name: R\nexercises:\n  - name: E\n"


def exercise(*lines: str) -> str:
    return HEAD + "".join(f"    {line}\n" for line in lines)


#: A valid exercise list, for mistakes made elsewhere.
EXERCISES = "exercises: [{name: E, until: button}]\n"

#: Mistakes that both the schema and the loader must catch.
BAD = {
    "list at top": "- name: R\n",
    "unknown top-level field": exercise("until: button") + "colour: red\n",
    "unknown exercise field": exercise("until: button", "hold_second: 5"),
    "misspelt kind": exercise("hold_second: 5"),
    "misspelt kind in defaults": "name: R\ndefaults: {hold_second: 5}\nexercises: [{name: E}]\n",
    "exercise field at the top": exercise("until: button") + "reps: 3\n",
    "unknown defaults field": "name: R\ndefaults: {colour: red}\n" + EXERCISES,
    "name in defaults": "name: R\ndefaults: {name: X}\n" + EXERCISES,
    "missing name": EXERCISES,
    "missing exercises": "name: R\n",
    "empty exercises": "name: R\nexercises: []\n",
    "too many exercises": "name: R\nexercises:\n" + "  - {name: E, until: button}\n" * 201,
    "exercise not a mapping": "name: R\nexercises: [Stretch]\n",
    "missing exercise name": "name: R\nexercises: [{until: button}]\n",
    "blank name": "name: ' '\n" + EXERCISES,
    "number for name": "name: 5\n" + EXERCISES,
    "number for description": "name: R\ndescription: 5\n" + EXERCISES,
    "text too long": exercise("until: button", "instructions: " + "x" * 2001),
    "unknown placeholder": exercise("until: button", "instructions: Hold {reap}"),
    "lone brace": exercise("until: button", "after_set: 'Set {set'"),
    "format spec": exercise("until: button", "after_set: 'Set {set:>2}'"),
    "hold low": exercise("hold_seconds: 0"),
    "hold high": exercise("hold_seconds: 3601"),
    "hold as text": exercise("hold_seconds: '20'"),
    "hold as bool": exercise("hold_seconds: true"),
    "duration low": exercise("duration_seconds: 0.5"),
    "duration high": exercise("duration_seconds: 3601"),
    "rest low": exercise("until: button", "rest_seconds: -1"),
    "rest high": exercise("until: button", "rest_seconds: 3601"),
    "set rest low": exercise("until: button", "set_rest_seconds: -1"),
    "set rest high": exercise("until: button", "set_rest_seconds: 3601"),
    "ready low": exercise("until: button", "ready: -1"),
    "ready high": exercise("until: button", "ready: 3601"),
    "ready word": exercise("until: button", "ready: soon"),
    "sets low": exercise("until: button", "sets: 0"),
    "sets high": exercise("until: button", "sets: 101"),
    "reps low": exercise("until: button", "reps: 0"),
    "reps high": exercise("until: button", "reps: 101"),
    "reps as text": exercise("until: button", "reps: '3'"),
    "reps as bool": exercise("until: button", "reps: true"),
    "until word": exercise("until: Button"),
    "until bool": exercise("until: true"),
    "hold and duration": exercise("hold_seconds: 5", "duration_seconds: 5"),
    "hold and until": exercise("hold_seconds: 5", "until: button"),
    "duration and until": exercise("duration_seconds: 5", "until: button"),
    "two kinds in defaults": (
        "name: R\ndefaults: {hold_seconds: 5, until: button}\nexercises: [{name: E}]\n"
    ),
    "no kind": exercise("reps: 2"),
    "no kind, defaults without one": ("name: R\ndefaults: {reps: 2}\nexercises: [{name: E}]\n"),
    "sides not a list": exercise("until: button", "sides: left"),
    "sides empty": exercise("until: button", "sides: []"),
    "too many sides": exercise("until: button", "sides: [a, b, c, d, e]"),
    "duplicate sides": exercise("until: button", "sides: [left, left]"),
    "empty side": exercise("until: button", "sides: ['']"),
    "blank side": exercise("until: button", "sides: [' ']"),
    "side not text": exercise("until: button", "sides: [1]"),
    "breathe not a mapping": exercise("breathe: 5"),
    "breathe in low": exercise("breathe: {in_seconds: 1.5, out_seconds: 6, breaths: 5}"),
    "breathe out high": exercise("breathe: {in_seconds: 4, out_seconds: 11, breaths: 5}"),
    "breaths low": exercise("breathe: {in_seconds: 4, out_seconds: 6, breaths: 0}"),
    "breaths high": exercise("breathe: {in_seconds: 4, out_seconds: 6, breaths: 21}"),
    "breaths not whole": exercise("breathe: {in_seconds: 4, out_seconds: 6, breaths: 2.5}"),
    "breathe missing a field": exercise("breathe: {in_seconds: 4, out_seconds: 6}"),
    "breathe unknown field": exercise(
        "breathe: {in_seconds: 4, out_seconds: 6, breaths: 3, hold: 2}"
    ),
    "breathe and hold": exercise(
        "hold_seconds: 5", "breathe: {in_seconds: 4, out_seconds: 6, breaths: 3}"
    ),
    "breathe and until": exercise(
        "until: button", "breathe: {in_seconds: 4, out_seconds: 6, breaths: 3}"
    ),
    "breathe_after in text": exercise("hold_seconds: 5", "breathe_after: three breaths"),
    "breathe_after out low": exercise(
        "hold_seconds: 5", "breathe_after: {in_seconds: 4, out_seconds: 1, breaths: 3}"
    ),
    "breathe_after in defaults, bad": (
        "name: R\ndefaults: {breathe_after: {in_seconds: 4}}\n" + EXERCISES
    ),
    "calm not a switch": exercise("duration_seconds: 30", "calm: 'yes'"),
    "calm in defaults, not a switch": "name: R\ndefaults: {calm: 1}\n" + EXERCISES,
    "times_a_day low": "name: R\ntimes_a_day: 0\n" + EXERCISES,
    "times_a_day high": "name: R\ntimes_a_day: 13\n" + EXERCISES,
    "times_a_day as text": "name: R\ntimes_a_day: thrice\n" + EXERCISES,
    "phase as text": "name: R\nphase: Phase 1 of 3\n" + EXERCISES,
    "phase without number": "name: R\nphase: {of: 3}\n" + EXERCISES,
    "phase number low": "name: R\nphase: {number: 0}\n" + EXERCISES,
    "phase of high": "name: R\nphase: {number: 1, of: 21}\n" + EXERCISES,
    "phase unknown field": "name: R\nphase: {number: 1, total: 3}\n" + EXERCISES,
    "phase blank name": "name: R\nphase: {number: 1, name: ' '}\n" + EXERCISES,
    "fetch blank": exercise("until: button", "fetch: ' '"),
    "fetch not text": exercise("until: button", "fetch: 2"),
    "fetch too long": exercise("until: button", "fetch: " + "x" * 101),
    "fetch in defaults, not text": "name: R\ndefaults: {fetch: [towel]}\n" + EXERCISES,
    "tempo and hold": exercise("hold_seconds: 5", "tempo: 3"),
    "tempo phase unknown": exercise("tempo: {up: 2, wait: 1}"),
    "tempo phase too short": exercise("tempo: {up: 0.2, down: 2}"),
    "tempo too long": exercise("tempo: 61"),
    "tempo empty": exercise("tempo: {}"),
    "tempo in text": exercise("tempo: slow"),
    "alternate not a switch": exercise("tempo: 3", "sides: [right, left]", "alternate: 1"),
    "instructions by side, not text": exercise(
        "hold_seconds: 5", "sides: [right, left]", "instructions: {right: 5, left: Lean.}"
    ),
    "instructions by side, bad placeholder": exercise(
        "hold_seconds: 5", "sides: [right, left]", "instructions: {right: '{leg}', left: x}"
    ),
}


@pytest.mark.parametrize("text", BAD.values(), ids=list(BAD))
def test_bad_routine_fails_loader_and_schema(text: str, validator: Draft202012Validator) -> None:
    with pytest.raises(RoutineError):
        parse_routine(text, "bad.yaml")
    assert schema_errors(validator, text) != []


#: Routines that are fine however the kind reaches each exercise.
GOOD = {
    "kind from defaults": "name: R\ndefaults: {hold_seconds: 5}\nexercises: [{name: E}]\n",
    "exercise kind beats defaults": ("name: R\ndefaults: {hold_seconds: 5}\n" + EXERCISES),
    "literal braces": exercise("until: button", "instructions: 'Say {{hi}} {rep}}}'"),
    "bounds": exercise("hold_seconds: 3600", "rest_seconds: 0", "ready: 0", "sets: 4", "reps: 1"),
    "count bounds": exercise("hold_seconds: 1", "rest_seconds: 0", "ready: 0", "sets: 100"),
    "breathe low": exercise("breathe: {in_seconds: 2, out_seconds: 2, breaths: 1}"),
    "breathe high": exercise("breathe: {in_seconds: 10, out_seconds: 9.5, breaths: 20}"),
    "breathe from defaults": (
        "name: R\ndefaults: {breathe: {in_seconds: 4, out_seconds: 6, breaths: 5}}\n"
        "exercises: [{name: E}]\n"
    ),
    "tempo phases": exercise("reps: 10", "tempo: {up: 2, hold: 1.5, down: 2}"),
    "tempo bounds": exercise("tempo: {up: 0.5, in: 60, out: 0.5, relax: 1}"),
    "tempo single": exercise("reps: 20", "tempo: 1"),
    "tempo from defaults": "name: R\ndefaults: {tempo: 2}\nexercises: [{name: E}]\n",
    "sides in turn": exercise("tempo: 3", "sides: [right, left]", "alternate: true"),
    "instructions by side": exercise(
        "hold_seconds: 5", "sides: [right, left]", "instructions: {right: 'R {side}.', left: L.}"
    ),
    "breathe_after and calm": exercise(
        "hold_seconds: 20",
        "calm: true",
        "breathe_after: {in_seconds: 4, out_seconds: 6, breaths: 3}",
    ),
    "prescription bounds": (
        "name: R\ntimes_a_day: 12\nphase: {number: 20, of: 20, name: '{last}'}\n"
        "defaults: {fetch: a mat}\n" + EXERCISES
    ),
    "phase alone": "name: R\ntimes_a_day: 1\nphase: {number: 2}\n" + EXERCISES,
}


@pytest.mark.parametrize("text", GOOD.values(), ids=list(GOOD))
def test_good_snippet_passes_loader_and_schema(text: str, validator: Draft202012Validator) -> None:
    parse_routine(text, "good.yaml")
    assert schema_errors(validator, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "{rep} of {reps}, set {set} of {sets}, {side}, {seconds}, {exercise}",
        "{{rep}}",
        "{{{rep}}}",
        "}}{{",
        "{rep}}",
        "{{rep}",
        "{{{rep}}",
        "{rep",
        "rep}",
        "{}",
        "{Rep}",
        "{rep!r}",
        "{rep:>3}",
        "{rep.x}",
        "{rep[0]}",
        "{ rep }",
        "line one\n{side}\n",
    ],
)
def test_schema_pattern_and_loader_agree_on_placeholders(
    text: str, validator: Draft202012Validator
) -> None:
    routine = exercise("until: button", "instructions: " + json.dumps(text))
    try:
        parse_routine(routine, "r.yaml")
        loader_accepts = True
    except RoutineError:
        loader_accepts = False
    assert (schema_errors(validator, routine) == []) == loader_accepts
