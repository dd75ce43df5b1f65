"""Wiring: clock, voice, pins, terminal and the runtime, and a session on them.

This is the only place that picks adapters; everything it wires is passed in
to the runtime, so tests build the same session with a virtual clock, a
recording voice and mock pins.
"""

from __future__ import annotations

import os
import queue
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from coach.adherence import adherence_line, closing_line
from coach.clock import Clock, SystemClock, VirtualClock
from coach.errors import HardwareError, NothingToCarryOn, RoutineError, RoutineNotFound
from coach.events import Item, Listener, NewPlan, State
from coach.gestures import Gesture
from coach.hardware.button import ButtonSource, SimulatedPress
from coach.hardware.gpio import check_pins, mock_factory
from coach.hardware.indicators import StatusLed, TonePlayer
from coach.hardware.terminal import KEY_HELP, Console, is_interactive, read_keys, status_text
from coach.history import open_history
from coach.loader import load_routine
from coach.plan import Plan, compile_plan
from coach.routine import Routine
from coach.runtime import Mode, Runtime
from coach.session import AfterSession, SessionMode
from coach.settings import Settings
from coach.speech.setup import make_voice, start_session
from coach.voice import Voice, estimate_seconds

if TYPE_CHECKING:
    from coach.history.recorder import HistoryRecorder
    from coach.history.store import HistoryStore


#: How long the last phrase ("Session ended.") may play out after the end.
LAST_PHRASE_SECONDS = 4.0
#: An instant run with no scripted presses presses the button itself this
#: long into each wait for it.
SELF_PRESS_SECONDS = 2.0


@dataclass(frozen=True)
class ScriptedPress:
    """``--press-at T:GESTURE``: a gesture ``at_seconds`` after the session starts."""

    at_seconds: float
    gesture: Gesture


@dataclass
class RunOptions:
    """How this run goes, as opposed to the settings: simulation, script, where output goes.

    :param simulate: gpiozero mock pins for the button, LED and buzzer.
    :param instant: run on a virtual clock, as fast as possible.
    :param wait_for_press: a session starts idle and waits for a press.
    :param presses: scripted presses, relative to the run's start.
    :param speech_out: print what is said to this stream; ``None`` keeps quiet.
    :param listeners: called with every event (the transcript writer, a test).
    :param keys_in: where keys are read from in a live simulated session.
    :param warn: where warnings (no sound device, no speech engine) go.
    :param cache_dir: where rendered phrases are kept; default the user's cache.
    :param player_command: the audio player's command line; default ``aplay``.
    :param start_at: an instant run's date and time at its start, epoch
        seconds; default now.
    """

    simulate: bool = False
    instant: bool = False
    wait_for_press: bool = False
    presses: list[ScriptedPress] = field(default_factory=list)
    speech_out: TextIO | None = None
    listeners: list[Listener] = field(default_factory=list)
    keys_in: TextIO | None = None
    warn: Callable[[str], None] = field(default=lambda _message: None)
    cache_dir: Path | None = None
    player_command: tuple[str, ...] | None = None
    start_at: float | None = None


