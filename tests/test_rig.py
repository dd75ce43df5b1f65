"""A whole session wired as the CLI wires it: gpiozero mock pins, virtual clock."""

from __future__ import annotations

import io
import os
import queue
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from coach.clock import SystemClock, VirtualClock
from coach.events import Event
from coach.gestures import Edge, Thresholds
from coach.hardware.button import ButtonSource, SimulatedPress
from coach.hardware.gpio import mock_factory
from coach.rig import RunOptions, ScriptedPress, build_session
from coach.settings import Settings
from coach.voice import RecordingVoice
from tests.conftest import exercise, routine

#: The text voice and no tones: timings in these tests read as speech alone.
TEXT = Settings.from_values(speech="text", tones=False)
TINY = routine(exercise("Reach", seconds=5.0, reps=2, rest_seconds=8.0, ready=3.0), name="Tiny")


def test_presses_travel_through_a_gpiozero_mock_pin() -> None:
    events: list[Event] = []
    options = RunOptions(
        instant=True,
        presses=[ScriptedPress(8.0, "press"), ScriptedPress(12.0, "press")],
        listeners=[events.append],
    )
    session = build_session(TINY, TEXT, options)
    pin = session.button.button.pin
    assert session.run() == "finished"
    # The gestures can only have come from the pin's edges through gpiozero's callbacks.
    gestures = [(e.to_json()["t"], e.data["gesture"]) for e in events if e.type == "gesture"]
    assert gestures == [(8.1, "press"), (12.1, "press")]
    assert pin.state == 1  # released, pulled up
    states = [(e.to_json()["t"], e.data["state"]) for e in events if e.type == "state"]
    assert states[:3] == [(0.0, "running"), (8.1, "paused"), (12.1, "running")]


def test_session_closes_its_pin_so_the_next_can_claim_it() -> None:
    options = RunOptions(instant=True)
    first = build_session(TINY, TEXT, options)
    first.run()
    assert first.button.button.closed
    second = build_session(TINY, TEXT, options)
    assert not second.button.button.closed
    second.close()


def test_text_voice_prints_with_session_times() -> None:
    out = io.StringIO()
    session = build_session(TINY, TEXT, RunOptions(instant=True, speech_out=out))
    session.run()
    lines = out.getvalue().splitlines()
    assert lines[:3] == [
        "[00:00.0] Tiny.",
        "[00:01.4] Exercise 1 of 1: Reach.",
        "[00:04.2] 3",
    ]


def test_a_given_voice_is_used_and_sets_the_plan_timing() -> None:
    clock_voice = RecordingVoice(lambda: 0.0, durations={"Tiny.": 3.0})
    session = build_session(TINY, TEXT, RunOptions(instant=True), voice=clock_voice)
    assert session.plan.steps[0].duration_seconds == 3.8  # 3.0 s of speech + the tail
    session.run()
    assert clock_voice.texts[0] == "Tiny."


def test_simulated_press_lengths_follow_the_thresholds() -> None:
    clock = VirtualClock()
    factory = mock_factory()
    thresholds = Thresholds(long_seconds=1.5, stop_seconds=4.0)
    edges: queue.Queue[Edge] = queue.Queue()
    button = ButtonSource(17, edges.put, clock.now, factory)
    press = SimulatedPress(factory, 17, clock, thresholds)
    press.gesture_at(1.0, "press")
    press.gesture_at(5.0, "long")
    press.gesture_at(10.0, "stop")
    clock.advance(20.0)
    got = []
    while not edges.empty():
        got.append(edges.get_nowait())
    assert got == [
        Edge(True, 1.0),
        Edge(False, 1.1),
        Edge(True, 5.0),
        Edge(False, pytest.approx(6.7)),  # type: ignore[arg-type]
        Edge(True, 10.0),
        Edge(False, pytest.approx(14.2)),  # type: ignore[arg-type]
    ]
    button.close()


def test_live_session_on_the_system_clock_can_be_quit() -> None:
    """The threaded path: the engine runs in its own thread and obeys a quit."""
    session = build_session(TINY, TEXT, RunOptions(simulate=True))
    assert isinstance(session.clock, SystemClock)
    session.clock.call_at(session.clock.now() + 0.05, session.rig.quit)
    assert session.run() == "stopped"


def test_scripted_presses_work_on_the_system_clock_too() -> None:
    events: list[Event] = []
    options = RunOptions(
        simulate=True,
        presses=[ScriptedPress(0.2, "press"), ScriptedPress(0.6, "stop")],
        listeners=[events.append],
    )
    session = build_session(TINY, TEXT.replace(long_seconds=0.2, stop_seconds=0.3), options)
    assert session.run() == "stopped"
    seen = [(e.type, e.data.get("gesture") or e.data.get("state")) for e in events]
    assert [s for s in seen if s[0] in ("gesture", "state")] == [
        ("state", "running"),
        ("gesture", "press"),
        ("state", "paused"),
        ("gesture", "stop"),
        ("state", "stopped"),
    ]
    pause = next(e for e in events if e.type == "state" and e.data["state"] == "paused")
    assert 0.3 <= pause.t < 0.6  # released 0.1 s after the press at 0.2


STEPS = routine(
    exercise("Reach", seconds=4.0, reps=2, rest_seconds=3.0, ready=3.0),
    exercise("Breathe", kind="activity", seconds=4.0),
    exercise("Squeeze", kind="button"),
    name="Steps",
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
@pytest.mark.parametrize("kind", ["announce", "ready", "hold", "rest", "activity", "wait"])
def test_a_signal_in_any_step_ends_the_session_cleanly(sig: signal.Signals, kind: str) -> None:
    events: list[Event] = []
    session = build_session(STEPS, TEXT, RunOptions(instant=True, listeners=[events.append]))
    plan = session.plan
    start = next(t for s, t in zip(plan.steps, plan.starts()) if s.kind == kind)
    at = start + 0.5
    session.clock.call_at(at, lambda: os.kill(os.getpid(), sig))
    previous = signal.getsignal(sig)
    assert session.run() == "stopped"
    assert signal.getsignal(sig) == previous  # the coach's handler is gone again
    stepped = [e.data["kind"] for e in events if e.type == "step"]
    assert stepped[-1] == kind
    last = events[-1]
    assert (last.type, last.data, last.t) == ("state", {"state": "stopped"}, at)
    assert session.button.button.closed


SIGNAL_TO_ANOTHER_THREAD = """
import signal, sys, threading
from coach.rig import RunOptions, build_session
from coach.settings import Settings
from tests.conftest import exercise, routine

session = build_session(
    routine(exercise("Long", seconds=600.0, ready=0.0)),
    Settings.from_values(speech="text"),
    RunOptions(simulate=True),
)

def hit_the_runtime_thread():
    worker = next(t for t in threading.enumerate() if t.name == "coach-runtime")
    signal.pthread_kill(worker.ident, signal.SIGTERM)

threading.Timer(0.5, hit_the_runtime_thread).start()
print(session.run())
"""


def test_a_signal_that_reaches_another_thread_still_ends_the_run() -> None:
    """The kernel may hand a signal to any thread; the main thread must still hear it."""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_TO_ANOTHER_THREAD],
        cwd=root, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "stopped"


def test_pause_settings_reach_the_session() -> None:
    settings = TEXT.replace(pause_restart_seconds=30.0, pause_end_minutes=2.0, count="tones")
    session = build_session(TINY, settings, RunOptions(instant=True))
    assert session.mode.pause_restart_seconds == 30.0
    assert session.mode.pause_end_seconds == 120.0
    assert session.mode.count == "tones"
    session.close()
