"""The routine data model: what a validated routine file turns into.

Loading and validation live in :mod:`coach.loader`; this module only holds the
typed result, so the plan compiler and the engine never see raw YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["hold", "activity", "button", "breathe", "counted"]

#: ``ready`` is either a lead-in in seconds or the word ``button``.
Ready = float | Literal["button"]

#: Placeholders that routine text may use.
PLACEHOLDERS = ("rep", "reps", "set", "sets", "side", "seconds", "exercise")

HOLD_REST_DEFAULT_SECONDS = 10.0
#: The phases a ``tempo`` may name, in any order, each at most once.
TEMPO_PHASES = ("up", "hold", "down", "in", "out", "relax")
READY_DEFAULT_SECONDS = 5.0


@dataclass(frozen=True)
class Breathing:
    """Paced breathing: ``breaths`` rounds of an in-breath and an out-breath.

    :param in_seconds: the length of each in-breath.
    :param out_seconds: the length of each out-breath.
    :param breaths: how many breaths, each one in and one out.
    """

    in_seconds: float
    out_seconds: float
    breaths: int

    @property
    def seconds(self) -> float:
        """The length of all the breaths together."""
        return self.breaths * (self.in_seconds + self.out_seconds)


@dataclass(frozen=True)
class Phase:
    """Where a routine stands in a programme of several: phase ``number`` of ``of``.

    :param number: which phase, from 1.
    :param of: how many phases the programme has; default not said.
    :param name: what the phase is for ("protect and move"); default none.
    """

    number: int
    of: int | None = None
    name: str = ""

    @property
    def spoken(self) -> str:
        """As the opening words say it: "This is phase 1 of 3."."""
        return f"This is {self._counted}."

    @property
    def shown(self) -> str:
        """As listings show it: "phase 1 of 3: protect and move"."""
        return self._counted + (f": {self.name}" if self.name else "")

    @property
    def _counted(self) -> str:
        """The phase counted: ``phase 1 of 3``, or ``phase 1`` when the length is not said."""
        return f"phase {self.number}" + (f" of {self.of}" if self.of is not None else "")


@dataclass(frozen=True)
class Tempo:
    """The timing of one counted rep: its phases in order, each with its seconds.

    A rep of a single time (``tempo: 3``) has one phase named ``""``: only
    the rep's number is said.

    :param phases: ``(name, seconds)`` pairs in order, names from :data:`TEMPO_PHASES`.
    """

    phases: tuple[tuple[str, float], ...]

    @property
    def seconds(self) -> float:
        """The length of one rep, every phase together."""
        return sum(seconds for _, seconds in self.phases)


@dataclass(frozen=True)
class Exercise:
    """One movement, with defaults already applied.

    ``kind`` tells which of ``hold_seconds`` (``hold``), ``duration_seconds``
    (``activity``), ``until: button`` (``button``), ``breathe`` (``breathe``)
    or ``tempo`` (``counted``) the file gave; ``seconds`` is the hold or
    activity length, the length of all the breaths for ``breathe``, the length
    of one rep for ``counted``, ``None`` for ``button``.

    :param name: said as the exercise is announced.
    :param instructions: said after the name; default none.
    :param sides: worked in turn in every set (``left``, ``right``); default none.
    :param sets: how many times the exercise is done, every side each time; default 1.
    :param reps: repetitions of each side in a set; default 1.
    :param rest_seconds: rest between repetitions; default 0 (the loader gives holds 10).
    :param set_rest_seconds: rest between sets; default 0.
    :param ready: a hold's lead-in before each side, in seconds, or ``button``; default 5.
    :param after_set: said after each set; default none.
    :param breathing: the breaths of a ``breathe`` exercise; default none.
    :param breathe_after: paced breathing after each side and each set; default none.
    :param calm: said without digits, "halfway" or a countdown, and ended gently; default no.
    :param check_in: ask "did that hurt?" after it (True), never (False), or as
        the routine says (``None``); default ``None``.
    :param fetch: a prop to fetch before it ("a rolled towel"): the coach asks
        for it and waits for the button, unless the exercise before fetched the
        same; default none.
    :param tempo: the phases of each counted rep (``counted``); default none.
    :param alternate: work the sides in turn rep by rep (right, left, right,
        left) rather than all the reps of one side first; default no.
    :param side_instructions: ``(side, text)`` pairs said instead of
        ``instructions`` as each side begins; default none.
    :param line: the line of the file the exercise starts on; default 0.
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
    breathing: Breathing | None = None
    breathe_after: Breathing | None = None
    calm: bool = False
    check_in: bool | None = None
    fetch: str = ""
    tempo: Tempo | None = None
    alternate: bool = False
    side_instructions: tuple[tuple[str, str], ...] = ()
    line: int = 0

    def instructions_for(self, side: str | None) -> str:
        """The instructions as written for ``side`` (placeholders not filled yet)."""
        return dict(self.side_instructions).get(side or "", self.instructions)

    @property
    def instructions_per_side(self) -> bool:
        """True when the instructions differ by side, so each side's are said as it begins."""
        if len(self.sides) < 2 or self.alternate:
            return False
        return bool(self.side_instructions) or "{side}" in self.instructions


@dataclass(frozen=True)
class Routine:
    """A validated routine, as :func:`~coach.loader.load_routine` builds it from a file.

    :param name: said first, as the title.
    :param exercises: the exercises in order, at least one.
    :param description: what the routine is for; never said; default none.
    :param safety: said after the title; default none.
    :param source: the file it was read from; default none.
    :param slug: its name in the library, the file name's stem; default none.
    :param tones: tones before the start and stop words; default on.
    :param speech: speak the cues; off plays the tones alone; default on.
    :param pain_check: ask for pain from 0 to 10 before the first exercise and
        after the last; default off.
    :param check_in: ask "did that hurt?" after every exercise that does not
        say otherwise; default off.
    :param times_a_day: how many sessions a day are prescribed, 1 to 12; said
        at the end of a session with today's count from the history; default
        none (not said).
    :param phase: where the routine stands in a programme of phases, said in
        the opening words; default none.
    """

    name: str
    exercises: tuple[Exercise, ...]
    description: str = ""
    safety: str = ""
    source: str = ""
    slug: str = field(default="")
    #: Per-routine switches: tones before start and stop words; speech at all.
    tones: bool = True
    speech: bool = True
    #: Check-ins: pain before and after; "did that hurt?" after each exercise.
    pain_check: bool = False
    check_in: bool = False
    #: The prescription: sessions a day, and the phase of the programme.
    times_a_day: int | None = None
    phase: Phase | None = None

    def asks_check_in(self, exercise: Exercise) -> bool:
        """True when "did that hurt?" is asked after ``exercise``."""
        return self.check_in if exercise.check_in is None else exercise.check_in