@dataclass
class Rig:
    """What a session or the device runs on: clock, voice, pins, terminal and the runtime.

    Built once by :func:`build_rig`; the device keeps one rig for all the
    sessions it runs, so its button, LED and speech cache stay put.

    :param settings: what the box is set up with.
    :param options: how this run goes.
    :param clock: the clock everything runs on.
    :param voice: says the cues.
    :param runtime: the loop that runs the modes.
    :param button: the button, on real or mock pins.
    :param simulator: presses the mock button; ``None`` on real pins.
    :param console: prints what is said and the status line; ``None`` when quiet.
    :param indicators: the status LED and the buzzer, those that are fitted.
    :param history: where sessions are recorded; ``None`` when history is off
        or cannot be written here.
    """

    settings: Settings
    options: RunOptions
    clock: Clock
    voice: Voice
    runtime: Runtime
    button: ButtonSource
    simulator: SimulatedPress | None
    console: Console | None
    indicators: list[StatusLed | TonePlayer]
    history: HistoryStore | None = None
    _recorders: list[HistoryRecorder] = field(default_factory=list)

    @property
    def tones(self) -> bool:
        """Whether tones go with the cues."""
        return self.settings.tones

    @property
    def count(self) -> str:
        """How much is counted aloud: the ``count`` setting."""
        return self.settings.count

    def session_mode(
        self,
        plan: Plan,
        after: AfterSession | None = None,
        wait_for_press: bool = False,
        *,
        start_number: int | None = None,
        closing_extra: Callable[[], str | None] | None = None,
        pain_before: int | None = None,
        hurts_before: int = 0,
    ) -> SessionMode:
        """A session of ``plan`` set up as the settings say (how long pauses may be).

        ``start_number``, ``closing_extra``, ``pain_before`` and ``hurts_before``
        are :class:`SessionMode`'s own.
        """
        return SessionMode(
            plan,
            wait_for_press=wait_for_press,
            after=after,
            pause_restart_seconds=self.settings.pause_restart_seconds,
            pause_end_minutes=self.settings.pause_end_minutes,
            count=self.settings.count,
            start_number=start_number,
            closing_extra=closing_extra,
            pain_before=pain_before,
            hurts_before=hurts_before,
        )

    def quit(self) -> None:
        """End whatever runs at once; safe from any thread and from signal handlers."""
        self.runtime.quit()

    def start_script(self) -> float:
        """Set the time zero and place the scripted presses relative to it."""
        origin = self.clock.now()
        if self.simulator is not None:
            for press in self.options.presses:
                self.simulator.gesture_at(origin + press.at_seconds, press.gesture)
        return origin

    def start_speech(self, routine: Routine, session: SessionMode) -> None:
        """Give ``session`` the plan to start with; the rest renders in the background.

        When the rest is in, the plan laid out again with real lengths reaches
        the session through the runtime's queue, unless it has ended by then.
        """

        def post_plan(plan: Plan) -> None:
            if not session.ended:
                self.runtime.post(NewPlan(plan))

        session.plan = start_session(
            routine, self.voice, self.tones, self.options.instant, post_plan, count=self.count
        )

    def run(self, mode: Mode, status: Callable[[], str]) -> None:
        """Run ``mode`` on the runtime until no mode is left.

        An instant run loops in this thread; a live one loops on its own
        thread while this one reads keys (in a simulation on a terminal).
        Either way SIGINT, SIGTERM and SIGHUP become a clean quit. ``status``
        gives the terminal's status line.
        """
        origin = self.start_script()
        with _quit_on_signals(self.quit):
            if self.options.instant:
                self.runtime.run(mode, origin)
            else:
                self._run_live(lambda: self.runtime.run(mode, origin), status)

    def _run_live(self, target: Callable[[], object], status: Callable[[], str]) -> None:
        errors: list[BaseException] = []

        ended_r, ended_w = os.pipe()

        def work() -> None:
            try:
                target()
            except BaseException as exc:  # re-raised in the calling thread
                errors.append(exc)
                self.voice.stop()
            finally:
                os.write(ended_w, b"x")

        worker = threading.Thread(target=work, name="coach-runtime", daemon=True)
        done = threading.Event()
        keys = self.options.keys_in
        interactive = self.simulator is not None and keys is not None and is_interactive(keys)
        if interactive and self.console is not None:
            self.console.line(KEY_HELP)
        try:
            worker.start()
            if interactive:
                assert keys is not None
                self._keyboard(keys, worker, done, status)
            _wait_for(ended_r)
            worker.join()
        finally:
            os.close(ended_r)
            os.close(ended_w)
        done.set()
        if errors:
            raise errors[0]

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

    # -- the history ---------------------------------------------------------------

    def record(
        self, routine: Routine, session: SessionMode, resumed_from: int | None = None
    ) -> HistoryRecorder | None:
        """Record ``session`` of ``routine`` in the history as it runs; ``None`` when off.

        :param resumed_from: the interrupted session it carries on, if it does.
        """
        if self.history is None:
            return None
        from coach.history.recorder import HistoryRecorder

        recorder = HistoryRecorder.for_session(
            self.history,
            routine,
            session.plan,
            simulated=self.options.simulate,
            resumed_from=resumed_from,
            library=self.settings.library,
            warn=self.options.warn,
            wall=self.clock.wall,
            pain_before=session.pain_before,
        )
        self.runtime.listeners.append(recorder)
        self._recorders.append(recorder)
        return recorder

    def stop_recording(self) -> None:
        """Finish the recordings under way: their last rows are written when this returns."""
        for recorder in self._recorders:
            recorder.close()
            self.runtime.listeners.remove(recorder)
        self._recorders.clear()

    def session_days(self) -> list[date]:
        """The day of every recorded session (today's under way included); none without history.

        A simulated run counts simulated sessions too; the box counts only real ones.
        """
        if self.history is None:
            return []
        for recorder in self._recorders:
            recorder.wait()  # today's session must be in before the days are counted
        return self.history.session_days(simulated=self.options.simulate)

    def last_session_started(self) -> float | None:
        """When the last recorded session started, epoch seconds; ``None``: none, or no history."""
        if self.history is None:
            return None
        return self.history.last_started(simulated=self.options.simulate)

    def sessions_today(self, routine: Routine) -> int | None:
        """The sessions of ``routine`` finished today, the one under way included (as it is
        finishing); ``None`` without history or a recording of it.

        A simulated run counts simulated sessions too; the box counts only real ones.
        """
        if self.history is None:
            return None
        recorder = next((r for r in reversed(self._recorders) if r.routine is routine), None)
        if recorder is None:
            return None
        recorder.wait()  # its row must be in before the sessions are counted
        today = datetime.fromtimestamp(self.clock.wall()).date()
        days = self.history.finished_days(
            recorder.reference, simulated=self.options.simulate, excluding=recorder.session_id
        )
        return days.count(today) + 1

    def closing_line(self, routine: Routine | None = None) -> str | None:
        """The line after a finished session's summary: "That is three days in a row.", or
        with a routine that prescribes sessions a day "That was your second of three
        sessions today." (see :func:`coach.adherence.closing_line`).
        """
        days = self.session_days if self.history is not None else None
        return spoken_closing(self, days, routine)

    def close(self, let_last_phrase_finish: bool = True) -> None:
        """Release everything: the voice (after its last phrase, if asked), pins, threads,
        the history (its last rows written).
        """
        self.stop_recording()
        if self.history is not None:
            self.history.close()
            self.history = None
        if let_last_phrase_finish:
            self.voice.drain(LAST_PHRASE_SECONDS)  # let "Session ended." be heard
        self.voice.close()
        for indicator in self.indicators:
            indicator.close()
        self.button.close()
        if isinstance(self.clock, SystemClock):
            self.clock.close()
        if self.console is not None:
            self.console.close()


