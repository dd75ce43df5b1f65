"""One exception hierarchy; the CLI maps each class to an exit code."""

from __future__ import annotations


class CoachError(Exception):
    """Base of every error the coach reports to a person without a traceback."""

    exit_code = 1


class RoutineError(CoachError, ValueError):
    """A routine file broke a rule. Holds one line per problem found.

    Each line reads ``file:line:column: field.path: rule, got value``.
    """

    exit_code = 3

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class RoutineNotFound(CoachError, LookupError):
    exit_code = 3


class HardwareError(CoachError, RuntimeError):
    """The GPIO or audio hardware could not be used."""

    exit_code = 4


class ScriptError(CoachError, ValueError):
    """A simulation script (``--press-at``) is malformed or cannot go on."""

    exit_code = 2
