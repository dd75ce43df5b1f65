"""The ``coach`` command line: the root group, and each command family in its own module.

The commands only do command-line work: parse, build what is asked for from
the one :class:`~coach.settings.Settings` object, and map every
:class:`~coach.errors.CoachError` to its message and exit code here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from coach import __version__, settings
from coach.cli.common import App, warn
from coach.cli.config import config
from coach.cli.doctor import doctor
from coach.cli.routines import list_cmd, preview, validate
from coach.cli.run import device, run
from coach.cli.service import service
from coach.cli.speech import say, speech_cache, voices
from coach.errors import CoachError, SettingsError

EXIT_INTERRUPTED = 130
#: Commands that run with a broken settings file: 'config' mends it, 'doctor' reports it.
#: Both show a missing one too, so they are not warned about it.
WITHOUT_SETTINGS_FILE = ("config", "doctor")


class CoachGroup(click.Group):
    """Turns every :class:`CoachError` into one message and its exit code."""

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
    ctx.default_map = settings.default_map(cli, file.values)


for _command in (list_cmd, validate, preview, run, device, voices, say, speech_cache, config,
                 service, doctor):  # fmt: skip
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> None:
    """The console script: ``coach ...``."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="coach")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