@dataclass
class Session:
    """One routine on a rig: built by :func:`build_session`, run by :meth:`run`.

    :param routine: the routine to run.
    :param rig: what it runs on; released when the session ends.
    :param mode: the session itself, as a mode of the rig's runtime.
    :param resumed_from: the interrupted session it carries on, for the history.

    ::

        session = build_session(routine, Settings.from_values(), RunOptions(instant=True))
        session.run()  # 'finished'
    """

    routine: Routine
    rig: Rig
    mode: SessionMode
    resumed_from: int | None = None
    _pressed_for_them: bool = field(default=False, init=False)

    @property
    def plan(self) -> Plan:
        """The plan the session runs (laid out again with real lengths as they come in)."""
        return self.mode.plan

    @property
    def clock(self) -> Clock:
        """The rig's clock, which the session's times are on."""
        return self.rig.clock

    @property
    def button(self) -> ButtonSource:
        """The rig's button."""
        return self.rig.button

    def run(self) -> State:
        """Run the session to its end and release the rig; returns how it ended."""
        mode = self.mode
        rig = self.rig
        if rig.options.instant and not rig.options.presses and rig.simulator is not None:
            rig.runtime.on_script_end = self._press_for_them
        try:
            self.rig.start_speech(self.routine, mode)
            self.rig.record(self.routine, mode, self.resumed_from)
            self.rig.run(mode, lambda: status_text(mode.status, self.clock.now()))
        finally:
            self.close()
        return mode.state

    def _press_for_them(self) -> bool:
        """With nothing scripted, a wait for the button is answered by a press of the run's own."""
        simulator = self.rig.simulator
        if self.mode.ended or simulator is None:
            return False
        if not self._pressed_for_them:
            self._pressed_for_them = True
            self.rig.options.warn(
                f"no presses are scripted: the button is pressed {SELF_PRESS_SECONDS:g} s "
                "into each wait for it (script your own with --press-at T:press)"
            )
        simulator.gesture_at(self.clock.now() + SELF_PRESS_SECONDS, "press")
        return True

    def close(self) -> None:
        """Release the rig; the last phrase plays out unless the session was quit."""
        self.rig.close(let_last_phrase_finish=not self.rig.runtime.quit_requested)


