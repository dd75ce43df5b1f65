"""What the commands share: the app object on the context, warnings, routine look-up."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from coach.errors import CoachError, SettingsError
from coach.library import Library
from coach.loader import load_routine
from coach.routine import Routine
from coach.settings import SettingsFile
from coach.yamltree import printable

if TYPE_CHECKING:
    from coach.service import Host


@dataclass
class App:
    """The state every command shares, put on the click context by the root command.

    Commands find it by type with :data:`pass_app`. A test passes its own
    through the root command (``CliRunner().invoke(cli, args, obj=App(host=FakeHost()))``),
    so the whole path, exit codes included, is the real one.

    :param debug: show tracebacks instead of one-line messages.
    :param host: the machine as ``coach service`` sees it; default the real one
        (made when first needed: only 'coach service' imports what it takes).
    :param settings_error: the settings file's problems, for the commands that
        run without it ('config' mends it, 'doctor' reports it).
    :param settings_file: the settings file as read, with where each value is
        written in it; ``None`` until the root command has read it.
    """

    debug: bool = False
    host: Host | None = None
    settings_error: SettingsError | None = None
    settings_file: SettingsFile | None = None


#: Passes the :class:`App` on the context to a command as its first argument.
pass_app = click.make_pass_decorator(App, ensure=True)


def warn(message: str) -> None:
    """One line on standard error, as every coach message is.

    A standard error that is gone (a closed terminal, a pipe whose reader
    left) loses the line; it must not end a session.
    """
    with contextlib.suppress(OSError):
        click.echo(f"coach: {message}", err=True)


def warn_missing_from_menu(library: Library) -> None:
    """A warning for each routine the menu names that is in no folder: it is passed over."""
    for line in library.menu_warnings():
        warn(line)


def load_routine_from(library: Library, name: str | None) -> Routine:
    """The routine ``name`` (a library name or a path); the library's default when ``None``,
    with a warning for each routine of the menu passed over as missing.
    """
    if name is None:
        warn_missing_from_menu(library)
    return load_routine(library.resolve(name))


def write_new_file(path: Path, write: Callable[[Path], None], force: bool, what: str) -> None:
    """Write ``path`` with ``write``: an existing file only with ``force``.

    :param what: how messages name the file ("the settings file x.yaml").
    :raises click.UsageError: it exists and ``force`` is not given.
    :raises CoachError: it cannot be written; the message names the OS error.
    """
    try:
        if path.exists() and not force:
            raise click.UsageError(f"{what} exists already; add --force to replace it")
        write(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.filename is not None and os.fspath(exc.filename) != str(path):
            reason += f": {printable(os.fspath(exc.filename))}"
        raise CoachError(f"cannot write {what}: {reason}") from exc
