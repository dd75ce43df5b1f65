"""Benchmarks for the coach: speed of simulated runs, timing accuracy, memory.

    python benchmarks/bench.py            # a table
    python benchmarks/bench.py --json     # one JSON object
    python benchmarks/bench.py --quick    # only the instant runs (the rest takes minutes)

Metrics:
  instant_run_wall_seconds  median of 5 whole-process runs of
                            `coach run pinched-nerve-leg --simulate --instant`
  sim_speedup               routine seconds per wall second for that run
  peak_rss_mb               peak resident memory of that process (largest of the 5)
  timing_error_ms_max/p50   on the system clock, a routine of at least 60 s with
                            short holds and rests: |actual - planned| step start
  timing_error_ms_first/last  mean error of the first and last quarter of steps
                            (equal means no drift)
  prerender_seconds_pyttsx3 a cold cache: every phrase of the default routine
  prerender_seconds_piper   the same with Piper (when the piper extra is installed)
  late_renders              phrases not ready on cue in a whole session of the
                            default routine that starts with a cold cache
  cue_onset_ms_p50/p95      a whole session of the default routine with a warm
                            cache: from each cue's deadline (when the runtime
                            calls play()) to the first bytes of its file handed
                            to the player process (the player's on_started)
  stop_latency_ms_p95       from stop() to the player process that played gone
                            (killed and reaped), 40 times into a 30 s file
  button_reaction_ms_p95    system clock, mock pins: from the release edge of a
                            press during a hold to the engine paused and the
                            player stopped, over 200 presses
  idle_cpu_percent          `coach device --simulate` waiting in its menu for 30 s:
                            CPU time over wall time (after start-up)
  idle_cpu_percent_led      the same with the status LED breathing
  hold_cpu_percent          `coach run --simulate` during a 60 s hold
The two whole sessions run on the system clock sped up SESSION_SPEED times (a
12-minute routine in under a minute), which only makes them stricter: the
renderer keeps its real pace while the session runs faster. The player is
`aplay -D null` when aplay is installed, else tests/fake_player.py; the stop
latency always uses tests/fake_player.py, which plays in real time (`aplay -D
null` is done with any file at once, leaving nothing to stop). Both go
through the coach's own AudioPlayer, with its player process started ahead.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, TypeVar

from coach import library
from coach.clock import SystemClock
from coach.errors import SpeechUnavailable
from coach.events import Event
from coach.hardware.audio import AudioPlayer
from coach.loader import load_routine
from coach.plan import compile_plan
from coach.rig import RunOptions, build_session
from coach.routine import Exercise, Routine
from coach.runtime import Runtime
from coach.session import SessionMode
from coach.settings import Settings
from coach.speech import wavfile
from coach.speech.cache import PhraseCache
from coach.speech.renderer import Renderer
from coach.speech.setup import load_backend, settle_plan
from coach.speech.voice import SpeechVoice
from coach.voice import TextVoice, estimate_seconds

T = TypeVar("T")
SESSION_SPEED = 20.0
FAKE_PLAYER = (sys.executable, str(Path(__file__).parent.parent / "tests" / "fake_player.py"))

DEFAULT = "pinched-nerve-leg"


def instant_runs(count: int = 5) -> dict[str, float]:
    walls: list[float] = []
    peaks: list[float] = []
    command = [sys.executable, "-m", "coach", "run", DEFAULT, "--simulate", "--instant"]
    for _ in range(count):
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        walls.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"benchmark run failed: {' '.join(command)}")
        peaks.append(usage.ru_maxrss / 1024)  # kilobytes on Linux
    wall = statistics.median(walls)
    routine_seconds = compile_plan(
        load_routine(library.resolve(DEFAULT)), estimate_seconds
    ).total_seconds
    return {
        "instant_run_wall_seconds": round(wall, 3),
        "sim_speedup": round(routine_seconds / wall, 1),
        "peak_rss_mb": round(max(peaks), 1),
    }


def timing_routine() -> Routine:
    """About 70 s of short holds and rests: many step boundaries to drift across."""
    return Routine(
        name="Timing",
        exercises=(
            Exercise(
                "Quick holds",
                "hold",
                2.0,
                sides=("right", "left"),
                reps=6,
                rest_seconds=1.0,
                ready=1.0,
            ),
            Exercise("Quick bursts", "activity", 1.5, reps=8, rest_seconds=0.5),
        ),
    )


def timing_errors() -> dict[str, float]:
    clock = SystemClock()
    voice = TextVoice(printer=lambda _text: None)
    plan = compile_plan(timing_routine(), voice.duration)
    starts: list[float] = []

    def on_event(event: Event) -> None:
        if event.type == "step":
            starts.append(event.t)

    Runtime(clock, voice, listeners=[on_event]).run(SessionMode(plan))
    clock.close()
    errors = [abs(a - p) * 1000 for a, p in zip(starts, plan.starts())]
    quarter = max(1, len(errors) // 4)
    return {
        "timing_routine_seconds": round(plan.total_seconds, 1),
        "timing_steps": len(errors),
        "timing_error_ms_max": round(max(errors), 3),
        "timing_error_ms_p50": round(statistics.median(errors), 3),
        "timing_error_ms_first": round(statistics.mean(errors[:quarter]), 3),
        "timing_error_ms_last": round(statistics.mean(errors[-quarter:]), 3),
    }


class ScaledClock(SystemClock):
    """The system clock running ``speed`` times faster: deadlines become real ones sooner."""

    def __init__(self, speed: float) -> None:
        super().__init__()
        self.speed = speed
        self.origin = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self.origin) * self.speed

    def to_monotonic(self, t: float) -> float:
        return self.origin + t / self.speed

    def wait(self, events: queue.Queue[T], deadline: float | None) -> T | None:
        try:
            if deadline is None:
                return events.get()
            timeout = self.to_monotonic(deadline) - time.monotonic()
            if timeout <= 0:
                return events.get_nowait()
            return events.get(timeout=timeout)
        except queue.Empty:
            return None


def player_command() -> tuple[str, ...]:
    return ("aplay", "-q", "-D", "null") if shutil.which("aplay") else FAKE_PLAYER


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def speech_voice(
    backend: str,
    cache: Path,
    on_started: Any = None,
    command: tuple[str, ...] = FAKE_PLAYER,
    plays: bool = True,
) -> SpeechVoice:
    """A speaking voice built piece by piece, so its player and counters can be watched.

    Raises SpeechUnavailable when ``backend`` cannot be loaded here.
    """
    engine = load_backend(Settings.from_values(), backend)
    renderer = Renderer(engine, PhraseCache(cache, engine.identity()))
    player = AudioPlayer(command, on_started=on_started, ahead=plays)
    return SpeechVoice(renderer, player)


def speech_session(cache: Path) -> dict[str, float]:
    """One whole session of the default routine; cue onsets and late renders.

    A cue's onset runs from its deadline, when the runtime calls play(), to
    the first bytes of its file written to the player process.
    """
    routine = load_routine(library.resolve(DEFAULT))
    clock = ScaledClock(SESSION_SPEED)
    started: list[float] = []
    first_step: list[float] = []

    def on_event(event: Event) -> None:
        if event.type == "step" and not first_step:
            first_step.append(event.t)

    try:
        voice = speech_voice("pyttsx3", cache, started.append, player_command())
    except SpeechUnavailable as exc:
        raise SystemExit(f"pyttsx3 speech is not available here: {exc}") from exc
    options = RunOptions(simulate=True, cache_dir=cache, listeners=[on_event])
    session = build_session(routine, Settings.from_values(), options, voice=voice, clock=clock)
    session.run()
    # With no presses every cue's deadline is its step's planned start plus its
    # offset, counted from the moment the first step began (a little after the
    # run's zero: the runtime's thread has to start).
    plan = session.plan
    zero = session.rig.runtime.origin + first_step[0]
    deadlines = [
        zero + start + cue.offset_seconds
        for step, start in zip(plan.steps, plan.starts())
        for cue in step.cues
    ]
    onsets = [
        (m - clock.to_monotonic(due)) * 1000 for m, due in zip(started, deadlines, strict=True)
    ]
    return {
        "late_renders": voice.late_renders,
        "cue_onset_ms_p50": round(statistics.median(onsets), 3),
        "cue_onset_ms_p95": round(percentile(onsets, 0.95), 3),
    }


def prerender_seconds(backend: str, cache: Path) -> float:
    routine = load_routine(library.resolve(DEFAULT))
    started = time.perf_counter()
    try:
        voice = speech_voice(backend, cache, plays=False)
    except SpeechUnavailable as exc:
        raise RuntimeError(f"{backend} is not available") from exc
    settle_plan(routine, voice, tones=True)
    took = time.perf_counter() - started
    voice.close()
    return round(took, 3)


def stop_latencies(trials: int = 40) -> dict[str, float]:
    """From stop() to the player process gone: killed, and reaped by its watcher thread.

    wait() returns once every process that played is reaped, so stop() and
    wait() together take the stop latency (a little more: the wake-up of
    this thread). tests/fake_player.py plays in real time, as aplay does on
    a sound card.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.wav"
        wavfile.write(path, wavfile.Pcm(16000, wavfile.silence(16000, 30.0)))
        player = AudioPlayer(command=FAKE_PLAYER)
        took = []
        try:
            for _ in range(trials):
                player.ready(5.0)  # as in a session, where cues are further apart
                player.play(path)
                time.sleep(0.15)  # well into the phrase
                started = time.perf_counter()
                player.stop()
                player.wait(5.0)
                took.append((time.perf_counter() - started) * 1000)
        finally:
            player.close()
    return {"stop_latency_ms_p95": round(percentile(took, 0.95), 3)}


