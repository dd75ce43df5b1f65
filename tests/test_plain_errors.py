"""Errors in plain words: the mistakes people make writing a routine by hand, each with its
exact message (coach.syntax for the YAML, coach.loader for the fields)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import cast

import pytest

from coach.device import Device
from coach.errors import CoachError, RoutineError, SettingsError
from coach.library import Entry, Library
from coach.loader import parse_routine
from coach.settings import parse_file

HINT = (
    "(check the spaces at the start of this line and the line above, "
    "and that each field has ': ' after its name)"
)


def problems(text: str) -> list[str]:
    with pytest.raises(RoutineError) as caught:
        parse_routine(text, "r.yaml")
    return caught.value.problems


def lines(*rows: str) -> str:
    return "".join(row + "\n" for row in rows)


#: (the file, every line expected), for the YAML that cannot be read as it is.
SYNTAX = {
    "a tab": (
        lines("name: R", "exercises:", "  - name: E", "\thold_seconds: 5"),
        ["r.yaml:4:1: use spaces, not tabs, to indent"],
    ),
    "every tab, after spaces too": (
        lines("name: R", "exercises:", "\t- name: E", "  \t  hold_seconds: 5", "  -\tname: F"),
        [
            "r.yaml:3:1: use spaces, not tabs, to indent",
            "r.yaml:4:3: use spaces, not tabs, to indent",
            "r.yaml:5:4: use spaces, not tabs, to indent",
        ],
    ),
    "a tab after a colon": (
        lines("name: R", "exercises:", "  - name:\tE"),
        ["r.yaml:3:10: use a space, not a tab, here"],
    ),
    "a field indented more than the one above": (
        lines("name: R", "exercises:", "  - name: Heel slides", "      hold_seconds: 5"),
        [
            "r.yaml:4:7: 'hold_seconds' is indented 6 spaces, but the field above it "
            "('name', line 3) is indented 4; line them up"
        ],
    ),
    "a field indented more, after a quoted value": (
        lines("name: R", "exercises:", "  - name: 'E'", "     hold_seconds: 5"),
        [
            "r.yaml:4:6: 'hold_seconds' is indented 5 spaces, but the field above it "
            "('name', line 3) is indented 4; line them up"
        ],
    ),
    "a field indented less than the one above": (
        lines("name: R", "exercises:", "  - name: E", "    reps: 3", "   hold_seconds: 5"),
        [
            "r.yaml:5:4: 'hold_seconds' is indented 3 spaces, but the field above it "
            "('reps', line 4) is indented 4; line them up"
        ],
    ),
    "a field indented as the dash": (
        lines("name: R", "exercises:", "  - name: E", "  hold_seconds: 5"),
        [
            "r.yaml:4:3: 'hold_seconds' is indented 2 spaces, but the field above it "
            "('name', line 3) is indented 4; line them up"
        ],
    ),
    "a field indented less, after a nested one": (
        lines(
            "name: R",
            "exercises:",
            "  - name: E",
            "    hold_seconds: 5",
            "    breathe_after:",
            "        in_seconds: 4",
            "      out_seconds: 6",
        ),
        [
            "r.yaml:7:7: 'out_seconds' is indented 6 spaces, but the field above it "
            "('in_seconds', line 6) is indented 8; line them up"
        ],
    ),
    "an exercise's dash indented more": (
        lines(
            "name: R",
            "exercises:",
            "  - name: E",
            "    sides:",
            "      - left",
            "    hold_seconds: 5",
            "   - name: F",
        ),
        [
            "r.yaml:7:4: this item's dash is indented 3 spaces, but the dash of the item "
            "above it (line 3) is indented 2; line them up"
        ],
    ),
    "an exercise's dash indented less": (
        lines("name: R", "exercises:", "  - name: E", "    hold_seconds: 5", " - name: F"),
        [
            "r.yaml:5:2: this item's dash is indented 1 space, but the dash of the item "
            "above it (line 3) is indented 2; line them up"
        ],
    ),
    "no space after a colon, last in its exercise": (
        lines("name: R", "exercises:", "  - name: E", "    hold_seconds:20"),
        ["r.yaml:4:5: put a space after the colon: 'hold_seconds: 20'"],
    ),
    "no space after a colon, a field below": (
        lines("name: R", "exercises:", "  - name:Heel slides", "    hold_seconds: 20"),
        ["r.yaml:3:5: put a space after the colon: 'name: Heel slides'"],
    ),
    "no colon, last in its exercise": (
        lines("name: R", "exercises:", "  - name: E", "    hold_seconds 20"),
        ["r.yaml:4:5: 'hold_seconds' needs a colon after it: 'hold_seconds: 20'"],
    ),
    "no colon, a field below": (
        lines("name R", "exercises:", "  - name: E", "    hold_seconds: 20"),
        ["r.yaml:1:1: 'name' needs a colon after it: 'name: R'"],
    ),
    "no colon after a field that holds others": (
        lines("name: R", "exercises", "  - name: E", "    hold_seconds: 20"),
        ["r.yaml:2:1: 'exercises' needs a colon after it: 'exercises:'"],
    ),
    "no space after a dash": (
        lines("name: R", "exercises:", "  -name: E", "    hold_seconds: 20"),
        ["r.yaml:3:3: put a space after the dash: '- name: E'"],
    ),
    "no space after the dash of a later exercise": (
        lines("name: R", "exercises:", "  - name: E", "    until: button", "  -name: F"),
        ["r.yaml:5:3: put a space after the dash: '- name: F'"],
    ),
    "': ' inside text": (
        lines("name: R", "exercises:", "  - name: E", "    instructions: Sit: then stand"),
        [
            "r.yaml:4:22: the text of 'instructions' holds ': ', which YAML takes for a new "
            'field; put the text in quotes: instructions: "Sit: then stand"'
        ],
    ),
    "a quote never closed": (
        lines("name: R", "exercises:", "  - name: 'Heel slides", "    hold_seconds: 20"),
        ["r.yaml:3:11: the quote (') that starts here is never closed; end the text with '"],
    ),
    "a [ never closed": (
        lines("name: R", "exercises:", "  - name: E", "    sides: [left, right", "    reps: 2"),
        ["r.yaml:4:12: the list [ that starts here is never closed; end it with ]"],
    ),
    "a { never closed": (
        lines(
            "name: R", "exercises:", "  - name: E", "    breathe: {in_seconds: 4", "    calm: true"
        ),
        ["r.yaml:4:14: the mapping { that starts here is never closed; end it with }"],
    ),
    "anything else: the parser's words, cleaned, and a hint": (
        lines("name: R", "exercises: [", "  - name: E"),
        [f"r.yaml:3:3: YAML syntax error: expected the node content, but found a list item {HINT}"],
    ),
}


@pytest.mark.parametrize(("text", "expected"), SYNTAX.values(), ids=list(SYNTAX))
def test_yaml_mistakes_are_said_in_plain_words(text: str, expected: list[str]) -> None:
    assert problems(text) == expected


def test_a_tab_in_the_settings_file_is_said_the_same_way() -> None:
    with pytest.raises(SettingsError) as caught:
        parse_file("rate: 140\n\tvolume: 0.5\n", "config.yaml")
    assert caught.value.problems == ["config.yaml:2:1: use spaces, not tabs, to indent"]


def test_a_tab_inside_text_is_no_mistake() -> None:
    text = lines("name: R", "safety: |", "  Stop.", "  \tReally.", "exercises:", "  - name: E")
    assert parse_routine(text + "    until: button\n", "r.yaml").safety == "Stop.\n\tReally."


# -- exercises counted from 1 and named, one problem reported once ----------------------

HEEL_SLIDES = lines(
    "name: Knee",
    "exercises:",
    "  - name: Quad sets",
    "    hold_seconds: 5",
    "  - name: Straight leg raise",
    "    hold_seconds: 3",
    "  - name: Heel slides",
    "    hold_seconds: twenty",
)


def test_an_exercise_is_counted_from_1_and_named() -> None:
    assert problems(HEEL_SLIDES) == [
        "r.yaml:8:19: exercise 3 (Heel slides): hold_seconds: must be a number of seconds "
        "from 1 to 3600, got 'twenty'"
    ]


def test_an_exercise_without_a_usable_name_is_counted_only() -> None:
    text = lines("name: R", "exercises:", "  - hold_seconds: 5", "  - name: ''", "    reps: 0")
    assert problems(text) == [
        "r.yaml:3:5: exercise 1: missing required field 'name'",
        "r.yaml:4:5: exercise 2: needs exactly one of hold_seconds, duration_seconds, until, "
        "breathe or tempo",
        "r.yaml:4:11: exercise 2: name: must be a non-empty string, got ''",
        "r.yaml:5:11: exercise 2: reps: must be a whole number from 1 to 100, got 0",
    ]


def test_sides_are_counted_from_1() -> None:
    text = lines("name: R", "exercises:", "  - name: Lunge", "    until: button")
    assert problems(text + "    sides: [left, right, Left]\n") == [
        "r.yaml:5:26: exercise 1 (Lunge): side 3: must differ from side 1, got 'Left'"
    ]


def test_a_misspelt_field_is_reported_once() -> None:
    text = lines("name: R", "exercises:", "  - name: Heel slides", "    hold_second: 20")
    assert problems(text) == [
        "r.yaml:4:5: exercise 1 (Heel slides): unknown field 'hold_second' "
        "(did you mean 'hold_seconds'?)"
    ]


def test_a_misspelt_required_field_is_not_also_missing() -> None:
    text = lines("nmae: R", "exercise:", "  - name: E", "    until: button")
    assert problems(text) == [
        "r.yaml:1:1: unknown field 'nmae' (did you mean 'name'?)",
        "r.yaml:2:1: unknown field 'exercise' (did you mean 'exercises'?)",
    ]
    breath = "{in_seconds: 4, out_secs: 6, breaths: 3}"
    assert problems(lines("name: R", "exercises:", "  - name: E", f"    breathe: {breath}")) == [
        "r.yaml:4:30: exercise 1 (E): breathe: unknown field 'out_secs' "
        "(did you mean 'out_seconds'?)"
    ]


def test_a_kind_misspelt_in_the_defaults_is_not_blamed_on_every_exercise() -> None:
    text = lines("name: R", "defaults:", "  hold_second: 20", "exercises:", "  - name: A")
    assert problems(text + "  - name: B\n") == [
        "r.yaml:3:3: defaults: unknown field 'hold_second' (did you mean 'hold_seconds'?)"
    ]


def test_an_exercise_field_at_the_top_of_the_file_says_where_it_belongs() -> None:
    text = lines("name: R", "exercises:", "  - name: E", "    hold_seconds: 5", "reps: 3")
    assert problems(text) == [
        "r.yaml:5:1: unknown field 'reps' at the top of the file; an exercise's fields go "
        "under it, indented like its name"
    ]


def test_an_exercise_field_indented_into_its_breaths_says_where_it_belongs() -> None:
    text = lines(
        "name: R",
        "exercises:",
        "  - name: Lunge",
        "    hold_seconds: 5",
        "    breathe_after:",
        "      in_seconds: 4",
        "      out_seconds: 6",
        "      breaths: 3",
        "      reps: 2",
    )
    assert problems(text) == [
        "r.yaml:9:7: exercise 1 (Lunge): breathe_after: unknown field 'reps'; "
        "an exercise's field goes under the exercise, indented like 'breathe_after'"
    ]


def test_an_exercise_written_as_one_piece_of_text_gets_the_missing_space() -> None:
    text = lines("name: R", "defaults: {until: button}", "exercises:", "  - name:Heel slides")
    assert problems(text) == [
        "r.yaml:4:5: exercise 1: must be a mapping of exercise fields, got 'name:Heel slides' "
        "(put a space after the colon: 'name: Heel slides')"
    ]


def test_text_from_the_file_that_would_not_print_falls_back_to_the_parser_words() -> None:
    text = lines("name: R", "exercises:", "  - name: E", "    instructions: Sit: \u202estand")
    assert problems(text) == [
        f"r.yaml:4:22: YAML syntax error: mapping values are not allowed here {HINT}"
    ]


def test_mangled_files_get_one_printable_line_per_problem() -> None:
    base = HEEL_SLIDES.encode()
    pieces = [b"\t", b"  ", b":", b"- ", b"\n", b"'", b" ", b"\n  ", b"x:y"]
    rnd = random.Random(11)
    for _ in range(300):
        data = bytearray(base)
        for _ in range(rnd.randint(1, 3)):
            at = rnd.randrange(len(data))
            if rnd.random() < 0.6:
                data[at:at] = rnd.choice(pieces)
            else:
                del data[at : at + rnd.randint(1, 3)]
        try:
            parse_routine(bytes(data), "m.yaml")
        except RoutineError as error:
            for line in error.problems:
                assert line.startswith("m.yaml") and line.isprintable(), line


def test_the_device_names_the_exercise_of_a_broken_routine(tmp_path: Path) -> None:
    path = tmp_path / "knee.yaml"
    path.write_text(HEEL_SLIDES)

    class OnlyBroken:
        def entries(self) -> list[Entry]:
            return [Entry("knee", path)]

        def offered(self) -> list[Entry]:
            return self.entries()

    with pytest.raises(CoachError) as caught:
        Device._load(cast(Library, OnlyBroken()))
    assert str(caught.value) == (
        f"no valid routines to offer: {path}:8:19: exercise 3 (Heel slides): hold_seconds: "
        "must be a number of seconds from 1 to 3600, got 'twenty'"
    )
