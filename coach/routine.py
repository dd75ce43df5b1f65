"""The routine data model: what a validated routine file turns into.

Loading and validation live in :mod:`coach.loader`; this module only holds the
typed result, so the plan compiler and the engine never see raw YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["hold", "activity", "button"]

#: ``ready`` is either a lead-in in seconds or the word ``button``.
Ready = float | Literal["button"]

#: Placeholders that routine text may use.
PLACEHOLDERS = ("rep", "reps", "set", "sets", "side", "seconds", "exercise")

HOLD_REST_DEFAULT_SECONDS = 10.0
READY_DEFAULT_SECONDS = 5.0


@dataclass(frozen=True)
class Exercise:
    """One movement, with defaults already applied.

    ``kind`` tells which of ``hold_seconds`` (``hold``), ``duration_seconds``
    (``activity``) or ``until: button`` (``button``) the file gave; ``seconds``
    is the hold or activity length, ``None`` for ``button``.
    """

    name: str
    kind: Kind
    seconds: float | None
    instructions: str = ""
    sides: tuple[str, ...] = ()
    sets: int = 1
    reps: int = 1
    rest_seconds: float = 0.0
    set_rest_seconds: float = 0.0
    ready: Ready = READY_DEFAULT_SECONDS
    after_set: str = ""
    line: int = 0


@dataclass(frozen=True)
class Routine:
    name: str
    exercises: tuple[Exercise, ...]
    description: str = ""
    safety: str = ""
    source: str = ""
    slug: str = field(default="")
    #: Per-routine switches: tones before start and stop words; speech at all.
    tones: bool = True
    speech: bool = True