def speech_metrics() -> dict[str, Any]:
    results: dict[str, Any] = {"speech_player": " ".join(Path(p).name for p in player_command())}
    with tempfile.TemporaryDirectory() as folder:
        results["prerender_seconds_pyttsx3"] = prerender_seconds("pyttsx3", Path(folder) / "a")
        try:
            results["prerender_seconds_piper"] = prerender_seconds("piper", Path(folder) / "p")
        except RuntimeError:
            results["prerender_seconds_piper"] = None  # the piper extra is not installed
        cold = speech_session(Path(folder) / "cold")
        warm = speech_session(Path(folder) / "cold")  # the same cache, now full
    results["late_renders"] = cold["late_renders"]
    results["late_renders_warm"] = warm["late_renders"]
    results["cue_onset_ms_p50"] = warm["cue_onset_ms_p50"]
    results["cue_onset_ms_p95"] = warm["cue_onset_ms_p95"]
    results.update(stop_latencies())
    return results


def button_reactions(presses: int = 200) -> dict[str, float]:
    """Pause by a real edge on a mock pin, on the system clock, again and again."""
    routine = Routine("Reaction", (Exercise("Long hold", "hold", 3600.0, ready=0.0),))
    reactions: list[float] = []
    released: list[float] = []

    def on_event(event: Event) -> None:
        if event.type == "state" and event.data["state"] == "paused" and released:
            reactions.append((time.perf_counter() - released[-1]) * 1000)

    with tempfile.TemporaryDirectory() as folder:
        options = RunOptions(
            simulate=True,
            listeners=[on_event],
            cache_dir=Path(folder),
            player_command=FAKE_PLAYER,
        )
        session = build_session(routine, Settings.from_values(), options)
        pin = session.button.button.pin_factory.pin(session.rig.settings.button_pin)
        worker = threading.Thread(target=session.run)
        worker.start()
        time.sleep(1.0)  # into the hold

        def tap(measure: bool) -> None:
            pin.drive_low()
            time.sleep(0.05)
            if measure:
                released.append(time.perf_counter())
            pin.drive_high()
            time.sleep(0.05)

        for _ in range(presses):
            tap(measure=True)  # pause
            tap(measure=False)  # resume
        session.rig.quit()
        worker.join()
    return {"button_reaction_ms_p95": round(percentile(reactions, 0.95), 3)}


