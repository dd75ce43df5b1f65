"""Benchmarks for the coach: speed of simulated runs, timing accuracy, memory.

    python benchmarks/bench.py            # a table
    python benchmarks/bench.py --json     # one JSON object
    python benchmarks/bench.py --quick    # instant runs, report, history writes (the rest: minutes)

Every measurement runs with the benchmark's own settings (none: the
defaults), speech cache and data folders, in a temporary folder.

Metrics:
  instant_run_wall_seconds  median of 5 whole-process runs of
                            `coach run pinched-nerve-leg --simulate --instant`
                            (start-up included: mostly Python's and the imports')
  instant_session_seconds   the session alone, in-process: the runtime's loop
                            over the whole default routine on the virtual clock
  sim_speedup               routine seconds per second of that loop
  peak_rss_mb               peak resident memory of that run with pyttsx3 speech
                            on (a warm cache), as a whole process
  peak_rss_mb_text          the same with the text voice (largest of the 5 runs)
  peak_rss_mb_piper         the same with Piper (when the piper extra is installed)
  timing_error_ms_max/p50   on the system clock, a routine of at least 60 s with
                            short holds and rests: |actual - planned| step start
  timing_error_ms_first/last  mean error of the first and last quarter of steps
                            (equal means no drift)
  prerender_seconds_pyttsx3 a cold cache: every phrase of the default routine
  prerender_seconds_piper   the same with Piper (when the piper extra is installed)
  late_renders              phrases not ready on cue in a whole session of the
                            default routine (its waits for the button and its
                            check-ins taken out, so that every cue falls at its
                            planned time) that starts with a cold cache
  cue_onset_ms_p50/p95      a whole session of that routine with a warm
                            cache: from each cue's deadline (when the runtime
                            calls play()) to the first bytes of its file handed
                            to the player process (the player's on_started)
  stop_latency_ms_p95       from stop() to the player process that played gone
                            (killed and reaped), 40 times into a 30 s file
  button_reaction_ms_p95    system clock, mock pins: from the release edge of a
                            press during a hold to the engine paused and the
                            player stopped, over 200 presses
  first_word_seconds        from starting `coach device --simulate` (pyttsx3, a
                            warm cache) to its first phrase handed to the player
  first_word_seconds_eighth_core  the same under a CPU quota of one eighth of a
                            core, about a Pi Zero 2 W (where a cgroup can be made)
  idle_wakeups_per_second   `coach device --simulate` waiting in its menu, no LED:
                            context switches of all its threads, from /proc
  idle_cpu_percent          `coach device --simulate` waiting in its menu for 30 s:
                            CPU time over wall time (after start-up)
  idle_cpu_percent_led      the same with the status LED breathing
  hold_cpu_percent          `coach run --simulate` during a 60 s hold
  piper_idle_rss_mb         `coach device --simulate --speech piper` waiting in its
                            menu with a warm cache (its own temporary cache folder,
                            COACH_CONFIG=/dev/null): resident memory of the coach
                            and of any child alive then (when the piper extra is
                            installed)
  piper_idle_rendered       files that device rendered while measured (0: it was idle)
  piper_render_rss_mb       the largest resident memory of the coach and its Piper
                            worker, sampled while an instant device fills that
                            cold cache
  history_write_ms_p95      one step boundary committed to the history file (the
                            ended step and the session's progress, one transaction,
                            WAL with synchronous=FULL) on this machine's disk, in the
                            benchmark's data folder: 95th percentile of 200
  report_seconds            `coach report` of a year of daily sessions (made in
                            memory by tests/history_sample.py): build_report and
                            writing the file, median of 5 (None without pygal)
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
import dataclasses
import importlib.util
import io
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
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import box
from coach import library, report
from coach.clock import SystemClock, VirtualClock
from coach.errors import SpeechUnavailable
from coach.events import Event
from coach.gestures import Edge
from coach.hardware.audio import AudioPlayer
from coach.loader import load_routine
from coach.plan import compile_plan
from coach.rig import RunOptions, build_session
from coach.routine import Exercise, Routine
from coach.runtime import Runtime
from coach.session import SessionMode
from coach.settings import Settings
from coach.speech import wavfile
from coach.speech.atomicfile import write_atomically
from coach.speech.cache import PhraseCache
from coach.speech.renderer import Renderer
from coach.speech.setup import load_backend, settle_plan
from coach.speech.voice import SpeechVoice
from coach.transcript import TranscriptWriter
from coach.voice import TextVoice, estimate_seconds

T = TypeVar("T")
SESSION_SPEED = 20.0
FAKE_PLAYER = (sys.executable, str(Path(__file__).parent.parent / "tests" / "fake_player.py"))

DEFAULT = "pinched-nerve-leg"


def instant_runs(count: int = 5) -> dict[str, float]:
    walls: list[float] = []
    peaks: list[float] = []
    command = [*box.COACH, "run", DEFAULT, "--simulate", "--instant"]
    for _ in range(count):
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        walls.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"benchmark run failed: {' '.join(command)}")
        peaks.append(usage.ru_maxrss / 1024)  # kilobytes on Linux
    routine = load_routine(library.resolve(DEFAULT))
    sessions = [instant_session_seconds(routine) for _ in range(count)]
    session = statistics.median(sessions)
    routine_seconds = compile_plan(routine, estimate_seconds).total_seconds
    return {
        "instant_run_wall_seconds": round(statistics.median(walls), 3),
        "instant_session_seconds": round(session, 4),
        "sim_speedup": round(routine_seconds / session, 1),
        "peak_rss_mb_text": round(max(peaks), 1),
    }


def instant_session_seconds(routine: Routine) -> float:
    """The runtime's loop alone over ``routine`` on the virtual clock, as the CLI runs it."""
    clock = VirtualClock()
    printed = io.StringIO()
    voice = TextVoice(printer=lambda line: print(line, file=printed))
    plan = compile_plan(routine, voice.duration, tones=True)
    runtime = Runtime(clock, voice, listeners=[TranscriptWriter(io.StringIO())])

    def press_for_them() -> bool:  # as the CLI does with nothing scripted
        at = clock.now() + 2.0
        clock.call_at(at, lambda: runtime.post(Edge(True, at)))
        clock.call_at(at + 0.1, lambda: runtime.post(Edge(False, at + 0.1)))
        return True

    runtime.on_script_end = press_for_them
    started = time.perf_counter()
    runtime.run(SessionMode(plan))
    return time.perf_counter() - started


