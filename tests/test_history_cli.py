"""``coach history`` as a table, JSON and CSV, and the doctor's history row."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from coach.cli import cli
from coach.doctor import check_history
from coach.history import history_path
from coach.history.liveness import Owner, this_process
from coach.history.store import SCHEMA_VERSION, Boundary, CheckIn, HistoryStore, StepEnd
from coach.settings import Settings
from tests.test_history_store import MORNING, finish_all, start

DEAD = Owner(2**22 + 12345, None, None)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def sessions(data_folder: Path) -> list[int]:
    """Four sessions: finished, stopped by a "hurt" (simulated), interrupted, running."""
    store = HistoryStore.open(history_path(), print)
    finished = store.begin(start())
    store.record(finished, Boundary(pain=(("before", 4),)))
    store.record(finished, Boundary(check_ins=(CheckIn(1, "Knee to chest", "fine", 30.0),
                                               CheckIn(2, "Reach", None, 60.0))))  # fmt: skip
    finish_all(store, finished)
    store.record(finished, Boundary(pain=(("after", 3),)))
    hurt = store.begin(start(started=MORNING + 86400, simulated=True, routine="/home/me/legs.yaml"))
    store.record(hurt, Boundary(
        step_ends=(StepEnd(0, "done", 4.0), StepEnd(1, "skipped", 6.0)),
        check_ins=(CheckIn(1, "Knee to chest", "hurt", 10.0),), step_index=1,
        outcome="stopped", ended=MORNING + 86400 + 12))  # fmt: skip
    cut = store.begin(start(DEAD, started=MORNING + 2 * 86400))
    store.record(cut, Boundary(step_ends=(StepEnd(0, "done", 4.0),), step_index=1,
                               exercise_number=1))  # fmt: skip
    running = store.begin(start(this_process(), started=MORNING + 3 * 86400))
    store.close()
    return [finished, hurt, cut, running]


def test_the_table(sessions: list[int]) -> None:
    code, out, err = invoke("history")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["DATE", "ROUTINE", "ENDED", "DONE", "MIN", "PAIN", "CHECK-INS"]
    assert lines[1].split() == ["2026-12-01", "08:00", "pinched-nerve-leg", "finished", "2/2",
                                "14.6", "4", "->", "3", "fine,", "-"]  # fmt: skip
    assert lines[2].split() == ["2026-12-02", "08:00", "legs", "stopped", "0/2", "0.2", "-",
                                "hurt", "sim", "!"]  # fmt: skip
    assert lines[3].split()[2:5] == ["pinched-nerve-leg", "interrupted", "0/2"]
    assert lines[4].split()[2:4] == ["pinched-nerve-leg", "running"]
    assert lines[-1].startswith("sim: a simulated session; !: flagged")


def test_json_leaves_out_running_sessions(sessions: list[int]) -> None:
    code, out, _ = invoke("history", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [s["id"] for s in data] == sessions[:3]
    first, hurt, cut = data
    assert first["started"] == "2026-12-01T08:00:03+01:00"
    assert first["ended"] == "2026-12-01T08:14:40+01:00"
    assert (first["pain_before"], first["pain_after"], first["flagged"]) == (4, 3, False)
    assert first["check_ins"] == [{"exercise": "Knee to chest", "answer": "fine"},
                                  {"exercise": "Reach", "answer": None}]  # fmt: skip
    assert (hurt["outcome"], hurt["simulated"], hurt["flagged"]) == ("stopped", True, True)
    assert hurt["routine"] == "/home/me/legs.yaml"
    assert (cut["outcome"], cut["ended"]) == ("interrupted", None)
    assert set(first) == {
        "id", "started", "ended", "routine", "routine_name", "outcome", "simulated",
        "exercises_done", "exercises_total", "seconds", "paused_seconds", "pain_before",
        "pain_after", "flagged", "check_ins", "exercises", "resumed_from",
    }  # fmt: skip


def test_csv(sessions: list[int]) -> None:
    code, out, _ = invoke("history", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["outcome"] for r in rows] == ["finished", "stopped", "interrupted"]
    assert rows[0]["check_ins"] == "Knee to chest: fine; Reach: no answer"
    assert rows[0]["started"] == "2026-12-01T08:00:03+01:00"
    assert (rows[0]["pain_before"], rows[2]["ended"], rows[1]["flagged"]) == ("4", "", "true")


def test_limit(sessions: list[int]) -> None:
    code, out, _ = invoke("history", "--format", "json", "--limit", "2")
    assert code == 0
    assert [s["id"] for s in json.loads(out)] == [sessions[2]]  # the other one is running


def test_an_empty_history_says_so(data_folder: Path) -> None:
    assert invoke("history") == (0, "No sessions recorded yet.\n", "")
    code, out, err = invoke("history", "--format", "json")
    assert (code, json.loads(out), err) == (0, [], "No sessions recorded yet.\n")
    assert not data_folder.exists()  # looking makes nothing


def test_history_off_says_so(data_folder: Path) -> None:
    code, _, err = invoke("history", "--no-history")
    assert code == 1
    assert "history is off" in err


def test_history_off_still_shows_what_was_recorded(sessions: list[int]) -> None:
    code, out, err = invoke("history", "--no-history", "--format", "json")
    assert code == 0 and len(json.loads(out)) == 3
    assert "history is off" in err


def test_a_newer_file_cannot_be_read(data_folder: Path) -> None:
    HistoryStore.open(history_path(), print).close()
    import sqlite3

    db = sqlite3.connect(history_path())
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    code, _, err = invoke("history")
    assert code == 1
    assert "newer version of the coach" in err


def test_looking_marks_dead_sessions_interrupted(sessions: list[int]) -> None:
    invoke("history")
    store = HistoryStore.open(history_path(), print)
    outcome = store.db.execute("SELECT outcome FROM sessions WHERE id = ?", (sessions[2],))
    assert outcome.fetchone() == ("interrupted",)
    store.close()


# -- the doctor ------------------------------------------------------------------------


def test_doctor_counts_the_sessions(sessions: list[int]) -> None:
    check = check_history(Settings.from_values())
    assert check.status == "ok"
    schema = f"schema {SCHEMA_VERSION} of {SCHEMA_VERSION}"
    assert check.detail == f"{history_path()}: 4 session(s), {schema}"


def test_doctor_with_no_file_yet(data_folder: Path) -> None:
    check = check_history(Settings.from_values())
    assert (check.status, check.detail) == (
        "ok",
        f"{history_path()}: no sessions yet (will be made)",
    )
    assert not data_folder.exists()


def test_doctor_with_history_off() -> None:
    assert check_history(Settings.from_values(history=False)).status == "skip"


def test_doctor_reports_a_file_moved_aside(data_folder: Path) -> None:
    data_folder.mkdir(parents=True)
    history_path().write_bytes(b"not a database at all" * 100)
    check = check_history(Settings.from_values())
    assert check.status == "warn"
    assert "damaged" in check.detail and ".corrupt-" in check.detail


def test_doctor_reports_damage_the_quick_check_finds(
    sessions: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(HistoryStore, "quick_check", lambda self: ["Page 7: btreeInitPage() error"])
    check = check_history(Settings.from_values())
    assert check.status == "FAIL"
    assert "Page 7" in check.detail and "move" in check.fix


def test_doctor_reports_a_newer_file(data_folder: Path) -> None:
    HistoryStore.open(history_path(), print).close()
    import sqlite3

    db = sqlite3.connect(history_path())
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    check = check_history(Settings.from_values())
    assert check.status == "warn" and "newer version" in check.detail
