"""Every bundled routine and example programme, heard whole: ``coach run NAME --instant``.

Presses answer the steps that wait for the button (the first after several
minutes, the rest at once), and the transcript is read as the person would
hear it: no countdown without its "3", never more than a minute of silence
while the person waits, and every exercise named before its first hold.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from coach.cli import cli
from coach.library import Library

#: How long the person takes to answer the first step that waits for them.
FIRST_WAIT_SECONDS = 270.0
#: The longest silence while the person waits.
MOST_SILENCE_SECONDS = 60.0
ROOT = Path(__file__).resolve().parent.parent
ROUTINES = [
    *(entry.slug for entry in Library().entries()),
    *(str(path) for path in sorted((ROOT / "routines" / "examples").glob("*.yaml"))),
]


def _run(name: str, presses: list[float], cache: Path) -> tuple[int, list[dict[str, Any]]]:
    argv = ["run", name, "--instant", "--transcript", "-"]
    for at in presses:
        argv += ["--press-at", f"{at:.3f}:press"]
    env = {"COACH_CONFIG": os.devnull, "COACH_CACHE_DIR": str(cache)}
    result = CliRunner().invoke(cli, argv, env=env)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, [json.loads(line) for line in lines]


def _answered(name: str, cache: Path) -> list[dict[str, Any]]:
    """The whole run, every step that waits for the button answered by a press."""
    presses: list[float] = []
    for _ in range(100):
        code, events = _run(name, presses, cache)
        waiting = [e for e in events if e["type"] == "step" and e["duration_seconds"] is None]
        if code == 0 and (presses or not waiting):
            return events
        # With no script the run presses for itself: its first wait is where to start.
        wait = FIRST_WAIT_SECONDS if not presses else 2.0
        presses.append(waiting[0 if not presses else -1]["t"] + wait)
    raise AssertionError(f"{name}: no end after 100 presses")


@pytest.fixture(scope="module", params=ROUTINES)
def heard(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    return _answered(request.param, tmp_path_factory.mktemp("cache"))


def test_the_runs_end_finished_and_wait_for_the_person(heard: list[dict[str, Any]]) -> None:
    assert [e["state"] for e in heard if e["type"] == "state"][-1] == "finished"


def test_no_countdown_without_its_3(heard: list[dict[str, Any]]) -> None:
    said = [e["text"] for e in heard if e["type"] == "say"]
    for before, word in itertools.pairwise(said):
        if word == "2":
            assert before == "3", said
        if word == "1":
            assert before == "2", said
    for i, word in enumerate(said):
        if word == "3":
            assert said[i + 1 : i + 3] == ["2", "1"], said[i - 2 : i + 4]


def test_never_silent_for_over_a_minute_while_the_person_waits(
    heard: list[dict[str, Any]],
) -> None:
    starts = [i for i, e in enumerate(heard) if e["type"] == "step"]
    waited = 0
    for i in starts:
        if heard[i]["duration_seconds"] is not None:
            continue
        press = next(e["t"] for e in heard[i:] if e["type"] == "gesture")
        said = [e["t"] for e in heard[i:] if e["type"] == "say" and e["t"] <= press]
        times = [heard[i]["t"], *said, press]
        assert max(b - a for a, b in itertools.pairwise(times)) <= MOST_SILENCE_SECONDS + 1e-6
        waited = max(waited, press - heard[i]["t"])
    if any(heard[i]["duration_seconds"] is None for i in starts):
        assert waited >= FIRST_WAIT_SECONDS  # the long wait was heard


def test_every_exercise_is_named_before_its_first_hold(heard: list[dict[str, Any]]) -> None:
    said: list[str] = []
    for e in heard:
        if e["type"] == "say":
            said.append(e["text"].lower())
        elif e["type"] == "step" and e["kind"] in ("hold", "activity", "wait", "rep"):
            name = e["exercise"].lower()
            assert any(name in text for text in said), name


def test_the_default_routine_asks_for_pain_before_and_after(tmp_path: Path) -> None:
    # A physiotherapy routine: pain before the first exercise and after the
    # last, so the coach can say when it grew and the history can show it.
    heard = _answered(Library().default, tmp_path)
    pain = [(e["moment"], e["value"]) for e in heard if e["type"] == "pain"]
    assert pain == [("before", None), ("after", None)]
    said = [e["text"] for e in heard if e["type"] == "say"]
    asked = [i for i, text in enumerate(said) if text.startswith("How is your pain")]
    first = next(i for i, text in enumerate(said) if text.startswith("Exercise 1 of"))
    summary = next(i for i, text in enumerate(said) if text.startswith("Well done."))
    assert asked[0] < first and first < asked[1] < summary


def test_no_digit_is_said_during_counted_reps(heard: list[dict[str, Any]]) -> None:
    # Between a counted exercise's first rep and the words after its last one,
    # the only numbers are the reps' own, in words.
    kind = None
    for e in heard:
        if e["type"] == "step":
            kind = e["kind"]
        elif e["type"] == "say" and kind == "rep":
            assert not any(ch.isdigit() for ch in e["text"]), e
