"""Wiring one session: routine, plan, clock, voice, button and engine together.

This is the only place that picks adapters; everything it wires is passed in
to the engine, so tests build the same session with a virtual clock, a
recording voice and mock pins.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TextIO

from coach.clock import Clock, SystemClock, VirtualClock
from coach.engine import Engine, Listener, NewPlan, State
from coach.gestures import Gesture, Thresholds
from coach.hardware.button import DEFAULT_BUTTON_PIN, ButtonSource, SimulatedPress, mock_factory
from coach.hardware.terminal import KEY_HELP, Console, is_interactive, read_keys, status_text
from coach.plan import Plan, compile_plan
from coach.routine import Routine
from coach.speech.setup import AudioSettings, all_phrases, make_voice, settle_plan
from coach.speech.voice import SpeechVoice
from coach.voice import TextVoice, Voice

#: How long a session start waits for its first phrases to be rendered.
FIRST_STEP_WAIT_SECONDS = 30.0
#: How long the last phrase ("Session ended.") may play out after the end.
LAST_PHRASE_SECONDS = 4.0


@dataclass(frozen=True)
class ScriptedPress:
    """``--press-at T:GESTURE``: a gesture ``at_seconds`` after the session starts."""

    at_seconds: float
    gesture: Gesture


@dataclass
class SessionOptions:
    simulate: bool = False
    instant: bool = False
    wait_for_press: bool = False
    presses: list[ScriptedPress] = field(default_factory=list)
    thresholds: Thresholds = field(default_factory=Thresholds)
    button_pin: int = DEFAULT_BUTTON_PIN
    #: Print what is said (the text voice) to this stream; ``None`` keeps quiet.
    speech_out: TextIO | None = None
    listeners: list[Listener] = field(default_factory=list)
    #: Where keys are read from in a live simulated session.
    keys_in: TextIO | None = None
    #: Real speech and tones; ``None`` is the text voice.
    audio: AudioSettings | None = None
    #: Where warnings (no sound device, no speech engine) go.
    warn: Callable[[str], None] = field(default=lambda _message: None)


@dataclass
class Session:
    """A session ready to run: built by :func:`build_session`, run by :meth:`run`."""

    routine: Routine
    plan: Plan
    engine: Engine
    clock: Clock
    button: ButtonSource
    simulator: SimulatedPress | None
    options: SessionOptions
    console: Console | None = None

    def run(self) -> State:
        if isinstance(self.engine.voice, SpeechVoice):
            self._start_speech(self.engine.voice)
        started = self.clock.now()
        if self.simulator is not None:
            for press in self.options.presses:
                self.simulator.gesture_at(started + press.at_seconds, press.gesture)
        try:
            if self.options.instant:
                return self.engine.run(self.options.wait_for_press, started_at=started)
            return self._run_live(started)
        finally:
            self.close()

    def _run_live(self, started: float) -> State:
        result: list[State] = []
        errors: list[BaseException] = []

        def engine_thread() -> None:
            try:
                result.append(self.engine.run(self.options.wait_for_press, started_at=started))
            except BaseException as exc:  # re-raised in the calling thread
                errors.append(exc)
                self.engine.voice.stop()

        worker = threading.Thread(target=engine_thread, name="coach-engine", daemon=True)
        done = threading.Event()
        keys = self.options.keys_in
        interactive = self.simulator is not None and keys is not None and is_interactive(keys)
        if interactive and self.console is not None:
            self.console.line(KEY_HELP)
        with _quit_on_signals(self.engine.quit):
            worker.start()
            if interactive:
                assert keys is not None
                self._keyboard(keys, worker, done)
            while worker.is_alive():
                worker.join(0.2)
        done.set()
        if errors:
            raise errors[0]
        return result[0]

    def _keyboard(self, keys: TextIO, worker: threading.Thread, done: threading.Event) -> None:
        assert self.simulator is not None
        simulator = self.simulator
        console = self.console

        def tick() -> None:
            if not worker.is_alive():
                done.set()
            elif console is not None:
                console.status(status_text(self.engine.status, self.clock.now()))

        def on_gesture(gesture: str) -> None:
            simulator.gesture_now(gesture)  # type: ignore[arg-type]

        read_keys(keys, on_gesture, self.engine.quit, done, tick)

    def _start_speech(self, voice: SpeechVoice) -> None:
        """Render in plan order in the background; start once the first step is ready."""
        tones = self.tones
        if self.options.instant:
            # Virtual time outruns any renderer: render everything first, so
            # the session is timed exactly as 'coach preview' shows it.
            self.plan = self.engine.plan = settle_plan(self.routine, voice, tones)
            return
        voice.prepare(all_phrases(self.plan, tones))
        first = [(c.text, c.tone) for c in self.plan.steps[0].cues]
        voice.renderer.wait(first, FIRST_STEP_WAIT_SECONDS)
        # The first step now has its real lengths; the rest follow when rendered.
        self.plan = compile_plan(self.routine, voice.duration, tones)
        self.engine.plan = self.plan
        threading.Thread(
            target=self._settle, args=(voice,), name="coach-settle", daemon=True
        ).start()

    def _settle(self, voice: SpeechVoice) -> None:
        plan = settle_plan(self.routine, voice, self.tones)
        if self.engine.state not in ("finished", "stopped"):
            self.engine.post(NewPlan(plan))

    @property
    def tones(self) -> bool:
        return self.options.audio.tones if self.options.audio is not None else False

    def close(self) -> None:
        voice = self.engine.voice
        if isinstance(voice, SpeechVoice) and not self.engine.quit_requested:
            voice.player.wait(LAST_PHRASE_SECONDS)  # let "Session ended." be heard
        voice.close()
        self.button.close()
        if isinstance(self.clock, SystemClock):
            self.clock.close()
        if self.console is not None:
            self.console.close()


def build_session(
    routine: Routine,
    options: SessionOptions,
    voice: Voice | None = None,
    clock: Clock | None = None,
) -> Session:
    if clock is None:
        clock = VirtualClock() if options.instant else SystemClock()
    console = None
    engines: list[Engine] = []  # the printer needs the engine's session time
    printer: Callable[[str], None] | None = None
    if options.speech_out is not None:
        live = not options.instant and is_interactive(options.speech_out)
        console = Console(options.speech_out, live=live)
        printer = lambda text: _print_said(console, engines, text)  # noqa: E731
    warn = options.warn
    if console is not None and console.live:
        # Keep warnings from tearing through the status line.
        warn = lambda message: console.line(f"coach: {message}")  # noqa: E731
    if voice is None:
        if options.audio is not None:
            voice = make_voice(options.audio, printer, warn, routine)
        else:
            voice = TextVoice(printer=printer or (lambda _text: None))
    tones = options.audio.tones if options.audio is not None else False
    plan = compile_plan(routine, voice.duration, tones)
    engine = Engine(plan, clock, voice, options.thresholds, options.listeners, tones=tones)
    engines.append(engine)
    factory = mock_factory() if options.simulate else None
    try:
        button = ButtonSource(options.button_pin, engine.post, clock.now, factory)
    except BaseException:
        voice.close()  # its renderer thread and player must not outlive a failed start
        raise
    simulator = None
    if factory is not None:
        simulator = SimulatedPress(factory, options.button_pin, clock, options.thresholds)
    return Session(routine, plan, engine, clock, button, simulator, options, console)


def _print_said(console: Console, engines: list[Engine], text: str) -> None:
    minutes, seconds = divmod(engines[0].elapsed() if engines else 0.0, 60)
    console.line(f"[{int(minutes):02d}:{seconds:04.1f}] {text}")


@contextmanager
def _quit_on_signals(quit_: Callable[[], None]) -> Iterator[None]:
    """SIGINT and SIGTERM end the session cleanly instead of killing it mid-phrase."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        quit_()

    saved: dict[signal.Signals, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(ValueError, OSError):
            saved[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, previous in saved.items():
            signal.signal(sig, previous)


def default_keys() -> TextIO | None:
    return sys.stdin if is_interactive(sys.stdin) else None
