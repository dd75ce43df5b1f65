"""Benchmarks for the coach: speed of simulated runs, timing accuracy, memory.

    python benchmarks/bench.py            # a table
    python benchmarks/bench.py --json     # one JSON object
    python benchmarks/bench.py --quick    # skip the 60 s real-time run

Metrics:
  instant_run_wall_seconds  median of 5 whole-process runs of
                            `coach run pinched-nerve-leg --simulate --instant`
  sim_speedup               routine seconds per wall second for that run
  peak_rss_mb               peak resident memory of that process (largest of the 5)
  timing_error_ms_max/p50   on the system clock, a routine of at least 60 s with
                            short holds and rests: |actual - planned| step start
  timing_error_ms_first/last  mean error of the first and last quarter of steps
                            (equal means no drift)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from coach import library
from coach.clock import SystemClock
from coach.engine import Engine, Event
from coach.loader import load_routine
from coach.plan import compile_plan
from coach.routine import Exercise, Routine
from coach.voice import TextVoice, estimate_seconds

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

    engine = Engine(plan, clock, voice, listeners=[on_event])
    engine.run()
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="skip the real-time timing run")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    results.update(instant_runs())
    if not args.quick:
        results.update(timing_errors())
    if args.json:
        print(json.dumps(results))
    else:
        width = max(len(k) for k in results)
        for key, value in results.items():
            print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