def default_clock(options: RunOptions) -> Clock:
    """The clock a run has unless it is given one: a virtual clock for an instant run
    (its wall time from ``options.start_at``, default now), else the system clock.
    """
    if options.instant:
        start_at = options.start_at
        return VirtualClock(wall=time.time() if start_at is None else start_at)
    return SystemClock()


def build_rig(
    settings: Settings,
    options: RunOptions | None = None,
    routine: Routine | None = None,
    voice: Voice | None = None,
    clock: Clock | None = None,
) -> Rig:
    """Claim the pins and build the voice and the runtime; nothing stays claimed on a failure.

    :param settings: pins, thresholds, speech: what the box is set up with.
    :param options: how this run goes; default a live run on real pins.
    :param routine: the routine about to run, if one is (it may turn speech off).
    :param voice: a voice to use instead of the one ``settings`` describe.
    :param clock: a clock to use; default a virtual clock for instant runs,
        else the system clock.
    :raises HardwareError: when a pin cannot be had.
    :raises SettingsError: when two parts are set to one pin.
    :raises ValueError: when the thresholds are out of order.
    """
    options = options or RunOptions()
    thresholds = settings.thresholds
    if settings.button_pin is None:
        raise HardwareError("the button needs a pin", "set button_pin (--button-pin N, BCM)")
    check_pins(settings.pins)
    simulate = options.simulate or options.instant
    if clock is None:
        clock = default_clock(options)
    runtimes: list[Runtime] = []  # the printer needs the run's time zero
    console = None
    printer: Callable[[str], None] | None = None
    if options.speech_out is not None:
        live = not options.instant and is_interactive(options.speech_out)
        console = Console(options.speech_out, live=live)
        printer = lambda text: _print_said(console, runtimes, text)  # noqa: E731
    warn = options.warn
    if console is not None and console.live:
        # Keep warnings from tearing through the status line.
        warn = lambda message: console.line(f"coach: {message}")  # noqa: E731
    if voice is None:
        voice = make_voice(
            settings,
            printer,
            warn,
            routine,
            instant=options.instant,
            cache_dir=options.cache_dir,
            player_command=options.player_command,
        )
    events: queue.Queue[Item] = queue.Queue()
    factory = mock_factory() if simulate else None
    claimed: list[Any] = []
    try:
        button = ButtonSource(settings.button_pin, events.put, clock.now, factory)
        claimed.append(button)
        indicators: list[StatusLed | TonePlayer] = []
        if settings.led_pin is not None:
            indicators.append(StatusLed(settings.led_pin, clock, factory))
            claimed.append(indicators[-1])
        if settings.buzzer_pin is not None:
            passive = settings.buzzer_type == "passive"
            indicators.append(TonePlayer(settings.buzzer_pin, clock, passive, factory))
    except BaseException:
        for device in claimed:
            device.close()
        voice.close()  # its renderer thread and player must not outlive a failed start
        raise
    simulator = None
    if factory is not None:
        simulator = SimulatedPress(factory, settings.button_pin, clock, thresholds)
    runtime = Runtime(
        clock,
        voice,
        thresholds,
        [*options.listeners, *indicators],
        tones=settings.tones,
        events=events,
    )
    runtimes.append(runtime)
    history = open_history(settings, warn)
    return Rig(
        settings, options, clock, voice, runtime, button, simulator, console, indicators, history
    )


def build_session(
    routine: Routine,
    settings: Settings,
    options: RunOptions | None = None,
    voice: Voice | None = None,
    clock: Clock | None = None,
    start_number: int | None = None,
    resumed_from: int | None = None,
    pain_before: int | None = None,
    hurts_before: int = 0,
) -> Session:
    """A rig with a session of ``routine`` on it, ready to :meth:`~Session.run`.

    :param start_number: start at this exercise (carrying on after a power cut).
    :param resumed_from: the interrupted session it carries on, for the history.
    :param pain_before: the interrupted session's pain before, carrying on.
    :param hurts_before: the interrupted session's "hurt" answers, carrying on.
    """
    routine = settings.check_ins(routine)
    rig = build_rig(settings, options, routine, voice, clock)
    plan = compile_plan(routine, rig.voice.duration, rig.tones, rig.count)
    mode = rig.session_mode(
        plan,
        wait_for_press=rig.options.wait_for_press,
        start_number=start_number,
        closing_extra=lambda: rig.closing_line(routine),
        pain_before=pain_before,
        hurts_before=hurts_before,
    )
    return Session(routine, rig, mode, resumed_from)