def speech_memory() -> dict[str, float | None]:
    """Peak memory of an instant run with real speech (a warm cache), as a whole process."""
    command = [*box.COACH, "run", DEFAULT, "--simulate", "--instant"]
    results: dict[str, float | None] = {
        "peak_rss_mb": box.peak_rss_mb([*command, "--speech", "pyttsx3"])
    }
    piper = importlib.util.find_spec("piper") is not None
    results["peak_rss_mb_piper"] = (
        box.peak_rss_mb([*command, "--speech", "piper"]) if piper else None
    )
    return results


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


def without_waits(routine: Routine) -> Routine:
    """``routine`` with nothing that waits for the person: no steps or lead-ins that wait
    for the button, no check-ins. Every cue then falls at its planned time.
    """
    exercises = tuple(
        dataclasses.replace(ex, ready=5.0 if ex.ready == "button" else ex.ready, check_in=False)
        for ex in routine.exercises
        if ex.kind != "button"
    )
    return dataclasses.replace(routine, exercises=exercises, pain_check=False, check_in=False)


def speech_session(cache: Path) -> dict[str, float]:
    """One whole session of the default routine; cue onsets and late renders.

    A cue's onset runs from its deadline, when the runtime calls play(), to
    the first bytes of its file written to the player process.
    """
    routine = without_waits(load_routine(library.resolve(DEFAULT)))
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
    coach = list(box.COACH)
    results: dict[str, Any] = {"first_word_seconds": box.first_word_seconds()}
    with box.eighth_core() as prefix:
        results["first_word_seconds_eighth_core"] = (
            box.first_word_seconds(prefix) if prefix is not None else None
        )
    results["idle_wakeups_per_second"] = box.idle_wakeups_per_second()
    with tempfile.TemporaryDirectory() as folder:
        hold = Path(folder) / "hold.yaml"
        hold.write_text(
            "name: Hold\nexercises:\n  - name: Hold\n    hold_seconds: 100\n    ready: 0\n"
        )
        device = [*coach, "device", "--simulate"]
        results["idle_cpu_percent"] = cpu_percent(device, 8.0, 30.0)
        results["idle_cpu_percent_led"] = cpu_percent([*device, "--led-pin", "27"], 8.0, 30.0)
        # The hold begins after the spoken introduction (about 6 s).
        results["hold_cpu_percent"] = cpu_percent(
            [*coach, "run", str(hold), "--simulate"], 12.0, 60.0
        )
    results.update(button_reactions())
    return results


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (0 for one that is gone)."""
    total_kb, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except OSError:  # ended while we looked
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def _peak_tree_rss_mb(child: subprocess.Popen[bytes], timeout: float) -> float:
    """The largest resident memory of ``child`` and its descendants until it exits."""
    peak, deadline = 0.0, time.monotonic() + timeout
    while child.poll() is None:
        if time.monotonic() > deadline:
            child.kill()
            raise SystemExit(f"a Piper device run took over {timeout:g} s")
        peak = max(peak, _tree_rss_mb(child.pid))
        time.sleep(0.1)
    if child.returncode != 0:
        raise SystemExit(f"a Piper device run failed (exit status {child.returncode})")
    return peak


def piper_memory(settle_seconds: float = 10.0) -> dict[str, Any]:
    """The memory of a device speaking with Piper: idle with a warm cache, and filling it."""
    if importlib.util.find_spec("piper") is None:
        # The piper extra is not installed.
        return {"piper_idle_rss_mb": None, "piper_idle_rendered": None, "piper_render_rss_mb": None}
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "COACH_CONFIG": os.devnull, "COACH_CACHE_DIR": folder}
        device = [sys.executable, "-m", "coach", "device", "--simulate", "--speech", "piper"]

        def start(*more: str) -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [*device, *more],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

        # An instant device renders its menu and every routine, then ends. A
        # second one renders what the first one's real lengths changed (the
        # minutes the menu says), so the cache is what a box has after its
        # first boot.
        render_rss = _peak_tree_rss_mb(start("--instant"), 1800)
        _peak_tree_rss_mb(start("--instant"), 1800)
        before = len(list(Path(folder).iterdir()))
        child = start()
        try:
            time.sleep(settle_seconds)
            idle_rss = _tree_rss_mb(child.pid)
        finally:
            child.terminate()
            child.wait(10)
        rendered = len(list(Path(folder).iterdir())) - before
    return {
        "piper_idle_rss_mb": round(idle_rss, 1),
        "piper_idle_rendered": rendered,
        "piper_render_rss_mb": round(render_rss, 1),
    }


def history_writes(boundaries: int = 200) -> dict[str, float]:
    """The store's own commit of each step boundary, timed directly (no writer thread)."""
    from coach.history import history_path
    from coach.history.liveness import this_process
    from coach.history.store import Boundary, HistoryStore, PlannedStep, SessionStart, StepEnd

    steps = tuple(
        PlannedStep(i, "hold", i // 4 + 1, f"Exercise {i // 4 + 1}", None, 1, 1, 20.0)
        for i in range(boundaries + 1)
    )
    store = HistoryStore.open(history_path(), print)
    try:
        start = SessionStart(
            "bench", "Bench", time.time(), 0, True, this_process(), len(steps) // 4 + 1, steps
        )
        session = store.begin(start)
        took: list[float] = []
        for index in range(1, boundaries + 1):
            boundary = Boundary(
                step_ends=(StepEnd(index - 1, "done", 20.0),),
                step_index=index,
                exercise_number=steps[index].number,
            )
            began = time.perf_counter()
            store.record(session, boundary)
            took.append((time.perf_counter() - began) * 1000)
    finally:
        store.close()
    return {"history_write_ms_p95": round(percentile(took, 0.95), 2)}


def report_seconds(count: int = 5) -> dict[str, float | None]:
    """A report of a year of daily sessions, built and written as ``coach report`` does."""
    if importlib.util.find_spec("pygal") is None:
        return {"report_seconds": None}  # the report extra is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.history_sample import year

    sessions = year()
    took = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.html"
        for _ in range(count):
            started = time.perf_counter()
            page = report.build_report(sessions, datetime.now().astimezone())
            write_atomically(out, page.encode("utf-8"))
            took.append(time.perf_counter() - started)
    return {"report_seconds": round(statistics.median(took), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="only the instant runs, the report and the history writes (skip the timed sessions)",
    )
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    with box.isolated():
        results.update(instant_runs())
        results.update(history_writes())
        results.update(report_seconds())
        if not args.quick:
            box.warm_cache()
            results.update(speech_memory())
            results.update(timing_errors())
            results.update(speech_metrics())
            results.update(device_metrics())
            results.update(piper_memory())
    if args.json:
        print(json.dumps(results))
    else:
        width = max(len(k) for k in results)
        for key, value in results.items():
            print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
