"""The ``coach`` command line: the root group, and each command family in its own module.

The commands only do command-line work: parse, build what is asked for from
the one :class:`~coach.settings.Settings` object, and map every
:class:`~coach.errors.CoachError` to its message and exit code here.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from coach import __version__, settings
from coach.cli.common import App, warn
from coach.errors import CoachError, SettingsError

EXIT_INTERRUPTED = 130
#: Every command and where it lives; a command's module is imported only when
#: it runs (or for --help), so 'coach device' never loads the doctor's or the
#: service's imports: start-up time matters on a Pi Zero.
COMMANDS = {
    "list": "coach.cli.routines:list_cmd",
    "validate": "coach.cli.routines:validate",
    "preview": "coach.cli.routines:preview",
    "new": "coach.cli.routines:new",
    "run": "coach.cli.run:run",
    "device": "coach.cli.run:device",
    "voices": "coach.cli.speech:voices",
    "say": "coach.cli.speech:say",
    "speech-cache": "coach.cli.speech:speech_cache",
    "config": "coach.cli.config:config",
    "service": "coach.cli.service:service",
    "doctor": "coach.cli.doctor:doctor",
    "history": "coach.cli.history:history",
    "report": "coach.cli.report:report",
}
#: Commands that run with a broken settings file: 'config' mends it, 'doctor' reports it.
#: Both show a missing one too, so they are not warned about it.
WITHOUT_SETTINGS_FILE = ("config", "doctor")


class CoachGroup(click.Group):
    """Loads each command when it is needed, and turns every :class:`CoachError`
    into one message and its exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, in order."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, imported now; ``None`` for a name that is not one."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, name = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a :class:`CoachError` becomes ``coach: ...`` lines and its exit code.

        Ctrl-C exits with status 130. With ``--debug`` both are raised instead,
        with their traceback.
        """
        try:
            return super().invoke(ctx)
        except CoachError as exc:
            if ctx.ensure_object(App).debug:
                raise
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"coach: {line}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            if ctx.ensure_object(App).debug:
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
    app = ctx.ensure_object(App)
    app.debug = app.debug or debug
    path = settings.config_path()
    reports_file = ctx.invoked_subcommand in WITHOUT_SETTINGS_FILE
    try:
        file = settings.read_file(path)
    except SettingsError as exc:
        if not reports_file:
            raise
        app.settings_error = exc
        file = settings.SettingsFile(str(path), {})
    if not file.found and os.environ.get(settings.CONFIG_VARIABLE) and not reports_file:
        # A missing file in the default place is no news; one named on purpose is.
        warn(
            f"warning: {settings.CONFIG_VARIABLE} names {path}, which does not exist; "
            "going on with the default settings"
        )
    app.settings_file = file
    # The file's values reach the command about to run (and its own commands).
    mapping = dict(file.values)
    name = ctx.invoked_subcommand
    command = cli.get_command(ctx, name) if name is not None else None
    if name is not None and command is not None:
        mapping[name] = settings.default_map(command, file.values)
    ctx.default_map = mapping


def main(argv: Sequence[str] | None = None) -> None:
    """The console script: ``coach ...``."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="coach")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