def build_carried_on_session(
    settings: Settings,
    options: RunOptions | None = None,
    voice: Voice | None = None,
    clock: Clock | None = None,
) -> Session:
    """A session that carries on the last one, cut off by a power cut or a crash,
    from the beginning of the exercise it was in (``coach run --resume``).

    :raises NothingToCarryOn: when there is none, with the reason.
    """
    from coach.history.carry import find_carry_on

    options = options or RunOptions()
    store = open_history(settings, options.warn)
    if store is None:
        raise NothingToCarryOn("there is no history to carry on from (the history setting is off)")
    library = settings.library

    def routine_of(reference: str) -> Routine | None:
        try:
            return load_routine(library.resolve(reference))
        except (RoutineError, RoutineNotFound):
            return None

    def plan_of(routine: Routine) -> Plan:
        routine = settings.check_ins(routine)
        return compile_plan(routine, estimate_seconds, settings.tones, settings.count)

    clock = clock or default_clock(options)
    try:
        found = find_carry_on(store, settings.resume_hours, clock.wall(), routine_of, plan_of)
    finally:
        store.close()
    return build_session(
        found.routine,
        settings,
        options,
        voice,
        clock,
        found.number,
        found.session_id,
        pain_before=found.pain_before,
        hurts_before=found.hurts_before,
    )


def spoken_adherence(
    clock: Clock, days: Callable[[], Sequence[date]] | None, at_end: bool
) -> str | None:
    """The adherence line to say now (see :func:`coach.adherence.adherence_line`).

    Nothing without the days of past sessions, or while the clock is not
    synchronised: until then today's date is not known.
    """
    if days is None or not clock.synchronised():
        return None
    today = datetime.fromtimestamp(clock.wall()).date()
    return adherence_line(days(), today, at_end)


def spoken_closing(
    rig: Rig, days: Callable[[], Sequence[date]] | None, routine: Routine | None
) -> str | None:
    """The line after the summary of a finished session of ``routine`` on ``rig``.

    Nothing without the days of past sessions, or while the clock is not
    synchronised (as for :func:`spoken_adherence`).
    """
    if days is None or not rig.clock.synchronised():
        return None
    today = datetime.fromtimestamp(rig.clock.wall()).date()
    times = routine.times_a_day if routine is not None else None
    done = rig.sessions_today(routine) if routine is not None and times is not None else None
    return closing_line(days(), today, times, done)


def _print_said(console: Console, runtimes: list[Runtime], text: str) -> None:
    # Rounded first: 959.99999 s is "[16:00.0]", not "[15:60.0]".
    minutes, seconds = divmod(round(runtimes[0].elapsed() if runtimes else 0.0, 1), 60)
    console.line(f"[{int(minutes):02d}:{seconds:04.1f}] {text}")


@contextmanager
def _quit_on_signals(quit_: Callable[[], None]) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP end the run cleanly instead of killing it mid-phrase.

    SIGHUP comes when the terminal or the ssh session that started the coach
    closes: the player must not go on playing, and the transcript gets its end.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        quit_()

    saved: dict[signal.Signals, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        with suppress(ValueError, OSError):
            saved[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, previous in saved.items():
            signal.signal(sig, previous)


def _wait_for(ended: int) -> None:
    """Sleep until ``ended`` is readable, waking for signals whichever thread they hit.

    The kernel hands a signal to any thread of the process. A main thread
    blocked in a lock (a plain join) is not woken when another thread gets
    it, and the Python handler, which only ever runs in the main thread,
    would wait for ever. So the main thread waits in select() on the end of
    the run and on the signal wake-up pipe, which Python writes to whatever
    thread the signal hit: still no wake-ups while nothing happens.
    """
    if threading.current_thread() is not threading.main_thread():
        select.select([ended], [], [])
        return
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    previous = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    try:
        while ended not in select.select([ended, wake_r], [], [])[0]:
            os.read(wake_r, 512)  # the handlers run as select returns; ask again
    finally:
        signal.set_wakeup_fd(previous)
        os.close(wake_r)
        os.close(wake_w)


def default_keys() -> TextIO | None:
    """Standard input when it is a terminal, for keys to stand in for the button; else ``None``."""
    return sys.stdin if is_interactive(sys.stdin) else None
