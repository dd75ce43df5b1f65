"""The history file: schema and migrations, damaged and newer files, modes, two writers."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.errors import HistoryNewer
from coach.history import history_path, open_history
from coach.history.liveness import Owner, this_process
from coach.history.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Boundary,
    CheckIn,
    HistoryStore,
    Pause,
    PlannedStep,
    SessionStart,
    StepEnd,
    migrate,
)
from coach.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
#: 2026-12-01 08:00:03 at UTC+01:00 (07:00:03 UTC).
MORNING = 1796108403.0
STEPS = (
    PlannedStep(0, "announce", None, None, planned_seconds=4.0),
    PlannedStep(1, "hold", 1, "Knee to chest", "left", 1, 1, 20.0),
    PlannedStep(2, "hold", 1, "Knee to chest", "right", 1, 1, 20.0),
    PlannedStep(3, "hold", 2, "Reach", None, 1, 1, 30.0),
    PlannedStep(4, "finish", None, None, planned_seconds=3.0),
)


def start(owner: Owner | None = None, started: float = MORNING, **more: Any) -> SessionStart:
    fields: dict[str, Any] = dict(
        routine="pinched-nerve-leg", routine_name="Pinched nerve: leg", started=started,
        utc_offset=3600, simulated=False, owner=owner or this_process(), exercises_total=2,
        steps=STEPS, routine_sha256="ab" * 32,
    )  # fmt: skip
    fields.update(more)
    return SessionStart(**fields)


def finish_all(store: HistoryStore, session: int, outcome: str = "finished") -> None:
    for index, step in enumerate(STEPS):
        ended = (StepEnd(index - 1, "done", STEPS[index - 1].planned_seconds),) if index else ()
        store.record(session, Boundary(step_ends=ended, step_index=index,
                                       exercise_number=step.number))  # fmt: skip
    store.record(session, Boundary(step_ends=(StepEnd(4, "done", 3.0),), outcome=outcome,
                                   ended=MORNING + 877.0))  # fmt: skip


@pytest.fixture
def warnings() -> list[str]:
    return []


@pytest.fixture
def store(tmp_path: Path, warnings: list[str]) -> Iterator[HistoryStore]:
    opened = HistoryStore.open(tmp_path / "data" / "history.sqlite3", warnings.append)
    yield opened
    opened.close()


# -- writing and reading -------------------------------------------------------------


def test_a_finished_session_reads_back_as_the_spec_says(store: HistoryStore) -> None:
    session = store.begin(start())
    store.record(session, Boundary(pain=(("before", 4),), step_index=0))
    store.record(session, Boundary(step_ends=(StepEnd(0, "done", 4.0),), step_index=1,
                                   exercise_number=1))  # fmt: skip
    store.record(session, Boundary(
        step_ends=(StepEnd(1, "done", 20.0),), pauses=(Pause(1, 10.0, 12.5),),
        step_index=2, exercise_number=1))  # fmt: skip
    store.record(session, Boundary(
        step_ends=(StepEnd(2, "done", 20.0),),
        check_ins=(CheckIn(1, "Knee to chest", "fine", 50.0),), step_index=3,
        exercise_number=2))  # fmt: skip
    store.record(session, Boundary(step_ends=(StepEnd(3, "done", 30.0),), step_index=4))
    store.record(session, Boundary(
        step_ends=(StepEnd(4, "done", 3.0),), pain=(("after", 3),), outcome="finished",
        ended=MORNING + 877.0))  # fmt: skip
    [record] = store.sessions()
    assert record.to_json() == {
        "id": session,
        "started": "2026-12-01T08:00:03+01:00",
        "ended": "2026-12-01T08:14:40+01:00",
        "routine": "pinched-nerve-leg",
        "routine_name": "Pinched nerve: leg",
        "outcome": "finished",
        "simulated": False,
        "exercises_done": 2,
        "exercises_total": 2,
        "seconds": 864.5,  # from its start to its end, less the pause
        "paused_seconds": 12.5,
        "pain_before": 4,
        "pain_after": 3,
        "flagged": False,
        "check_ins": [{"exercise": "Knee to chest", "answer": "fine"}],
        "exercises": [
            {"number": 1, "name": "Knee to chest", "done": True, "hurt": False},
            {"number": 2, "name": "Reach", "done": True, "hurt": False},
        ],
        "resumed_from": None,
    }


def test_a_cut_off_session_lasts_until_its_last_boundary(store: HistoryStore) -> None:
    cut = store.begin(start(Owner(2**22 + 12345, None, None)))
    store.record(cut, Boundary(step_ends=(StepEnd(0, "done", 4.0),), step_index=1,
                               exercise_number=1, at=MORNING + 10.0))  # fmt: skip
    store.record(cut, Boundary(step_ends=(StepEnd(1, "done", 20.0),), pauses=(Pause(1, 12.0, 5.0),),
                               step_index=2, exercise_number=1, at=MORNING + 95.0))  # fmt: skip
    [record] = store.sessions()
    assert record.outcome == "interrupted"
    # Start to last boundary, less the pause: the check-in between the steps counts.
    assert (record.seconds, record.paused_seconds) == (90.0, 5.0)


def test_pain_rising_by_two_flags_the_session(store: HistoryStore) -> None:
    session = store.begin(start())
    store.record(session, Boundary(pain=(("before", 3), ("after", 5)), outcome="finished",
                                   ended=MORNING + 60))  # fmt: skip
    assert store.sessions()[0].flagged


def test_a_hurt_that_ended_the_session_flags_it_and_undoes_the_exercise(
    store: HistoryStore,
) -> None:
    session = store.begin(start())
    store.record(session, Boundary(
        step_ends=(StepEnd(0, "done", 4.0), StepEnd(1, "skipped", 5.0), StepEnd(2, "missed", None),
                   StepEnd(3, "missed", None), StepEnd(4, "missed", None)),
        check_ins=(CheckIn(1, "Knee to chest", "hurt", 9.0),),
        outcome="stopped", ended=MORNING + 20))  # fmt: skip
    [record] = store.sessions()
    assert record.flagged
    assert record.exercises_done == 0
    assert [(e.done, e.hurt) for e in record.exercises] == [(False, True), (False, False)]
    assert record.check_ins == (("Knee to chest", "hurt"),)


def test_limit_keeps_the_most_recent_sessions_oldest_first(store: HistoryStore) -> None:
    for day in range(5):
        finish_all(store, store.begin(start(started=MORNING + day * 86400)))
    records = store.sessions(limit=2)
    assert [r.started for r in records] == [MORNING + 3 * 86400, MORNING + 4 * 86400]


def test_session_days_and_last_started(store: HistoryStore) -> None:
    assert store.last_started() is None
    assert store.session_days() == []
    for day in (0, 0, 2):
        store.begin(start(started=MORNING + day * 86400))
    # 23:30 UTC on the 3rd is 00:30 on the 4th at UTC+01:00.
    late = MORNING + 2 * 86400 + 16.5 * 3600
    store.begin(start(started=late))
    assert [d.isoformat() for d in store.session_days()] == [
        "2026-12-01", "2026-12-01", "2026-12-03", "2026-12-04"]  # fmt: skip
    assert store.last_started() == late
    store.begin(start(started=late + 86400, simulated=True))
    assert len(store.session_days()) == 5
    assert len(store.session_days(simulated=False)) == 4
    assert store.last_started(simulated=False) == late


# -- the file ---------------------------------------------------------------------------


def test_folder_0700_and_files_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "new" / "voice-coach" / "history.sqlite3"
        store = HistoryStore.open(path, print)
        store.begin(start())
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert modes == {"history.sqlite3": 0o600, "history.sqlite3-wal": 0o600,
                         "history.sqlite3-shm": 0o600}  # fmt: skip
        store.close()
    finally:
        os.umask(old)


def test_a_loose_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.touch(0o644)
    path.chmod(0o644)
    HistoryStore.open(path, print).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_wal_and_full_sync(store: HistoryStore) -> None:
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.version == SCHEMA_VERSION
    assert store.quick_check() == ["ok"]


def test_the_default_path_is_in_the_data_folder(data_folder: Path) -> None:
    assert history_path() == data_folder / "history.sqlite3"


#: Rows as each earlier version wrote them: version -> statements.
OLD_ROWS: dict[int, list[str]] = {
    1: [
        "INSERT INTO sessions (id, routine, routine_name, started, utc_offset, ended, outcome, "
        "simulated, pid, boot_id, process_start, exercises_total) VALUES "
        f"(1, 'quick-demo', 'Quick demo', {MORNING}, 3600, {MORNING + 90}, 'finished', 1, 1, "
        "NULL, NULL, 1)",
        "INSERT INTO steps VALUES (1, 0, 'announce', NULL, NULL, NULL, NULL, NULL, 3.0, 3.0, "
        "'done')",
        "INSERT INTO steps VALUES (1, 1, 'hold', 1, 'Reach', NULL, 1, 1, 80.0, 85.0, 'done')",
    ],
    2: [
        "INSERT INTO sessions (id, routine, routine_name, started, utc_offset, ended, outcome, "
        "simulated, pid, boot_id, process_start, exercises_total, pain_before, pain_after) "
        f"VALUES (2, 'quick-demo', 'Quick demo', {MORNING + 86400}, 3600, NULL, "
        "'interrupted', 0, 1, NULL, NULL, 1, 5, NULL)",
        "INSERT INTO steps VALUES (2, 0, 'announce', NULL, NULL, NULL, NULL, NULL, 3.0, 3.0, "
        "'done')",
        "INSERT INTO steps VALUES (2, 1, 'hold', 1, 'Reach', NULL, 1, 1, 80.0, NULL, NULL)",
        "INSERT INTO pauses VALUES (2, 1, 10.0, 7.5)",
        "INSERT INTO check_ins VALUES (2, 1, 'Reach', NULL, 50.0)",
    ],
    3: [
        "INSERT INTO sessions (id, routine, routine_name, started, utc_offset, ended, outcome, "
        "simulated, pid, boot_id, process_start, exercises_total, pain_before, pain_after, "
        "routine_sha256, resumed_from, step_index, exercise_number) "
        f"VALUES (3, 'quick-demo', 'Quick demo', {MORNING + 2 * 86400}, 3600, NULL, "
        "'interrupted', 0, 1, NULL, NULL, 1, 5, NULL, 'cd', 2, 1, 1)",
        "INSERT INTO steps VALUES (3, 0, 'announce', NULL, NULL, NULL, NULL, NULL, 3.0, 3.5, "
        "'done')",
        "INSERT INTO steps VALUES (3, 1, 'hold', 1, 'Reach', NULL, 1, 1, 80.0, NULL, NULL)",
    ],
}


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_every_earlier_version_is_migrated_with_its_data(tmp_path: Path, version: int) -> None:
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db, version)
    assert db.execute("PRAGMA user_version").fetchone()[0] == version
    for statement in [s for v in range(1, version + 1) for s in OLD_ROWS.get(v, [])]:
        db.execute(statement)
    db.close()
    warnings: list[str] = []
    store = HistoryStore.open(path, warnings.append)
    assert warnings == []
    assert store.version == SCHEMA_VERSION
    records = store.sessions()
    assert [r.id for r in records] == list(range(1, version + 1))
    if version >= 1:
        first = records[0]
        # From its start to its end, pauses left out.
        assert (first.outcome, first.simulated, first.seconds) == ("finished", True, 90.0)
        assert first.ended_iso == "2026-12-01T08:01:33+01:00"
        assert first.exercises[0].done and first.exercises_done == 1
        assert first.resumed_from is None and first.routine_sha256 is None
    if version >= 2:
        second = records[1]
        assert (second.outcome, second.pain_before, second.paused_seconds) == (
            "interrupted", 5, 7.5)  # fmt: skip
        assert second.check_ins == (("Reach", None),)
        assert second.exercises_done == 0
    if version >= 3:
        third = records[2]
        assert (third.outcome, third.resumed_from, third.step_index) == ("interrupted", 2, 1)
        # Cut off before the last boundary's time was kept: its steps' seconds.
        assert third.seconds == 3.5
    # And it takes new sessions with every field.
    new = store.begin(start(resumed_from=version or None))
    finish_all(store, new)
    assert {r.id: r.outcome for r in store.sessions()}[new] == "finished"
    assert store.quick_check() == ["ok"]
    store.close()


def test_every_migration_is_a_step_of_its_own() -> None:
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 3


def test_a_file_that_is_not_a_database_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    warnings: list[str] = []
    store = HistoryStore.open(path, warnings.append)
    [aside] = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert aside.name.startswith("history.sqlite3.corrupt-")
    assert aside.read_bytes().startswith(b"these are my notes")
    assert len(warnings) == 1 and "damaged" in warnings[0] and aside.name in warnings[0]
    store.begin(start())
    assert store.count() == 1
    store.close()


def test_a_damaged_database_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path, print)
    finish_all(store, store.begin(start()))
    store.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema's page, after the header
    path.write_bytes(bytes(data))
    warnings: list[str] = []
    store = HistoryStore.open(path, warnings.append)
    assert len(warnings) == 1 and "damaged" in warnings[0]
    assert store.count() == 0
    assert len([p for p in tmp_path.iterdir() if ".corrupt-" in p.name]) == 1
    store.close()


def test_a_newer_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE future (x)")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(HistoryNewer, match="newer version"):
        HistoryStore.open(path, print)
    warnings: list[str] = []
    assert open_history(Settings.from_values(), warnings.append, path) is None
    assert len(warnings) == 1 and "newer version" in warnings[0] and "not recorded" in warnings[0]
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["history.sqlite3"]


def test_history_off_opens_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    assert open_history(Settings.from_values(history=False), print, path) is None
    assert not path.exists()


def test_a_folder_that_cannot_be_written_gives_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def read_only(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith("history.sqlite3") and flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    warnings: list[str] = []
    assert (
        open_history(Settings.from_values(), warnings.append, tmp_path / "history.sqlite3") is None
    )
    assert len(warnings) == 1
    assert "Read-only file system" in warnings[0] and "not recorded" in warnings[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in read-only folders")
def test_a_read_only_folder_gives_one_warning(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        warnings: list[str] = []
        assert open_history(Settings.from_values(), warnings.append, folder / "h.sqlite3") is None
        assert len(warnings) == 1
    finally:
        folder.chmod(0o700)


def test_a_full_disk_fails_the_write_and_keeps_what_was_committed(store: HistoryStore) -> None:
    session = store.begin(start())
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(sqlite3.OperationalError, match="full"):
        for _ in range(200):
            store.begin(start())
    assert store.quick_check() == ["ok"]
    assert session in [r.id for r in store.sessions()]


# -- liveness -------------------------------------------------------------------------


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from coach.history.liveness import this_process
    from coach.history.store import HistoryStore
    sys.path.insert(0, {tests!r})
    from test_history_store import start
    store = HistoryStore.open(Path(sys.argv[1]), print)
    store.begin(start(this_process()))
    print("ready", flush=True)
    time.sleep(60)
    """
).format(tests=str(ROOT / "tests"))


