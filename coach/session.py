"""Wiring: routine, plan, clock, voice, pins and engine together.

This is the only place that picks adapters; everything it wires is passed in
to the engine, so tests build the same session with a virtual clock, a
recording voice and mock pins.
"""

from __future__ import annotations

import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TextIO, TypeVar

from coach.clock import Clock, SystemClock, VirtualClock
from coach.engine import Engine, Listener, NewPlan, Quit, State
from coach.gestures import Edge, Gesture, Thresholds
from coach.hardware.button import DEFAULT_BUTTON_PIN, ButtonSource, SimulatedPress, mock_factory
from coach.hardware.indicators import StatusLed, TonePlayer, check_pins
from coach.hardware.terminal import KEY_HELP, Console, is_interactive, read_keys, status_text
from coach.plan import Plan, compile_plan
from coach.routine import Routine
from coach.speech.setup import AudioSettings, all_phrases, make_voice, settle_plan
from coach.speech.voice import SpeechVoice
from coach.voice import TextVoice, Voice

T = TypeVar("T")

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
    led_pin: int | None = None
    buzzer_pin: int | None = None
    buzzer_type: str = "active"
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
class Rig:
    """What a session or the device runs on: clock, voice, pins, the terminal.

    Built once by :func:`build_rig`; the device keeps one rig for all the
    sessions it runs, so its button, LED and speech cache stay put.
    """

    options: SessionOptions
    clock: Clock
    voice: Voice
    events: queue.Queue[Edge | Quit | NewPlan]
    button: ButtonSource
    simulator: SimulatedPress | None
    console: Console | None
    indicators: list[StatusLed | TonePlayer]
    origin: float = 0.0

    @property
    def listeners(self) -> list[Listener]:
        return [*self.options.listeners, *self.indicators]

    @property
    def tones(self) -> bool:
        return self.options.audio.tones if self.options.audio is not None else False

    def elapsed(self) -> float:
        return self.clock.now() - self.origin

    def quit(self) -> None:
        self.events.put(Quit())

    def start_script(self) -> float:
        """Set the time zero and place the scripted presses relative to it."""
        self.origin = self.clock.now()
        if self.simulator is not None:
            for press in self.options.presses:
                self.simulator.gesture_at(self.origin + press.at_seconds, press.gesture)
        return self.origin

    def run_live(self, target: Callable[[], T], status: Callable[[], str]) -> T:
        """Run ``target`` on its own thread while this one reads keys and signals."""
        result: list[T] = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                result.append(target())
            except BaseException as exc:  # re-raised in the calling thread
                errors.append(exc)
                self.voice.stop()

        worker = threading.Thread(target=work, name="coach-engine", daemon=True)
        done = threading.Event()
        keys = self.options.keys_in
        interactive = self.simulator is not None and keys is not None and is_interactive(keys)
        if interactive and self.console is not None:
            self.console.line(KEY_HELP)
        with _quit_on_signals(self.quit):
            worker.start()
            if interactive:
                assert keys is not None
                self._keyboard(keys, worker, done, status)
            # A plain join: it wakes for nothing but the end (signal handlers
            # still run, as lock waits are interrupted by signals).
            worker.join()
        done.set()
        if errors:
            raise errors[0]
        return result[0]

    def _keyboard(
        self,
        keys: TextIO,
        worker: threading.Thread,
        done: threading.Event,
        status: Callable[[], str],
    ) -> None:
        assert self.simulator is not None
        simulator = self.simulator
        console = self.console

        def tick() -> None:
            if not worker.is_alive():
                done.set()
            elif console is not None:
                console.status(status())

        def on_gesture(gesture: str) -> None:
            simulator.gesture_now(gesture)  # type: ignore[arg-type]

        read_keys(keys, on_gesture, self.quit, done, tick)

    def close(self, let_last_phrase_finish: bool = True) -> None:
        voice = self.voice
        if isinstance(voice, SpeechVoice) and let_last_phrase_finish:
            voice.player.wait(LAST_PHRASE_SECONDS)  # let "Session ended." be heard
        voice.close()
        for indicator in self.indicators:
            indicator.close()
        self.button.close()
        if isinstance(self.clock, SystemClock):
            self.clock.close()
        if self.console is not None:
            self.console.close()


