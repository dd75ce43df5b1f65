"""Carrying on after a power cut, whole: real processes killed at every step, then the next start.

Each child is a real `coach run --simulate` in real time (the text voice, a
short routine said fast), killed with SIGKILL as the history shows it in a
given step: no clean-up of any kind runs, as in a power cut. The next start
(`coach device`, or `coach run --resume`) must offer that session and carry
it on, from the beginning of the exercise it was in, to its end.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from coach import phrases
from coach.carryon import carry_on_text
from coach.cli import cli
from coach.loader import load_routine
from coach.plan import compile_plan
from coach.voice import estimate_seconds

ROUTINES = Path(__file__).with_name("data") / "carry-on"
ROUTINE = ROUTINES / "short-three.yaml"
PLAN = compile_plan(load_routine(ROUTINE), estimate_seconds)
STEPS = len(PLAN.steps)
#: The first step of an exercise, by its number.
FIRST = {s.number: i for i, s in reversed(list(enumerate(PLAN.steps))) if s.number is not None}


def carried_on_from(step: int) -> int | None:
    """The exercise a session killed in ``step`` carries on from; ``None``: nothing left."""
    number = PLAN.steps[step].number
    if number is not None:
        return number
    return 1 if step < FIRST[1] else None


def env(data: Path) -> dict[str, str]:
    return {
        "COACH_DATA_DIR": str(data),
        "COACH_CONFIG": os.devnull,
        "COACH_SPEECH": "text",
        "COACH_RATE": "400",
        "COACH_ROUTINES_DIRS": str(ROUTINES),
        "COACH_DEFAULT_ROUTINE": "short-three",
    }


def step_in_history(data: Path) -> int | None:
    """The step the history has the running session in; ``None`` before it has one."""
    path = data / "history.sqlite3"
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0) as db:
            row = db.execute("SELECT step_index FROM sessions ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.Error:
        return None  # not set up yet
    return None if row is None else row[0]


def start(data: Path) -> subprocess.Popen[bytes]:
    data.mkdir()
    return subprocess.Popen(
        [sys.executable, "-m", "coach", "run", "--simulate"],
        env={**os.environ, **env(data), "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """One data folder per step, each holding a session killed in that step.

    The children run side by side, so the whole takes as long as the longest.
    """
    base = tmp_path_factory.mktemp("killed")
    children = {k: start(base / f"step-{k}") for k in range(STEPS)}
    deadline = time.monotonic() + 60.0
    try:
        while children and time.monotonic() < deadline:
            for k, child in list(children.items()):
                seen = step_in_history(base / f"step-{k}")
                assert child.poll() is None, child.stderr.read() if child.stderr else ""
                assert seen is None or seen <= k, f"step {k} was passed over (at {seen})"
                if seen == k:
                    child.send_signal(signal.SIGKILL)
                    child.wait()
                    del children[k]
            time.sleep(0.01)
        assert not children, f"never reached steps {sorted(children)}"
    finally:
        for child in children.values():
            child.kill()
            child.wait()
    return {k: base / f"step-{k}" for k in range(STEPS)}


def copy_of(killed: dict[int, Path], step: int, tmp_path: Path) -> Path:
    """A copy of the data folder of the session killed in ``step``, for one test alone."""
    data = tmp_path / "data"
    data.mkdir()
    for name in os.listdir(killed[step]):
        (data / name).write_bytes((killed[step] / name).read_bytes())
    return data


def history(data: Path) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["history", "--format", "json"], env=env(data))
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout))


def device(data: Path, *presses: str) -> list[dict[str, Any]]:
    args = ["device", "--instant", "--transcript", "-"]
    for press in presses:
        args += ["--press-at", press]
    result = CliRunner().invoke(cli, args, env=env(data))
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("step", range(STEPS))
def test_a_killed_session_is_interrupted_and_carried_on(
    killed: dict[int, Path], step: int, tmp_path: Path
) -> None:
    data = copy_of(killed, step, tmp_path)
    [cut] = history(data)
    assert cut["outcome"] == "interrupted" and cut["ended"] is None
    number = carried_on_from(step)
    events = device(data, "1:press")
    said = [e["text"] for e in events if e["type"] == "say"]
    if number is None:  # killed in the closing words: every exercise was done
        assert said[0].startswith("Ready. Short three")
        return
    exercise = PLAN.steps[FIRST[number]].exercise
    assert exercise is not None
    assert said[0] == carry_on_text(exercise)
    assert said[1] == phrases.carrying_on_text(exercise)
    steps = [e for e in events if e["type"] == "step"]
    assert steps[0]["index"] == FIRST[number]  # the beginning of the exercise it was in
    assert [e["state"] for e in events if e["type"] == "state"][-2:] == ["finished", "idle"]
    first, carried = history(data)
    assert first["id"] == cut["id"] and first["outcome"] == "interrupted"
    assert carried["resumed_from"] == cut["id"] and carried["outcome"] == "finished"
    assert [e["done"] for e in carried["exercises"]] == [n >= number for n in (1, 2, 3)]
    # Carried on once: the next start goes to the menu.
    again = device(data)
    assert next(e["text"] for e in again if e["type"] == "say").startswith("Ready. Short three")


def test_run_resume_carries_on_from_the_command_line(
    killed: dict[int, Path], tmp_path: Path
) -> None:
    step = FIRST[2] + 1  # in the second exercise, past its announcement
    data = copy_of(killed, step, tmp_path)
    result = CliRunner().invoke(cli, ["run", "--resume", "--instant"], env=env(data))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "[00:00.0] " + phrases.carrying_on_text("Ankle circles")
    assert lines[-1] == "session finished"
    again = CliRunner().invoke(cli, ["run", "--resume", "--instant"], env=env(data))
    assert again.exit_code == 1
    assert "there is no session to carry on: the last one ended" in again.stderr


def test_a_changed_routine_is_not_carried_on(killed: dict[int, Path], tmp_path: Path) -> None:
    routines = tmp_path / "routines"
    routines.mkdir()
    (routines / "short-three.yaml").write_text(ROUTINE.read_text() + "\n# changed\n")
    data = copy_of(killed, FIRST[2], tmp_path)
    changed = {**env(data), "COACH_ROUTINES_DIRS": str(routines)}
    # The history names the routine by its slug; the copy here is another file, so it
    # differs from the one recorded.
    result = CliRunner().invoke(cli, ["run", "--resume", "--instant"], env=changed)
    assert result.exit_code == 1
    assert "the routine file of the last session has changed since" in result.stderr
    events = CliRunner().invoke(cli, ["device", "--instant", "--transcript", "-"], env=changed)
    first = next(json.loads(x) for x in events.stdout.splitlines() if '"say"' in x)
    assert first["text"].startswith("Ready. Short three")


def test_an_old_interruption_is_not_offered(killed: dict[int, Path], tmp_path: Path) -> None:
    data = copy_of(killed, FIRST[3], tmp_path)
    [cut] = history(data)
    later = time.time() + 7 * 3600  # past the default resume_hours of 6
    stamp = time.strftime("%Y-%m-%dT%H:%M", time.localtime(later))
    args = ["run", "--resume", "--instant", "--start-at", stamp]
    result = CliRunner().invoke(cli, args, env=env(data))
    assert result.exit_code == 1
    assert "more than 6 hours ago (resume_hours)" in result.stderr
    assert [s["id"] for s in history(data)] == [cut["id"]]
