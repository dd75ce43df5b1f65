"""``coach run`` and ``coach device``: the commands that run sessions."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Any, TypeVar

import click

from coach.cli.common import App, load_routine_from, warn
from coach.device import Device
from coach.gestures import GESTURES
from coach.rig import (
    RunOptions,
    ScriptedPress,
    build_carried_on_session,
    build_rig,
    build_session,
    default_keys,
)
from coach.settings import Settings, check_together, settings_options
from coach.transcript import TranscriptWriter

F = TypeVar("F", bound=Callable[..., Any])

_PRESS_AT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*:\s*([a-z]+)\s*$")


def parse_press_at(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> list[ScriptedPress]:
    """``--press-at T:GESTURE`` values, in time order."""
    presses = []
    for value in values:
        match = _PRESS_AT.match(value)
        # Hundreds of digits make an infinite float, a moment that never comes.
        if not match or match.group(2) not in GESTURES or not math.isfinite(float(match.group(1))):
            raise click.BadParameter(
                f"expected SECONDS:GESTURE with GESTURE one of {', '.join(GESTURES)}, "
                f"got '{value}' (example: 12.5:press)"
            )
        presses.append(ScriptedPress(float(match.group(1)), match.group(2)))  # type: ignore[arg-type]
    return sorted(presses, key=lambda p: p.at_seconds)


def parse_start_at(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """``--start-at``: an ISO 8601 date and time (or a time today) as epoch seconds."""
    if value is None:
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        pass
    try:  # a time of day alone is today's
        return datetime.combine(date.today(), time.fromisoformat(text)).timestamp()
    except ValueError:
        raise click.BadParameter(
            "expected a date and time such as 2026-12-01T07:55 or 2026-12-01T07:55+01:00, "
            f"or a time of day today such as 07:55, got '{value}'"
        ) from None


def run_options(function: F) -> F:
    """Every setting, plus simulation, script and transcript: ``settings`` and ``options``."""

    @click.option(
        "--simulate",
        is_flag=True,
        help="Simulated pins (gpiozero mock pins) for the button, LED and buzzer; "
        "on a terminal, keys stand in for the button.",
    )
    @click.option(
        "--instant",
        is_flag=True,
        help="Run on a virtual clock, as fast as possible (implies --simulate).",
    )
    @click.option(
        "--press-at",
        "presses",
        multiple=True,
        callback=parse_press_at,
        metavar="T:GESTURE",
        help="Press the simulated button T seconds after the start; GESTURE is "
        "press, long or stop. Repeatable.",
    )
    @click.option(
        "--start-at",
        callback=parse_start_at,
        metavar="DATETIME",
        help="With --instant: the date and time on the virtual clock at the start "
        "(ISO 8601, e.g. 2026-12-01T07:55, or 07:55 for today; local time unless an "
        "offset is given); default now.",
    )
    @click.option(
        "--transcript",
        type=click.Path(dir_okay=False, allow_dash=True),
        metavar="FILE",
        help="Write every event as a JSON line to FILE ('-' for standard output).",
    )
    @settings_options()
    def wrapper(
        *args: Any,
        simulate: bool,
        instant: bool,
        presses: list[ScriptedPress],
        start_at: float | None,
        transcript: str | None,
        settings: Settings,
        **kwargs: Any,
    ) -> Any:
        if presses and not (simulate or instant):
            raise click.UsageError("--press-at needs --simulate (or --instant)")
        if start_at is not None and not instant:
            raise click.UsageError("--start-at needs --instant: a live run keeps the real time")
        # Here, where it is known which flag, variable or line set each value.
        ctx = click.get_current_context()
        app = ctx.find_object(App)
        check_together(ctx, settings, app.settings_file if app is not None else None)
        writer = _transcript(transcript)
        kwargs["options"] = RunOptions(
            simulate=simulate or instant,
            instant=instant,
            presses=presses,
            speech_out=None if transcript == "-" else sys.stdout,
            listeners=[writer] if writer is not None else [],
            keys_in=default_keys(),
            warn=warn,
            start_at=start_at,
        )
        try:
            return function(*args, settings=settings, **kwargs)
        finally:
            if writer is not None:
                writer.close()

    wrapper.__doc__ = function.__doc__
    wrapper.__name__ = function.__name__
    return wrapper  # type: ignore[return-value]


def _transcript(path: str | None) -> TranscriptWriter | None:
    if path is None:
        return None
    if path == "-":
        return TranscriptWriter(sys.stdout, warn)
    try:
        # Unbuffered and binary: every line reaches the file whole, or not at all.
        return TranscriptWriter(open(path, "wb", buffering=0), warn)
    except OSError as exc:
        raise click.FileError(path, exc.strerror or str(exc)) from exc


@click.command()
@click.argument("routine", required=False)
@click.option("--wait", is_flag=True, help="Wait for a press before starting, as the device does.")
@click.option(
    "--resume",
    is_flag=True,
    help="Carry on the last session, cut off by a power cut or a crash, from the start "
    "of the exercise it was in (within resume_hours, its routine file unchanged).",
)
@run_options
def run(
    routine: str | None, wait: bool, resume: bool, settings: Settings, options: RunOptions
) -> None:
    """Run a session of ROUTINE (a name from 'coach list' or a path; default routine if none).

    \b
    In a simulated session on a terminal, keys stand in for the button:
      space or Enter  press: pause, resume, "ready" / "done"
      n               long press: skip to the next step
      s               stop the session
      q               quit at once
    """
    options.wait_for_press = wait
    if resume:
        if routine is not None:
            raise click.UsageError("--resume carries on the last session: name no ROUTINE")
        session = build_carried_on_session(settings, options)
    else:
        session = build_session(load_routine_from(settings.library, routine), settings, options)
    state = session.run()
    if options.speech_out is not None:
        click.echo(f"session {state}")


@click.command()
@run_options
def device(settings: Settings, options: RunOptions) -> None:
    """Run the box: a voice menu of routines, then the chosen session, then the menu again.

    \b
    In the menu:
      press   start the routine on offer
      long    offer the next routine in the library
      stop    say the menu again
    During a session the button works as in 'coach run'. The device runs until
    it is stopped (SIGTERM, SIGINT, or q on the keyboard in simulation); with
    --instant it ends when the scripted presses are used up.
    """
    Device(build_rig(settings, options), settings.library).run()
