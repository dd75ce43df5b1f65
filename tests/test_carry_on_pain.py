"""Carrying on keeps the pain safety rules: pain before and "it hurt" answers go on with it.

The interrupted session is written with the store's API, as a power cut
leaves it; ``coach run --resume`` then carries it on.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from coach import phrases
from coach.checkin import NO_ANSWER_SECONDS, with_check_ins
from coach.cli import cli
from coach.history.liveness import Owner
from coach.history.recorder import file_sha256, planned_steps
from coach.history.store import Boundary, CheckIn, HistoryStore, SessionStart, StepEnd
from coach.loader import load_routine
from coach.plan import compile_plan
from coach.voice import estimate_seconds
from tests.test_carry_on_after_kill import ROUTINE, env

#: A process that is gone: its session reads as interrupted.
DEAD = Owner(2**22 + 12345, None, None)
PLAN = compile_plan(with_check_ins(load_routine(ROUTINE), "on", "on"), estimate_seconds)
#: The first step of the second exercise, where the power cut came.
SECOND = next(i for i, s in enumerate(PLAN.steps) if s.number == 2)
LINE = re.compile(r"^\[(\d+):(\d+\.\d)\] (.*)$")


def interrupted(data: Path, pain_before: int | None, hurts: int) -> int:
    """Write a session cut off at the start of the second exercise; its id."""
    data.mkdir(exist_ok=True)
    store = HistoryStore.open(data / "history.sqlite3", print)
    try:
        started = time.time() - 120.0
        session = store.begin(
            SessionStart(
                routine="short-three",
                routine_name="Short three",
                started=started,
                utc_offset=0,
                simulated=True,
                owner=DEAD,
                exercises_total=3,
                steps=planned_steps(PLAN.steps),
                routine_sha256=file_sha256(str(ROUTINE)),
            )
        )
        answers = tuple(CheckIn(1, "Knee hug", "hurt", 30.0) for _ in range(hurts))
        store.record(
            session,
            Boundary(
                step_ends=tuple(StepEnd(i, "done", 1.0) for i in range(SECOND)),
                check_ins=answers,
                pain=(("before", pain_before),),
                step_index=SECOND,
                exercise_number=2,
            ),
        )
    finally:
        store.close()
    return session


def resume(data: Path, *presses: str) -> list[tuple[float, str]]:
    """``coach run --resume`` with check-ins on; what it said, with when."""
    args = ["run", "--resume", "--instant", "--check-in", "on", "--pain-check", "on"]
    for press in presses:
        args += ["--press-at", press]
    result = CliRunner().invoke(cli, args, env=env(data))
    assert result.exit_code == 0, result.stderr
    said = []
    for line in result.stdout.splitlines():
        found = LINE.match(line)
        if found:
            said.append((int(found[1]) * 60 + float(found[2]), found[3]))
    return said


def listening(said: list[tuple[float, str]], question: str) -> float:
    """When ``question`` had been said, from the "No answer" that came after it."""
    at = next(i for i, (_, text) in enumerate(said) if text.startswith(question))
    return said[at + 1][0] - NO_ANSWER_SECONDS


def history(data: Path) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["history", "--format", "json"], env=env(data))
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout))


def test_pain_after_is_weighed_against_the_interrupted_sessions_pain_before(
    tmp_path: Path,
) -> None:
    probe = tmp_path / "probe"
    interrupted(probe, pain_before=1, hurts=0)
    heard = listening(resume(probe), phrases.PAIN_QUESTION)
    data = tmp_path / "data"
    cut = interrupted(data, pain_before=1, hurts=0)
    said = resume(data, *(f"{heard + 1.0 + 0.5 * n:.1f}:press" for n in range(4)))
    texts = [text for _, text in said]
    assert phrases.PAIN_QUESTION not in texts[: texts.index(phrases.PAIN_QUESTION)]
    at = texts.index(phrases.pain_confirm_text(4))
    assert texts[at + 1] == phrases.PAIN_GREW
    first, carried = history(data)
    assert first["id"] == cut and carried["resumed_from"] == cut
    assert (carried["pain_before"], carried["pain_after"]) == (1, 4)
    assert carried["flagged"] is True


def test_a_hurt_after_carrying_on_is_the_second_and_ends_the_session(tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    interrupted(probe, pain_before=None, hurts=1)
    heard = listening(resume(probe), phrases.HURT_QUESTION)
    data = tmp_path / "data"
    interrupted(data, pain_before=None, hurts=1)
    said = resume(data, f"{heard + 1.0:.1f}:long")
    assert said[-1][1] == phrases.HURT_AGAIN_END
    _, carried = history(data)
    assert carried["outcome"] == "stopped"
    assert [c["answer"] for c in carried["check_ins"]] == ["hurt"]
    assert carried["flagged"] is True


def test_one_hurt_before_the_cut_and_none_after_goes_on_to_the_end(tmp_path: Path) -> None:
    data = tmp_path / "data"
    interrupted(data, pain_before=None, hurts=1)
    said = resume(data)
    assert said[-1][1].startswith("You did")
    assert history(data)[1]["outcome"] == "finished"


def test_hurts_carry_over_a_chain_of_carried_on_sessions(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = interrupted(data, pain_before=2, hurts=1)
    store = HistoryStore.open(data / "history.sqlite3", print)
    try:
        again = store.begin(
            SessionStart(
                routine="short-three",
                routine_name="Short three",
                started=time.time() - 30.0,
                utc_offset=0,
                simulated=True,
                owner=DEAD,
                exercises_total=3,
                steps=planned_steps(PLAN.steps),
                routine_sha256=file_sha256(str(ROUTINE)),
                resumed_from=first,
            )
        )
        store.record(again, Boundary(pain=(("before", 2),), step_index=SECOND, exercise_number=2))
        found = store.latest_interrupted(6.0)
    finally:
        store.close()
    assert found is not None and found.id == again
    assert (found.pain_before, found.hurts) == (2, 1)


def device(data: Path, *presses: str) -> list[tuple[float, str]]:
    """``coach device`` with check-ins on; what it said, with when."""
    args = ["device", "--instant", "--transcript", "-", "--check-in", "on"]
    for press in presses:
        args += ["--press-at", press]
    result = CliRunner().invoke(cli, args, env=env(data))
    assert result.exit_code == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return [(e["t"], e["text"]) for e in events if e["type"] == "say"]


def test_the_device_carries_the_hurt_answers_on_too(tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    interrupted(probe, pain_before=None, hurts=1)
    heard = listening(device(probe, "1:press"), phrases.HURT_QUESTION)
    data = tmp_path / "data"
    interrupted(data, pain_before=None, hurts=1)
    said = [text for _, text in device(data, "1:press", f"{heard + 1.0:.1f}:long")]
    assert phrases.HURT_AGAIN_END in said
    assert phrases.GO_ON_OR_END not in said
