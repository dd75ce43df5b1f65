"""The history recorder: events in, rows out, written off the runtime's thread."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach import library
from coach.events import Event
from coach.history.recorder import HistoryRecorder, file_sha256, routine_reference
from coach.history.store import Boundary, HistoryStore
from coach.library import Library
from coach.loader import load_routine
from coach.plan import Step
from tests.conftest import exercise, make_run, routine
from tests.test_history_store import start

WALL = 1796108403.0  # 2026-12-01 07:00:03 UTC
ROUTINE = routine(exercise("Knee to chest"), exercise("Reach"), name="Legs")
STEPS = [
    Step("announce", 4.0, ()),
    Step("hold", 20.0, (), exercise="Knee to chest", number=1, rep=1, set=1),
    Step("hold", 20.0, (), exercise="Reach", number=2, side="left", rep=1, set=1),
    Step("hold", 20.0, (), exercise="Reach", number=2, side="right", rep=1, set=1),
    Step("finish", 3.0, ()),
]


def ev(t: float, type_: Any, **data: Any) -> Event:
    return Event(t, type_, data)


@pytest.fixture
def warnings() -> list[str]:
    return []


@pytest.fixture
def store(tmp_path: Path, warnings: list[str]) -> Iterator[HistoryStore]:
    opened = HistoryStore.open(tmp_path / "history.sqlite3", warnings.append)
    yield opened
    opened.close()


def recorder(store: HistoryStore, **more: Any) -> HistoryRecorder:
    return HistoryRecorder(store, ROUTINE, STEPS, simulated=False, wall=lambda: WALL, **more)


def step(t: float, index: int, **more: Any) -> Event:
    s = STEPS[index]
    return ev(t, "step", index=index, kind=s.kind, exercise=s.exercise, number=s.number, **more)


#: A session with every kind of event: pain before and after, a pause, a
#: "fine", a "hurt" that cuts the second exercise short and misses its last step.
SCRIPT = [
    ev(0.0, "state", state="running"),
    ev(0.0, "pain", moment="before", value=4),
    step(0.0, 0),
    ev(4.0, "step_end", index=0, outcome="done"),
    step(4.0, 1),
    ev(10.0, "state", state="paused"),
    ev(15.0, "state", state="running"),
    ev(29.0, "step_end", index=1, outcome="done"),
    ev(29.0, "check_in", exercise="Knee to chest", number=1, answer="fine"),
    step(29.0, 2),
    ev(33.0, "step_end", index=2, outcome="skipped"),
    ev(33.0, "check_in", exercise="Reach", number=2, answer="hurt"),
    ev(33.0, "step_end", index=3, outcome="missed"),
    step(33.0, 4),
    ev(36.0, "step_end", index=4, outcome="done"),
    ev(36.0, "pain", moment="after", value=7),
    ev(36.0, "state", state="finished"),
]


def rows(store: HistoryStore, query: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in store.db.execute(query, args).fetchall()]


def test_a_scripted_session_is_recorded_whole(store: HistoryStore) -> None:
    r = recorder(store)
    for event in SCRIPT:
        r(event)
    r.close()
    [record] = store.sessions()
    assert record.to_json() == {
        "id": 1,
        "started": record.started_iso,
        "ended": record.local(WALL + 36).isoformat(timespec="seconds"),
        "routine": "Legs",
        "routine_name": "Legs",
        "outcome": "finished",
        "simulated": False,
        "exercises_done": 1,
        "exercises_total": 2,
        "seconds": 31.0,
        "paused_seconds": 5.0,
        "pain_before": 4,
        "pain_after": 7,
        "flagged": True,
        "check_ins": [
            {"exercise": "Knee to chest", "answer": "fine"},
            {"exercise": "Reach", "answer": "hurt"},
        ],
        "exercises": [
            {"number": 1, "name": "Knee to chest", "done": True, "hurt": False},
            {"number": 2, "name": "Reach", "done": False, "hurt": True},
        ],
        "resumed_from": None,
    }
    assert record.started == WALL
    assert rows(store, "SELECT idx, kind, number, side, planned_seconds, actual_seconds, "
                       "outcome FROM steps ORDER BY idx") == [
        (0, "announce", None, None, 4.0, 4.0, "done"),
        (1, "hold", 1, None, 20.0, 20.0, "done"),
        (2, "hold", 2, "left", 20.0, 4.0, "skipped"),
        (3, "hold", 2, "right", 20.0, None, "missed"),
        (4, "finish", None, None, 3.0, 3.0, "done"),
    ]  # fmt: skip
    assert rows(store, "SELECT step, at, seconds FROM pauses") == [(1, 10.0, 5.0)]


def test_each_step_boundary_is_committed_as_it_happens(store: HistoryStore) -> None:
    r = recorder(store)
    for event in SCRIPT[:10]:  # up to the start of step 2
        r(event)
    r.wait()
    # Another connection sees it: committed, not merely written.
    other = sqlite3.connect(store.path)
    assert other.execute("SELECT outcome, step_index, exercise_number, pain_before "
                         "FROM sessions").fetchall() == [(None, 2, 2, 4)]  # fmt: skip
    assert other.execute("SELECT idx, outcome FROM steps WHERE outcome IS NOT NULL").fetchall() == [
        (0, "done"), (1, "done")]  # fmt: skip
    other.close()
    assert store.sessions()[0].outcome == "running"  # this very process
    r.close()


def test_without_step_end_events_the_next_step_ends_the_last(store: HistoryStore) -> None:
    r = recorder(store)
    for event in [ev(0, "state", state="running"), step(0, 0), step(4, 1),
                  ev(10, "state", state="paused"), ev(12, "state", state="running"),
                  step(30, 3), ev(40, "state", state="stopped")]:  # fmt: skip
        r(event)
    r.close()
    assert rows(store, "SELECT idx, actual_seconds, outcome FROM steps ORDER BY idx") == [
        (0, 4.0, "done"), (1, 24.0, "done"), (2, None, "missed"), (3, 10.0, "skipped"),
        (4, None, None)]  # fmt: skip
    [record] = store.sessions()
    assert (record.outcome, record.exercises_done, record.paused_seconds) == ("stopped", 1, 2.0)


def test_nothing_is_written_before_the_session_runs(store: HistoryStore) -> None:
    r = recorder(store)
    r(ev(0, "state", state="idle"))
    r.close()
    assert store.count() == 0


def test_a_session_that_ends_without_its_last_state_is_stopped(store: HistoryStore) -> None:
    r = recorder(store)
    for event in SCRIPT[:6]:
        r(event)
    r.close()
    [record] = store.sessions()
    assert (record.outcome, record.ended) == ("stopped", WALL + 10.0)


def test_the_runtime_never_waits_for_the_disk(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = store.record

    def slow(session: int, boundary: Boundary) -> None:
        time.sleep(0.1)
        real(session, boundary)

    monkeypatch.setattr(store, "record", slow)
    r = recorder(store)
    took = time.perf_counter()
    for event in SCRIPT:
        r(event)
    took = time.perf_counter() - took
    assert took < 0.1  # six slow boundaries are 0.6 s
    r.close()
    assert store.sessions()[0].outcome == "finished"


def test_a_full_disk_gives_one_warning_and_the_session_goes_on(
    store: HistoryStore, warnings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def full(session: int, boundary: Boundary) -> None:
        calls.append(boundary)
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "record", full)
    r = recorder(store)
    for event in SCRIPT:
        r(event)
    r.close()
    assert r.failed and len(calls) == 1
    assert len(warnings) == 1
    assert "database or disk is full" in warnings[0] and "not recorded" in warnings[0]
    [record] = store.sessions()  # what was committed before stays
    assert record.outcome == "running"


def test_a_really_full_file_gives_one_warning(store: HistoryStore, warnings: list[str]) -> None:
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(sqlite3.OperationalError, match="full"):
        for _ in range(1000):
            store.begin(start())
    # A row larger than a page needs a new one: there are none left.
    r = HistoryRecorder(store, routine(exercise(), name="Legs " * 2000), STEPS, simulated=False)
    for event in SCRIPT:
        r(event)
    r.close()
    assert r.failed
    assert len(warnings) == 1 and "full" in warnings[0]


def test_a_whole_session_on_the_virtual_clock(store: HistoryStore) -> None:
    r_ = routine(exercise("Knee to chest", seconds=10.0, sides=("left", "right")),
                 exercise("Reach", seconds=8.0), name="Legs")  # fmt: skip
    run = make_run(r_)
    rec = HistoryRecorder.for_session(store, r_, run.plan, simulated=True)
    run.runtime.listeners.append(rec)
    run.gesture_at(5.0, "press")  # pause
    run.gesture_at(9.0, "press")  # and carry on
    assert run.go() == "finished"
    rec.close()
    [record] = store.sessions()
    assert (record.outcome, record.simulated, record.exercises_done, record.exercises_total) == (
        "finished", True, 2, 2)  # fmt: skip
    end = run.states()[-1][0]
    assert record.ended is not None
    assert record.ended - record.started == pytest.approx(end)
    assert record.paused_seconds == pytest.approx(record.ended - record.started - record.seconds)
    assert record.paused_seconds > 0
    outcomes = rows(store, "SELECT outcome FROM steps")
    assert outcomes == [("done",)] * len(run.plan.steps)


def test_a_session_stopped_on_the_virtual_clock(store: HistoryStore) -> None:
    r_ = routine(exercise("Knee to chest", seconds=30.0), exercise("Reach"), name="Legs")
    run = make_run(r_)
    rec = HistoryRecorder.for_session(store, r_, run.plan, simulated=True)
    run.runtime.listeners.append(rec)
    run.gesture_at(12.0, "stop")
    assert run.go() == "stopped"
    rec.close()
    [record] = store.sessions()
    assert record.outcome == "stopped" and record.exercises_done == 0


def test_the_routine_is_named_by_slug_in_the_library_else_by_path(tmp_path: Path) -> None:
    bundled = load_routine(library.resolve("quick-demo"))
    assert routine_reference(bundled, Library()) == "quick-demo"
    copy = tmp_path / "quick-demo.yaml"
    copy.write_bytes(Path(bundled.source).read_bytes())
    elsewhere = load_routine(copy)
    assert routine_reference(elsewhere, Library()) == str(copy.resolve())
    assert file_sha256(str(copy)) == file_sha256(bundled.source) is not None
    assert file_sha256(str(tmp_path / "gone.yaml")) is None


KILLED = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from coach.history.recorder import HistoryRecorder
    from coach.history.store import HistoryStore
    from tests.conftest import exercise, make_run, routine

    r = routine(exercise("Knee to chest", seconds=10.0), exercise("Reach", seconds=10.0),
                exercise("Twist", seconds=10.0), name="Legs")
    run = make_run(r)
    store = HistoryStore.open(Path(sys.argv[1]), print)
    run.runtime.listeners.append(HistoryRecorder.for_session(store, r, run.plan, True))

    def stall(event):
        data = event.data
        if event.type == "step" and data["kind"] == "hold" and data["exercise"] == "Reach":
            print(data["index"], flush=True)
            time.sleep(60)  # the power goes here

    run.runtime.listeners.append(stall)
    run.go()
    """
).format(root=str(Path(__file__).resolve().parent.parent))