def _child(path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], env=env,
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    return child


def test_a_live_process_is_running_and_a_killed_one_interrupted(
    store: HistoryStore,
) -> None:
    child = _child(store.path)
    try:
        [record] = store.sessions()
        assert record.outcome == "running"
        assert store.settle() == []
    finally:
        child.kill()
        child.wait()
    [record] = store.sessions()
    assert (record.outcome, record.ended) == ("interrupted", None)
    assert record.to_json()["ended"] is None


def test_a_reused_pid_or_another_boot_is_interrupted(store: HistoryStore) -> None:
    me = this_process()
    assert me.start is not None and me.boot_id is not None
    mine = store.begin(start(me))
    reused = store.begin(start(Owner(me.pid, me.boot_id, me.start + 1)))
    rebooted = store.begin(start(Owner(me.pid, "another-boot", me.start)))
    gone = store.begin(start(Owner(2**22 + 12345, me.boot_id, 1)))
    assert sorted(store.settle()) == sorted([reused, rebooted, gone])
    outcomes = {r.id: r.outcome for r in store.sessions()}
    assert outcomes == {mine: "running", reused: "interrupted", rebooted: "interrupted",
                        gone: "interrupted"}  # fmt: skip


def test_without_proc_the_pid_alone_is_asked(store: HistoryStore) -> None:
    mine = store.begin(start(Owner(os.getpid(), None, None)))
    gone = store.begin(start(Owner(2**22 + 12345, None, None)))
    assert store.settle() == [gone]
    assert {r.id: r.outcome for r in store.sessions()} == {mine: "running", gone: "interrupted"}


