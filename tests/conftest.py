"""Shared helpers: small routines, and sessions on the virtual clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from coach.clock import VirtualClock
from coach.events import Event, State
from coach.gestures import Edge, Gesture, Thresholds
from coach.plan import Plan, compile_plan
from coach.routine import Exercise, Routine
from coach.runtime import Runtime
from coach.session import SessionMode
from coach.voice import RecordingVoice

if TYPE_CHECKING:
    from coach.speech.pyttsx3_backend import Pyttsx3Backend


def exercise(name: str = "Stretch", **fields: Any) -> Exercise:
    fields.setdefault("kind", "hold")
    fields.setdefault("seconds", 20.0 if fields["kind"] != "button" else None)
    return Exercise(name=name, **fields)


def routine(*exercises: Exercise, name: str = "Test", safety: str = "") -> Routine:
    return Routine(name=name, exercises=tuple(exercises), safety=safety)


@dataclass
class Run:
    """A session on the virtual clock with a recording voice."""

    plan: Plan
    clock: VirtualClock
    voice: RecordingVoice
    runtime: Runtime
    session: SessionMode
    events: list[Event] = field(default_factory=list)
    state: State | None = None

    def gesture_at(self, t: float, gesture: Gesture) -> None:
        hold = self.runtime.gestures.thresholds.nominal_hold_seconds(gesture)
        self.edge_at(t, True)
        self.edge_at(t + hold, False)

    def edge_at(self, t: float, pressed: bool) -> None:
        self.clock.call_at(t, lambda: self.runtime.post(Edge(pressed, self.clock.now())))

    def go(self, wait_for_press: bool = False) -> State:
        self.session.wait_for_press = wait_for_press
        self.runtime.run(self.session, origin=0.0)
        self.state = self.session.state
        return self.state

    def of(self, type_: str) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.events if e.type == type_]

    def said(self) -> list[tuple[float, str]]:
        return [(e["t"], e["text"]) for e in self.of("say")]

    def states(self) -> list[tuple[float, str]]:
        return [(e["t"], e["state"]) for e in self.of("state")]

    def steps(self) -> list[tuple[float, str]]:
        return [(e["t"], e["kind"]) for e in self.of("step")]


def make_run(r: Routine, thresholds: Thresholds | None = None, tones: bool = False) -> Run:
    """Tones are off unless asked for, so timings in tests read as speech alone."""
    clock = VirtualClock()
    voice = RecordingVoice(clock.now)
    plan = compile_plan(r, voice.duration, tones=tones)
    events: list[Event] = []
    runtime = Runtime(clock, voice, thresholds, [events.append], tones=tones)
    return Run(plan, clock, voice, runtime, SessionMode(plan), events)


@pytest.fixture(autouse=True)
def data_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder for every test: no test writes the history in the real home.

    Both variables point into it, so a test that clears ``COACH_...`` variables stays inside.
    """
    folder = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("COACH_DATA_DIR", str(folder / "voice-coach"))
    monkeypatch.setenv("XDG_DATA_HOME", str(folder / "xdg"))
    return folder / "voice-coach"


@pytest.fixture
def mock_pins() -> Iterator[None]:
    """Release every mock pin after a test, so the next one can claim GPIO17 again."""
    from gpiozero import Device

    yield
    if Device.pin_factory is not None:
        Device.pin_factory.reset()


@pytest.fixture(scope="module")
def backend() -> Iterator[Pyttsx3Backend]:
    """A real pyttsx3 (eSpeak NG) backend at the default settings, one per test module."""
    from coach.settings import Settings
    from coach.speech.pyttsx3_backend import Pyttsx3Backend

    b = Pyttsx3Backend(Settings.from_values())
    yield b
    b.close()


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The system's time zone is UTC for the test, so times of day are exact."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