def test_a_session_killed_mid_way_keeps_every_step_before_and_is_interrupted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.sqlite3"
    child = subprocess.Popen([sys.executable, "-c", KILLED, str(path)], stdout=subprocess.PIPE,
                             text=True)  # fmt: skip
    try:
        assert child.stdout is not None
        index = int(child.stdout.readline())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the writer thread commits the boundary
            with contextlib.closing(sqlite3.connect(path)) as db:
                if db.execute("SELECT step_index FROM sessions").fetchone() == (index,):
                    break
            time.sleep(0.01)
    finally:
        child.kill()
        child.wait()
    store = HistoryStore.open(path, print)
    [record] = store.sessions()
    assert (record.outcome, record.simulated, record.step_index) == ("interrupted", True, index)
    assert [e.done for e in record.exercises] == [True, False, False]
    assert rows(
        store, "SELECT count(*) FROM steps WHERE outcome IS NULL AND idx < ?", (index,)
    ) == [(0,)]
    found = store.latest_interrupted(6)
    assert found is not None
    assert (found.exercise_number, found.exercise, found.step_index) == (2, "Reach", index)
    store.close()


def test_an_event_it_cannot_read_gives_one_warning(
    store: HistoryStore, warnings: list[str]
) -> None:
    r = recorder(store)
    r(ev(0, "state", state="running"))
    r(ev(1, "step", kind="hold"))  # no index
    r(ev(2, "step", index=1))
    r.close()
    assert r.failed and len(warnings) == 1 and "cannot read" in warnings[0]
    assert store.sessions()[0].outcome == "running"


def test_a_carried_on_session_records_the_pain_before_it_carries(store: HistoryStore) -> None:
    rec = recorder(store, resumed_from=None, pain_before=2)
    for event in [
        ev(0.0, "state", state="running"),
        step(0.0, 1),
        ev(20.0, "step_end", index=1, outcome="done"),
        ev(20.0, "pain", moment="after", value=5),
        step(20.0, 4),
        ev(23.0, "state", state="finished"),
    ]:
        rec(event)
    rec.close()
    [record] = store.sessions()
    assert (record.pain_before, record.pain_after, record.flagged) == (2, 5, True)
    assert record.seconds == 23.0


def test_the_pain_before_carried_is_kept_when_cut_off_before_a_step(
    store: HistoryStore,
) -> None:
    rec = recorder(store, pain_before=6)
    rec(ev(0.0, "state", state="running"))
    rec.wait()  # then the process dies: no close
    row = store.db.execute("SELECT pain_before FROM sessions").fetchone()
    assert row[0] == 6
    rec.close()