def test_latest_interrupted_offers_the_last_session_once(store: HistoryStore) -> None:
    now = MORNING + 3600
    finish_all(store, store.begin(start()))
    assert store.latest_interrupted(6, now) is None
    dead = Owner(2**22 + 12345, None, None)
    cut = store.begin(start(dead, started=MORNING + 60))
    store.record(cut, Boundary(step_ends=(StepEnd(0, "done", 4.0), StepEnd(1, "done", 20.0)),
                               step_index=2, exercise_number=1))  # fmt: skip
    found = store.latest_interrupted(6, now)
    assert found is not None
    assert (found.id, found.routine, found.step_index, found.exercise_number, found.exercise) == (
        cut, "pinched-nerve-leg", 2, 1, "Knee to chest")  # fmt: skip
    assert found.routine_sha256 == "ab" * 32
    assert store.latest_interrupted(0.5, now) is None  # too old
    carried = store.begin(start(started=MORNING + 1800, resumed_from=cut))
    finish_all(store, carried)
    assert store.latest_interrupted(6, now) is None


# -- two writers ---------------------------------------------------------------------------


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from coach.history.store import HistoryStore, Boundary, StepEnd
    sys.path.insert(0, {tests!r})
    from test_history_store import start, STEPS
    store = HistoryStore.open(Path(sys.argv[1]), print)
    for n in range(int(sys.argv[2])):
        session = store.begin(start())
        for index in range(len(STEPS)):
            ended = (StepEnd(index - 1, "done", 1.0),) if index else ()
            store.record(session, Boundary(step_ends=ended, step_index=index))
        store.record(session, Boundary(step_ends=(StepEnd(4, "done", 1.0),),
                                       outcome="finished", ended=1.0))
    store.close()
    """
).format(tests=str(ROOT / "tests"))


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), "40"],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("SELECT count(*) FROM sessions WHERE outcome = 'finished'").fetchone() == (
        80,
    )
    assert db.execute("SELECT count(*) FROM steps WHERE outcome = 'done'").fetchone() == (400,)
    db.close()


def test_an_open_session_with_nothing_done_reads_as_numbers(store: HistoryStore) -> None:
    store.begin(start())
    data = store.sessions()[0].to_json()
    assert (data["seconds"], data["paused_seconds"]) == (0.0, 0.0)
    assert isinstance(data["seconds"], float) and isinstance(data["paused_seconds"], float)
    assert (data["outcome"], data["ended"], data["exercises_done"]) == ("running", None, 0)


def test_the_days_are_what_the_adherence_lines_want(store: HistoryStore) -> None:
    import datetime as dt

    from coach.adherence import adherence_line

    for day in (0, 1, 1):
        store.begin(start(started=MORNING + day * 86400))
    second = dt.date(2026, 12, 2)
    assert adherence_line(store.session_days(), second, at_end=True) is None  # the 2nd's second
    days = store.session_days()[:-1]
    assert adherence_line(days, second, at_end=True) == "That is two days in a row."
    assert adherence_line(store.session_days(), dt.date(2026, 12, 3), at_end=False) == (
        "Your last session was yesterday."
    )
