"""Every error the coach reports, in one hierarchy; the CLI maps each class to an exit code.

As in gpiozero's ``exc`` module, each error has the coach's base and, where
one fits, a builtin base, so callers can catch either::

    try:
        load_routine(path)
    except ValueError:  # or RoutineError, or CoachError
        ...
"""

from __future__ import annotations

from pathlib import Path


class CoachError(Exception):
    """Base of every error the coach reports to a person without a traceback."""

    exit_code = 1


class RoutineError(CoachError, ValueError):
    """A routine file broke a rule. Holds one line per problem found.

    Each line reads ``file:line:column: field.path: rule, got value``, or
    ``file:line:column: exercise 3 (Heel slides): field: rule, got value``;
    a YAML mistake reads as what to change on that line.
    """

    exit_code = 3

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class RoutineNotFound(CoachError, LookupError):
    """No routine has the name given, and it is not a path to a file."""

    exit_code = 3


class SettingsError(CoachError, ValueError):
    """The settings broke a rule: one line per problem.

    A problem in the settings file reads ``file:line:column: key: rule``; one
    between settings (two parts on one pin) names where each value came from.
    """

    exit_code = 3

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class HardwareError(CoachError, RuntimeError):
    """The GPIO or audio hardware could not be used.

    :param message: what went wrong.
    :param hint: what to do about it, if there is a general answer; the
        message reads ``message; hint``. ``coach doctor`` shows its own fix
        instead of the hint.
    """

    exit_code = 4

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message}; {hint}" if hint else message)


class ScriptError(CoachError, ValueError):
    """A simulation script (``--press-at``) is malformed or cannot go on."""

    exit_code = 2


class SpeechUnavailable(CoachError, RuntimeError):
    """A speech backend cannot be loaded here; the message names the fix."""


class PackageMissing(CoachError, ImportError):
    """An optional package a command needs is not installed; the message says how to install it."""


class ReportError(CoachError, ValueError):
    """Sessions given to the report are not session records: one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class FolderNotWritable(CoachError, OSError):
    """A file cannot be written in a folder: it is read-only, full, or missing and cannot be made.

    :param folder: the folder.
    :param error: the operating system's error; its text is :attr:`reason`.
    """

    def __init__(self, folder: Path, error: OSError) -> None:
        self.folder = folder
        self.reason = error.strerror or str(error)
        super().__init__(f"cannot write in {folder}: {self.reason}")


class ServiceError(CoachError, RuntimeError):
    """The boot service could not be installed or removed. Exit status 1."""

    exit_code = 1


class HistoryUnavailable(CoachError, OSError):
    """The history file cannot be used here: its folder or file cannot be written, or read."""


class HistoryNewer(HistoryUnavailable):
    """The history file was written by a newer coach; it is left exactly as it is."""


class HistoryCorrupt(CoachError, ValueError):
    """The history file is not a database, or a damaged one."""


class NothingToCarryOn(CoachError, LookupError):
    """There is no session to carry on after a power cut; the message says why."""