@dataclass
class Session:
    """One routine on a rig: built by :func:`build_session`, run by :meth:`run`."""

    routine: Routine
    rig: Rig
    engine: Engine

    @property
    def plan(self) -> Plan:
        return self.engine.plan

    @property
    def clock(self) -> Clock:
        return self.rig.clock

    @property
    def button(self) -> ButtonSource:
        return self.rig.button

    def run(self) -> State:
        if isinstance(self.engine.voice, SpeechVoice):
            self._start_speech(self.engine.voice)
        started = self.rig.start_script()
        wait = self.rig.options.wait_for_press
        try:
            if self.rig.options.instant:
                return self.engine.run(wait, started_at=started)
            return self.rig.run_live(
                lambda: self.engine.run(wait, started_at=started),
                lambda: status_text(self.engine.status, self.clock.now()),
            )
        finally:
            self.close()

    def _start_speech(self, voice: SpeechVoice) -> None:
        self.engine.plan = start_speech(
            self.routine, self.engine, voice, self.rig.tones, self.rig.options.instant
        )

    def close(self) -> None:
        self.rig.close(let_last_phrase_finish=not self.engine.quit_requested)


def start_speech(
    routine: Routine, engine: Engine, voice: SpeechVoice, tones: bool, instant: bool
) -> Plan:
    """The plan to start with; renders in plan order in the background.

    The session starts once its first step is rendered; the rest of the plan
    is laid out again with real lengths when they are all in, and handed to
    the engine, which uses it for every step not begun yet.
    """
    if instant:
        # Virtual time outruns any renderer: render everything first, so the
        # session is timed exactly as 'coach preview' shows it.
        return settle_plan(routine, voice, tones)
    voice.renderer.prerender(all_phrases(engine.plan, tones), soon=True)
    first = [(c.text, c.tone) for c in engine.plan.steps[0].cues]
    voice.renderer.wait(first, FIRST_STEP_WAIT_SECONDS)

    def settle() -> None:
        plan = settle_plan(routine, voice, tones)
        if engine.state not in ("finished", "stopped"):
            engine.post(NewPlan(plan))

    threading.Thread(target=settle, name="coach-settle", daemon=True).start()
    return compile_plan(routine, voice.duration, tones)


def build_rig(
    options: SessionOptions,
    routine: Routine | None = None,
    voice: Voice | None = None,
    clock: Clock | None = None,
) -> Rig:
    """Claim the pins and build the voice; nothing is left claimed if any of it fails."""
    check_pins(
        {"button": options.button_pin, "status LED": options.led_pin, "buzzer": options.buzzer_pin}
    )
    if clock is None:
        clock = VirtualClock() if options.instant else SystemClock()
    rigs: list[Rig] = []  # the printer needs the rig's time zero
    console = None
    printer: Callable[[str], None] | None = None
    if options.speech_out is not None:
        live = not options.instant and is_interactive(options.speech_out)
        console = Console(options.speech_out, live=live)
        printer = lambda text: _print_said(console, rigs, text)  # noqa: E731
    warn = options.warn
    if console is not None and console.live:
        # Keep warnings from tearing through the status line.
        warn = lambda message: console.line(f"coach: {message}")  # noqa: E731
    if voice is None:
        if options.audio is not None:
            voice = make_voice(options.audio, printer, warn, routine)
        else:
            voice = TextVoice(printer=printer or (lambda _text: None))
    events: queue.Queue[Edge | Quit | NewPlan] = queue.Queue()
    factory = mock_factory() if options.simulate else None
    claimed: list[Any] = []
    try:
        button = ButtonSource(options.button_pin, events.put, clock.now, factory)
        claimed.append(button)
        indicators: list[StatusLed | TonePlayer] = []
        if options.led_pin is not None:
            indicators.append(StatusLed(options.led_pin, clock, factory))
            claimed.append(indicators[-1])
        if options.buzzer_pin is not None:
            passive = options.buzzer_type == "passive"
            indicators.append(TonePlayer(options.buzzer_pin, clock, passive, factory))
    except BaseException:
        for device in claimed:
            device.close()
        voice.close()  # its renderer thread and player must not outlive a failed start
        raise
    simulator = None
    if factory is not None:
        simulator = SimulatedPress(factory, options.button_pin, clock, options.thresholds)
    rig = Rig(options, clock, voice, events, button, simulator, console, indicators)
    rigs.append(rig)
    return rig


def build_session(
    routine: Routine,
    options: SessionOptions,
    voice: Voice | None = None,
    clock: Clock | None = None,
) -> Session:
    rig = build_rig(options, routine, voice, clock)
    plan = compile_plan(routine, rig.voice.duration, rig.tones)
    engine = Engine(
        plan,
        rig.clock,
        rig.voice,
        options.thresholds,
        rig.listeners,
        tones=rig.tones,
        events=rig.events,
    )
    return Session(routine, rig, engine)


def _print_said(console: Console, rigs: list[Rig], text: str) -> None:
    minutes, seconds = divmod(rigs[0].elapsed() if rigs else 0.0, 60)
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