def cpu_percent(command: list[str], warm_up: float, seconds: float) -> float:
    """CPU time over wall time of a child process, after it has settled."""
    child = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(warm_up)
        cpu0, wall0 = _cpu_seconds(child.pid), time.monotonic()
        time.sleep(seconds)
        cpu1, wall1 = _cpu_seconds(child.pid), time.monotonic()
    finally:
        child.terminate()
        child.wait(10)
    return round(100 * (cpu1 - cpu0) / (wall1 - wall0), 3)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def device_metrics() -> dict[str, Any]:
    coach = [sys.executable, "-m", "coach"]
    with tempfile.TemporaryDirectory() as folder:
        env_note = os.environ.get("COACH_CONFIG")
        os.environ["COACH_CONFIG"] = str(Path(folder) / "none.yaml")  # defaults only
        try:
            hold = Path(folder) / "hold.yaml"
            hold.write_text(
                "name: Hold\nexercises:\n  - name: Hold\n    hold_seconds: 100\n    ready: 0\n"
            )
            device = [*coach, "device", "--simulate"]
            results = {
                "idle_cpu_percent": cpu_percent(device, 8.0, 30.0),
                "idle_cpu_percent_led": cpu_percent([*device, "--led-pin", "27"], 8.0, 30.0),
                # The hold begins after the spoken introduction (about 6 s).
                "hold_cpu_percent": cpu_percent(
                    [*coach, "run", str(hold), "--simulate"], 12.0, 60.0
                ),
            }
        finally:
            if env_note is None:
                os.environ.pop("COACH_CONFIG", None)
            else:
                os.environ["COACH_CONFIG"] = env_note
    results.update(button_reactions())
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--quick", action="store_true", help="only the instant runs (skip the timed sessions)"
    )
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    results.update(instant_runs())
    if not args.quick:
        results.update(timing_errors())
        results.update(speech_metrics())
        results.update(device_metrics())
    if args.json:
        print(json.dumps(results))
    else:
        width = max(len(k) for k in results)
        for key, value in results.items():
            print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
