"""The ``coach`` command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from coach import __version__, settings, tones
from coach.cli_common import library_options, load_routine_from, warn
from coach.cli_config import config
from coach.cli_run import device, run
from coach.cli_speech import COMMANDS as SPEECH_COMMANDS
from coach.cli_speech import SpeechChoice, speech_options
from coach.doctor import doctor
from coach.errors import CoachError, RoutineError, SettingsError
from coach.library import Library
from coach.loader import load_routine
from coach.plan import Plan, Step, compile_plan
from coach.service import service
from coach.speech.setup import make_voice, settle_plan
from coach.voice import TextVoice

EXIT_INTERRUPTED = 130
F = TypeVar("F", bound=Callable[..., Any])


class CoachGroup(click.Group):
    """Turns every :class:`CoachError` into one message and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CoachError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"coach: {line}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=CoachGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show a traceback when something goes wrong.")
@click.version_option(__version__, prog_name="coach")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """A voice-guided stretching coach for a Raspberry Pi with one button.

    Try a session on any computer with:  coach run --simulate

    Settings come from flags, then COACH_... environment variables, then the
    settings file ('coach config show' tells which), then defaults.
    """
    ctx.obj = {"debug": debug, "settings_error": None}
    try:
        values = settings.load_file(settings.config_path())
    except SettingsError as exc:
        if ctx.invoked_subcommand not in ("config", "doctor"):
            raise
        # 'config' is how a broken file gets mended, 'doctor' how it is found.
        ctx.obj["settings_error"] = exc
        values = {}
    ctx.default_map = settings.default_map(cli, values)


def _clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


# -- list / validate / preview ----------------------------------------------


@cli.command("list")
@library_options
def list_cmd(library: Library) -> None:
    """List the routines in the library."""
    voice = TextVoice()
    rows = []
    for entry in library.entries():
        try:
            routine = load_routine(entry.path)
        except RoutineError:
            rows.append((entry.slug, "-", "-", "invalid: run 'coach validate'"))
            continue
        plan = compile_plan(routine, voice.duration)
        rows.append(
            (entry.slug, _clock(plan.total_seconds), str(len(routine.exercises)), routine.name)
        )
    if not rows:
        raise CoachError(f"no routines found in {', '.join(map(str, library.folders))}")
    _table(("ROUTINE", "LENGTH", "EXERCISES", "TITLE"), rows)
    click.echo(f"\ndefault: {library.default}")


@cli.command()
@click.argument("routines", nargs=-1, metavar="[ROUTINE]...")
@library_options
def validate(routines: Sequence[str], library: Library) -> None:
    """Check routine files; all bundled routines when none are named.

    ROUTINE is a name from 'coach list' or a path to a YAML file. Exits with
    status 3 when any routine breaks a rule.
    """
    paths = (
        [library.resolve(r) for r in routines] if routines else [e.path for e in library.entries()]
    )
    problems: list[str] = []
    for path in paths:
        try:
            routine = load_routine(path)
        except RoutineError as exc:
            problems.extend(exc.problems)
            continue
        click.echo(f"ok  {path}  ({len(routine.exercises)} exercises)")
    if problems:
        raise RoutineError(problems)


@cli.command()
@click.argument("routine", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as one JSON object.")
@click.option("--cues/--no-cues", default=False, help="Show every cue under its step.")
@click.option("--instant", is_flag=True, help="Preview as 'coach run --instant' would time it.")
@speech_options
@library_options
def preview(
    routine: str | None,
    as_json: bool,
    cues: bool,
    instant: bool,
    speech: SpeechChoice,
    library: Library,
) -> None:
    """Show the plan of ROUTINE (default: the default routine) without running it.

    Phrase lengths come from the same voice 'coach run' would use with the
    same flags (rendering what is not cached yet), so the total matches.
    """
    loaded = load_routine_from(library, routine)
    audio = speech.settings(instant)
    voice = make_voice(audio, None, warn, loaded)
    try:
        plan = settle_plan(loaded, voice, audio.tones)
    finally:
        voice.close()
    if as_json:
        click.echo(json.dumps(plan.to_json(), indent=2, ensure_ascii=False))
        return
    click.echo(render_plan(plan, cues))


def render_plan(plan: Plan, with_cues: bool) -> str:
    lines = [plan.routine, ""]
    header = f"{'START':>7}  {'STEP':<9} {'LENGTH':>8}  WHAT"
    lines.append(header)
    for step, start in zip(plan.steps, plan.starts()):
        length = "button" if step.duration_seconds is None else f"{step.duration_seconds:.1f} s"
        lines.append(f"{_clock_tenths(start):>7}  {step.kind:<9} {length:>8}  {_what(step)}")
        if with_cues:
            for cue in step.cues:
                said = tones.shown(cue.text, cue.tone)
                lines.append(f"{'':>7}  {'':<9} {'':>8}    +{cue.offset_seconds:5.1f}  {said}")
            for cue in step.dropped:
                lines.append(f"{'':>7}  {'':<9} {'':>8}    (dropped: no room) {cue.text}")
    total = f"total {_clock(plan.total_seconds)} ({plan.total_seconds:.1f} s)"
    if plan.button_steps:
        total += f", plus {plan.button_steps} step(s) that wait for the button"
    lines += ["", total]
    return "\n".join(lines)


def _clock_tenths(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:04.1f}"


def _what(step: Step) -> str:
    if step.exercise is None:
        return step.cues[0].text if step.cues else ""
    parts = [step.exercise]
    if step.side:
        parts.append(step.side)
    if step.rep is not None and step.reps:
        parts.append(f"rep {step.rep}/{step.reps}")
    if step.set is not None and step.sets and step.sets > 1:
        parts.append(f"set {step.set}/{step.sets}")
    return ", ".join(parts)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


for _command in (*SPEECH_COMMANDS, config, run, device, service, doctor):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> None:
    cli.main(args=list(argv) if argv is not None else None, prog_name="coach")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
