"""``coach run`` and ``coach device``: the commands that run sessions."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO, TypeVar

import click

from coach import settings
from coach.cli_common import library_options, load_routine_from, warn
from coach.cli_speech import SpeechChoice, speech_options
from coach.device import Device
from coach.gestures import GESTURES, Thresholds
from coach.library import Library
from coach.rig import ScriptedPress, SessionOptions, build_rig, build_session, default_keys
from coach.transcript import TranscriptWriter

F = TypeVar("F", bound=Callable[..., Any])

_PRESS_AT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*:\s*([a-z]+)\s*$")
RIG_KEYS = ("button_pin", "led_pin", "buzzer_pin", "buzzer_type", "long_seconds", "stop_seconds")


def parse_press_at(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> list[ScriptedPress]:
    presses = []
    for value in values:
        match = _PRESS_AT.match(value)
        if not match or match.group(2) not in GESTURES:
            raise click.BadParameter(
                f"expected SECONDS:GESTURE with GESTURE one of {', '.join(GESTURES)}, "
                f"got '{value}' (example: 12.5:press)"
            )
        presses.append(ScriptedPress(float(match.group(1)), match.group(2)))  # type: ignore[arg-type]
    return sorted(presses, key=lambda p: p.at_seconds)


@dataclass(frozen=True)
class RigFlags:
    """The flags shared by ``run`` and ``device``, as given."""

    simulate: bool
    instant: bool
    presses: list[ScriptedPress]
    transcript: TextIO | None
    button_pin: int | None
    led_pin: int | None
    buzzer_pin: int | None
    buzzer_type: str
    long_seconds: float
    stop_seconds: float
    speech: SpeechChoice

    @property
    def transcript_to_stdout(self) -> bool:
        return self.transcript is not None and getattr(self.transcript, "name", "") == "-"

    def options(self, wait_for_press: bool = False) -> SessionOptions:
        if self.presses and not (self.simulate or self.instant):
            raise click.UsageError("--press-at needs --simulate (or --instant)")
        try:
            thresholds = Thresholds(stop_seconds=self.stop_seconds, long_seconds=self.long_seconds)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        if self.button_pin is None:
            raise click.UsageError("the button needs a pin: --button-pin N (BCM numbering)")
        listeners = [TranscriptWriter(self.transcript)] if self.transcript is not None else []
        return SessionOptions(
            simulate=self.simulate or self.instant,
            instant=self.instant,
            wait_for_press=wait_for_press,
            presses=self.presses,
            thresholds=thresholds,
            button_pin=self.button_pin,
            led_pin=self.led_pin,
            buzzer_pin=self.buzzer_pin,
            buzzer_type=self.buzzer_type,
            speech_out=None if self.transcript_to_stdout else sys.stdout,
            listeners=list(listeners),
            keys_in=default_keys(),
            audio=self.speech.settings(self.instant),
            warn=warn,
        )

    def close(self) -> None:
        if self.transcript is not None:
            self.transcript.close()


def rig_options(function: F) -> F:
    """Simulation, script, transcript, pins, thresholds and speech: ``rig: RigFlags``."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        flags = {key: kwargs.pop(key) for key in ("simulate", "instant", "presses", "transcript")}
        flags.update({key: kwargs.pop(key) for key in (*RIG_KEYS, "speech")})
        kwargs["rig"] = RigFlags(**flags)
        return function(*args, **kwargs)

    decorated: Any = speech_options(settings.setting_options(*RIG_KEYS)(wrapper))
    for option in reversed(
        [
            click.option(
                "--simulate",
                is_flag=True,
                help="Simulated pins (gpiozero mock pins) for the button, LED and buzzer; "
                "on a terminal, keys stand in for the button.",
            ),
            click.option(
                "--instant",
                is_flag=True,
                help="Run on a virtual clock, as fast as possible (implies --simulate).",
            ),
            click.option(
                "--press-at",
                "presses",
                multiple=True,
                callback=parse_press_at,
                metavar="T:GESTURE",
                help="Press the simulated button T seconds after the start; GESTURE is "
                "press, long or stop. Repeatable.",
            ),
            click.option(
                "--transcript",
                type=click.File("w", encoding="utf-8", lazy=True),
                help="Write every event as a JSON line to FILE ('-' for standard output).",
            ),
        ]
    ):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


@click.command()
@click.argument("routine", required=False)
@click.option("--wait", is_flag=True, help="Wait for a press before starting, as the device does.")
@rig_options
@library_options
def run(routine: str | None, wait: bool, rig: RigFlags, library: Library) -> None:
    """Run a session of ROUTINE (a name from 'coach list' or a path; default routine if none).

    \b
    In a simulated session on a terminal, keys stand in for the button:
      space or Enter  press: pause, resume, "ready" / "done"
      n               long press: skip to the next step
      s               stop the session
      q               quit at once
    """
    options = rig.options(wait_for_press=wait)
    loaded = load_routine_from(library, routine)
    try:
        state = build_session(loaded, options).run()
    finally:
        rig.close()
    if not rig.transcript_to_stdout:
        click.echo(f"session {state}")


@click.command()
@rig_options
@library_options
def device(rig: RigFlags, library: Library) -> None:
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
    options = rig.options()
    try:
        Device(build_rig(options), library).run()
    finally:
        rig.close()
