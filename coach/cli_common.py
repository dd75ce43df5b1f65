"""Pieces the command modules share."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from coach import settings
from coach.library import Library
from coach.loader import load_routine
from coach.routine import Routine

F = TypeVar("F", bound=Callable[..., Any])


def warn(message: str) -> None:
    click.echo(f"coach: {message}", err=True)


def library_options(function: F) -> F:
    """Add the routine-library settings; the command gets them as ``library: Library``."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["library"] = Library(
            tuple(kwargs.pop("routines_dirs")), kwargs.pop("default_routine")
        )
        return function(*args, **kwargs)

    return settings.setting_options("default_routine", "routines_dirs")(wrapper)  # type: ignore[return-value]


def load_routine_from(lib: Library, name: str | None) -> Routine:
    return load_routine(lib.resolve(name))
