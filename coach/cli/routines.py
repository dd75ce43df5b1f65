"""``coach list``, ``coach validate``, ``coach preview`` and ``coach new``: the routine library."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from coach.cli.common import load_routine_from, warn, warn_missing_from_menu, write_new_file
from coach.errors import CoachError, RoutineError
from coach.loader import exercise_label, load_routine
from coach.plan import Plan, compile_plan
from coach.preview import clock, render_plan, table
from coach.routine import Routine
from coach.settings import Settings, keys, settings_options, write_whole
from coach.speech.setup import make_voice, settle_plan
from coach.starter import STARTER
from coach.voice import TextVoice, Voice
from coach.yamltree import printable


@click.command("list")
@settings_options(*keys("speech", "routines"))
def list_cmd(settings: Settings) -> None:
    """List the routines in the library, as the device menu offers them.

    With menu_routines set, only the patient's routines, in that order. Their
    lengths are what 'coach preview' says with the same settings: each phrase
    as long as the chosen voice says it, where the speech cache has it (at
    the set rate elsewhere), so 'list', the device menu and 'preview' agree.
    """
    library = settings.library
    voice = make_voice(settings, None, warn, plays=False)
    try:
        entries = library.offered()
        warn_missing_from_menu(library)
        rows = [_list_row(e.slug, e.path, voice, settings.tones) for e in entries]
    finally:
        voice.close()
    if not rows:
        raise CoachError(f"no routines found in {', '.join(map(str, library.folders))}")
    click.echo(table(("ROUTINE", "LENGTH", "EXERCISES", "TITLE"), rows))
    click.echo(f"\ndefault: {library.default}")


def _list_row(slug: str, path: Path, voice: Voice, tones: bool) -> tuple[str, str, str, str]:
    """One line of 'coach list': name, length, exercises and title (or why it is invalid)."""
    shown = printable(slug)  # a file name, which may hold anything
    try:
        routine = load_routine(path)
    except RoutineError:
        return (shown, "-", "-", "invalid: run 'coach validate'")
    plan = settle_plan(routine, voice, tones, render=False)
    title = routine.name + (f" ({routine.phase.shown})" if routine.phase is not None else "")
    return (shown, clock(plan.total_seconds), str(len(routine.exercises)), title)


@click.command()
@click.argument("routines", nargs=-1, metavar="[ROUTINE]...")
@settings_options(*keys("routines"))
def validate(routines: Sequence[str], settings: Settings) -> None:
    """Check routine files; all bundled routines when none are named.

    ROUTINE is a name from 'coach list' or a path to a YAML file. Exits with
    status 3 when any routine breaks a rule.
    """
    library = settings.library
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
        count = len(routine.exercises)
        click.echo(f"ok  {printable(str(path))}  ({count} exercise{'' if count == 1 else 's'})")
        # At the text voice's lengths, so the warnings do not depend on the cache.
        plan = compile_plan(routine, TextVoice().duration, settings.tones)
        for label in countdowns_lost(routine, plan):
            warn(
                f"{printable(str(path))}: {label}: no room for a whole 3-2-1 "
                "countdown in some steps; it is left out there (see 'coach preview --cues')"
            )
        for label in words_lost(routine, plan):
            warn(
                f"{printable(str(path))}: {label}: the tempo is too fast for some of "
                "its words; they are shortened or left out (see 'coach preview --cues')"
            )
    if problems:
        raise RoutineError(problems)


def words_lost(routine: Routine, plan: Plan) -> list[str]:
    """The counted exercises of ``routine`` with a rep of ``plan`` too short for its words,
    as messages name them ("exercise 1 (Press-ups)")."""
    lost = {s.exercise for s in plan.steps if s.exercise and s.kind == "rep" and s.dropped}
    return _labels(routine, lost)


def countdowns_lost(routine: Routine, plan: Plan) -> list[str]:
    """The exercises of ``routine`` with a step of ``plan`` too short for a whole 3-2-1,
    as messages name them ("exercise 2 (Reach)")."""
    lost = {s.exercise for s in plan.steps if s.exercise and s.lost_countdown}
    return _labels(routine, lost)


def _labels(routine: Routine, names: set[str]) -> list[str]:
    exercises = enumerate(routine.exercises, 1)
    return [exercise_label(number, ex.name) for number, ex in exercises if ex.name in names]


@click.command()
@click.argument("routine", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as one JSON object.")
@click.option("--cues/--no-cues", default=False, help="Show every cue under its step.")
@click.option("--instant", is_flag=True, help="Preview as 'coach run --instant' would time it.")
@settings_options(*keys("speech", "routines", "check-ins"))
def preview(
    routine: str | None, as_json: bool, cues: bool, instant: bool, settings: Settings
) -> None:
    """Show the plan of ROUTINE (default: the default routine) without running it.

    Phrase lengths come from the same voice 'coach run' would use with the
    same flags (rendering what is not cached yet), so the total matches.
    """
    loaded = load_routine_from(settings.library, routine)
    loaded = settings.check_ins(loaded)
    voice = make_voice(settings, None, warn, loaded, instant=instant, plays=False)
    try:
        plan = settle_plan(loaded, voice, settings.tones, count=settings.count)
    finally:
        voice.close()
    if as_json:
        click.echo(json.dumps(plan.to_json(), indent=2, ensure_ascii=False))
        return
    click.echo(render_plan(plan, cues))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def new(file: Path, force: bool) -> None:
    """Write a starter routine to FILE: every field, each with a comment saying what it does.

    It validates and runs as it is ('coach run FILE --instant'); change it
    line by line, then check it with 'coach validate FILE'.
    """
    shown = printable(str(file))
    folder = file.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise CoachError(f"cannot write {shown}: {printable(str(folder))} {what}")
    write_new_file(file, lambda path: write_whole(path, STARTER), force, shown)
    click.echo(f"wrote {shown}; check it with: coach validate {shown}")
