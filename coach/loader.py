"""Read a routine file into a :class:`coach.routine.Routine`, or say exactly what is wrong.

Every problem becomes one line ``file:line:column: field.path: rule, got value``
(an exercise's fields after ``exercise 3 (Heel slides): ``, counted from 1) and
all of them are raised together, in file order, as
:class:`coach.errors.RoutineError`, so that a person can fix a file in one pass.
A misspelt field is reported once, as unknown, not also as missing.
The YAML side (tags, duplicate keys, aliases) lives in :mod:`coach.yamltree`;
this module knows the routine format.
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import math
import os
import re
import string
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

from coach.errors import RoutineError
from coach.plan import plan_size
from coach.routine import (
    HOLD_REST_DEFAULT_SECONDS,
    PLACEHOLDERS,
    READY_DEFAULT_SECONDS,
    TEMPO_PHASES,
    Breathing,
    Exercise,
    Kind,
    Phase,
    Routine,
    Tempo,
)
from coach.yamltree import (
    Broken,
    Entry,
    Map,
    NotRegularFile,
    Problem,
    Scalar,
    Seq,
    Tree,
    TreeError,
    join,
    open_regular,
    printable,
    read_tree,
    shown,
)
from coach.yamltree import located as _located

__all__ = [
    "EXERCISE_FIELDS",
    "KIND_FIELDS",
    "MAX_FILE_BYTES",
    "TOP_FIELDS",
    "exercise_label",
    "load_routine",
    "parse_routine",
]

#: A routine is a few kilobytes; the cap keeps a stray large file from stalling a Pi.
MAX_FILE_BYTES = 256 * 1024
MAX_EXERCISES = 200
MAX_SIDES = 4
MAX_TEXT_CHARS = 2000
MAX_SECONDS = 3600
MAX_COUNT = 100

TOP_FIELDS = (
    "name",
    "description",
    "safety",
    "tones",
    "speech",
    "pain_check",
    "check_in",
    "times_a_day",
    "phase",
    "defaults",
    "exercises",
)
EXERCISE_FIELDS = (
    "name",
    "instructions",
    "sides",
    "sets",
    "reps",
    "hold_seconds",
    "duration_seconds",
    "until",
    "breathe",
    "rest_seconds",
    "set_rest_seconds",
    "ready",
    "after_set",
    "breathe_after",
    "calm",
    "check_in",
    "fetch",
    "tempo",
    "alternate",
)
#: The fields that decide what an exercise is, and the kind each one makes.
KIND_FIELDS: dict[str, Kind] = {
    "hold_seconds": "hold",
    "duration_seconds": "activity",
    "until": "button",
    "breathe": "breathe",
    "tempo": "counted",
}
_KIND_CHOICE = "hold_seconds, duration_seconds, until, breathe or tempo"
#: Paced breathing: seconds of each half breath, and how many breaths. Two
#: seconds leave room for "Breathe in." at the slowest speaking rate the
#: settings allow (80 words a minute); a long lead-in can still crowd it, which
#: ``coach preview --cues`` shows as dropped.
BREATH_FIELDS = ("in_seconds", "out_seconds", "breaths")
MIN_HALF_BREATH_SECONDS = 2
MAX_HALF_BREATH_SECONDS = 10
MAX_BREATHS = 20
#: The prescription: sessions a day, the phases of a programme, a prop's name.
MAX_TIMES_A_DAY = 12
MAX_PHASES = 20
PHASE_FIELDS = ("number", "of", "name")
MAX_PROP_CHARS = 100
#: A counted rep: a single time (``tempo: 3``) or phases of 0.5 s or more; 1 s at least in all.
MIN_REP_SECONDS = 1
MAX_REP_SECONDS = 60
MIN_PHASE_SECONDS = 0.5
_ALLOWED_PLACEHOLDERS = ", ".join("{" + name + "}" for name in PLACEHOLDERS)

_Check = Callable[[Tree, str], Any]
# ``name:Heel slides``, a field with no space after its colon: YAML reads text.
_GLUED = re.compile(r"^([a-z_]+):(\S.*)$")


def parse_routine(text: str | bytes, source: str) -> Routine:
    """Validate routine YAML and build the :class:`Routine` it describes.

    ``source`` names the file in messages; it also becomes ``Routine.source``,
    and its stem ``Routine.slug``. Raises :class:`RoutineError` listing every
    problem found.
    """
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "replace"))
    if size > MAX_FILE_BYTES:
        raise RoutineError([_too_big(source, f"{size} bytes")])
    if isinstance(text, bytes):
        text = _decode(text, source)
    try:
        tree, tree_problems = read_tree(text)
    except TreeError as error:
        raise RoutineError([_format(source, problem) for problem in error.problems]) from None
    checker = _Checker(tree_problems)
    routine = checker.routine(tree)
    if checker.problems or routine is None:
        # Sorting is stable, so problems at one position keep the order found.
        ordered = sorted(checker.problems, key=lambda p: (p.line or 0, p.column or 0))
        labels = _exercise_labels(tree)
        raise RoutineError([_format(source, _relabelled(p, labels)) for p in ordered])
    return dataclasses.replace(routine, source=source, slug=PurePath(source).stem)


def load_routine(path: str | os.PathLike[str]) -> Routine:
    """Read and validate the routine file at ``path``; see :func:`parse_routine`."""
    source = os.fspath(path)
    try:
        with open_regular(source) as file:
            size = os.fstat(file.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise RoutineError([_too_big(source, f"{size} bytes")])
            # Read one byte past the cap: some files (in /proc, say) report no size.
            data = file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise RoutineError([f"{printable(source)}: file not found"]) from None
    except NotRegularFile as error:
        raise RoutineError([f"{printable(source)}: is {error.kind}, not a routine file"]) from None
    except OSError as error:
        raise RoutineError(
            [f"{printable(source)}: cannot read the file: {error.strerror or error}"]
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise RoutineError([_too_big(source, f"more than {MAX_FILE_BYTES} bytes")])
    return parse_routine(data, source)


#: Longest exercise name a message shows; longer ones are cut, with "...".
LABEL_CHARS = 40


def exercise_label(number: int, name: str | None) -> str:
    """How messages name an exercise: ``exercise 3 (Heel slides)``, counted from 1.

    ``name`` is left out when it is not known (missing or invalid), and shown
    escaped when it holds anything a terminal would not print as it is.
    """
    if not name:
        return f"exercise {number}"
    if len(name) > LABEL_CHARS:
        name = name[: LABEL_CHARS - 3] + "..."
    return f"exercise {number} ({name if name.isprintable() else shown(name)})"


def _exercise_labels(tree: Tree) -> list[str]:
    """The label of every exercise in the file, in order, from whatever of it could be read."""
    top = tree.entries if isinstance(tree, Map) else ()
    exercises = next((e.value for e in top if e.key == "exercises"), None)
    if not isinstance(exercises, Seq):
        return []
    labels = []
    for number, item in enumerate(exercises.items, 1):
        fields = item.entries if isinstance(item, Map) else ()
        name = next((e.value for e in fields if e.key == "name"), None)
        text = name.value if isinstance(name, Scalar) and name.tag == "str" else None
        labels.append(exercise_label(number, text.strip() if isinstance(text, str) else None))
    return labels


# The field paths the checks build (``exercises[2].sides[1].x``), as people read them.
_EXERCISE_PATH = re.compile(r"^exercises\[(\d+)\](?:\.sides\[(\d+)\])?(?:\.|(?=[:\[]))")


def _relabelled(problem: Problem, labels: list[str]) -> Problem:
    """``exercises[2].hold_seconds: ...`` -> ``exercise 3 (Heel slides): hold_seconds: ...``."""
    match = _EXERCISE_PATH.match(problem.message)
    if match is None or int(match[1]) >= len(labels):
        return problem
    rest = problem.message[match.end() :]
    label = labels[int(match[1])]
    if match[2] is not None:
        label += f": side {int(match[2]) + 1}"
    return dataclasses.replace(problem, message=label + (rest if rest[:1] == ":" else ": " + rest))


def _too_big(source: str, got: str) -> str:
    limit = f"{MAX_FILE_BYTES} bytes ({MAX_FILE_BYTES // 1024} KiB)"
    return f"{printable(source)}: the file must be at most {limit}, got {got}"


def _format(source: str, problem: Problem) -> str:
    if problem.line is None:
        return f"{printable(source)}: {problem.message}"
    return f"{printable(source)}:{problem.line}:{problem.column}: {problem.message}"


def _decode(data: bytes, source: str) -> str:
    # YAML allows UTF-16 with a byte order mark (Windows Notepad's "Unicode");
    # everything else must be UTF-8, with or without a BOM.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise RoutineError(
                [f"{printable(source)}: the file must be UTF-8 text, got broken UTF-16"]
            ) from None
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        before = body[: error.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8")) + 1
        got = f"byte 0x{body[error.start]:02x}"
        raise RoutineError(
            [f"{printable(source)}:{line}:{column}: the file must be UTF-8 text, got {got}"]
        ) from None


def _describe(tree: Tree) -> str:
    """The offending value as a message shows it: quoted text, numbers as written."""
    if isinstance(tree, Seq):
        return "a list" if tree.items else "an empty list"
    if isinstance(tree, Map):
        return "a mapping" if tree.entries else "an empty mapping"
    if isinstance(tree, Broken):  # pragma: no cover - never described; reported already
        return "an invalid value"
    if tree.tag == "str":
        return shown(str(tree.value))
    if tree.tag == "null" and not tree.text:
        return "nothing"
    # As written; escaped when an explicit tag (``!!null "..."``) hides odd text.
    return tree.text if tree.text.isprintable() else shown(tree.text)


@dataclasses.dataclass
class _Fields:
    """The known fields of one mapping: where each was written and its value if valid."""

    entries: dict[str, Entry] = dataclasses.field(default_factory=dict)
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: False when the mapping could not be read at all, so its fields are unknown.
    complete: bool = True
    #: The fields that unknown ones were taken for ("did you mean ...?"): a
    #: field misspelt is reported once, not also as missing.
    suggested: set[str] = dataclasses.field(default_factory=set)


class _Checker:
    """Walks the tree, collecting problems and building values that passed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        self._top_checks: dict[str, _Check] = {
            "name": self._name,
            "description": self._text,
            "safety": self._text,
            "tones": self._switch,
            "speech": self._switch,
            "pain_check": self._switch,
            "check_in": self._switch,
            "times_a_day": lambda tree, path: self._count(tree, path, MAX_TIMES_A_DAY),
            "phase": self._phase,
            "defaults": self._defaults,
            "exercises": lambda tree, path: tree,  # needs the defaults; see routine()
        }
        self._exercise_checks: dict[str, _Check] = {
            "name": self._name,
            "instructions": self._instructions,
            "sides": self._sides,
            "sets": self._count,
            "reps": self._count,
            "hold_seconds": self._seconds(1),
            "duration_seconds": self._seconds(1),
            "until": self._until,
            "breathe": self._breathing,
            "rest_seconds": self._seconds(0),
            "set_rest_seconds": self._seconds(0),
            "ready": self._ready,
            "after_set": self._text,
            "breathe_after": self._breathing,
            "calm": self._switch,
            "check_in": self._switch,
            "fetch": self._prop,
            "tempo": self._tempo,
            "alternate": self._switch,
        }
        # The field tuples are what messages list and the schema test compares.
        assert tuple(self._top_checks) == TOP_FIELDS
        assert tuple(self._exercise_checks) == EXERCISE_FIELDS

    def _fail(self, at: Tree | Entry, path: str, message: str) -> None:
        self.problems.append(Problem(at.line, at.column, _located(path, message)))

    # -- the routine and its mappings ---------------------------------------

    def routine(self, tree: Tree) -> Routine | None:
        if not isinstance(tree, Map):
            if not isinstance(tree, Broken):
                self._fail(
                    tree,
                    "",
                    "the top level must be a mapping with 'name' and 'exercises', "
                    f"got {_describe(tree)}",
                )
            return None
        fields = self._fields(tree, "", self._top_checks)
        self._require(tree, "", fields, ("name", "exercises"))
        defaults: _Fields | None = fields.values.get("defaults")
        if "defaults" in fields.entries and defaults is None:
            defaults = _Fields(complete=False)  # not a mapping: do not guess its kind
        exercises = None
        if "exercises" in fields.entries:
            exercises = self._exercises(fields.entries["exercises"].value, defaults)
        if exercises is None or "name" not in fields.values:
            return None
        routine = Routine(
            name=fields.values["name"],
            exercises=exercises,
            description=fields.values.get("description", ""),
            safety=fields.values.get("safety", ""),
            tones=fields.values.get("tones", True),
            speech=fields.values.get("speech", True),
            pain_check=fields.values.get("pain_check", False),
            check_in=fields.values.get("check_in", False),
            times_a_day=fields.values.get("times_a_day"),
            phase=fields.values.get("phase"),
        )
        # Counted from the numbers, so a routine of years is refused in a moment.
        too_big = plan_size(routine).problem
        if too_big is not None:
            self._fail(fields.entries["exercises"], "exercises", too_big + _largest(routine))
        return routine

    def _fields(
        self,
        node: Map,
        path: str,
        checks: Mapping[str, _Check],
        refused: Mapping[str, str] | None = None,
    ) -> _Fields:
        fields = _Fields()
        for entry in node.entries:
            where = join(path, entry.key)
            if refused and entry.key in refused:
                self._fail(entry, where, refused[entry.key])
            elif entry.key not in checks:
                self._unknown(entry, path, checks, fields)
            else:
                fields.entries[entry.key] = entry
                value = checks[entry.key](entry.value, where)
                if value is not None:
                    fields.values[entry.key] = value
        kinds = [entry for entry in node.entries if entry.key in KIND_FIELDS]
        for extra in kinds[1:]:
            self._fail(
                extra,
                join(path, extra.key),
                f"only one of {_KIND_CHOICE} may be set; "
                f"{kinds[0].key} is already set on line {kinds[0].line}",
            )
        return fields

    def _unknown(
        self, entry: Entry, path: str, checks: Mapping[str, _Check], fields: _Fields
    ) -> None:
        unknown = f"unknown field {shown(entry.key)}"
        if not path and entry.key in EXERCISE_FIELDS:
            self._fail(
                entry,
                path,
                f"{unknown} at the top of the file; an exercise's fields go under it, "
                "indented like its name",
            )
            return
        if tuple(checks) == BREATH_FIELDS and entry.key in EXERCISE_FIELDS:
            # ``reps:`` under ``breathe_after:``, indented as its breaths' fields
            owner = path.rsplit(".", 1)[-1]
            self._fail(
                entry,
                path,
                f"{unknown}; an exercise's field goes under the exercise, indented like {owner!r}",
            )
            return
        close = difflib.get_close_matches(entry.key, list(checks), n=1)
        if close:
            fields.suggested.add(close[0])
            self._fail(entry, path, f"{unknown} (did you mean {close[0]!r}?)")
        else:
            self._fail(entry, path, f"{unknown}; allowed: " + ", ".join(checks))

    def _require(self, node: Map, path: str, fields: _Fields, names: tuple[str, ...]) -> None:
        for name in names:
            if name not in fields.entries and name not in fields.suggested:
                self._fail(node, path, f"missing required field {name!r}")

    def _defaults(self, tree: Tree, path: str) -> _Fields | None:
        if not isinstance(tree, Map):
            self._reject(tree, path, "must be a mapping of exercise fields")
            return None
        checks = {k: v for k, v in self._exercise_checks.items() if k != "name"}
        refused = {"name": "every exercise needs its own name, so defaults cannot set one"}
        return self._fields(tree, path, checks, refused)

    def _exercises(self, tree: Tree, defaults: _Fields | None) -> tuple[Exercise, ...] | None:
        rule = f"must be a list of 1 to {MAX_EXERCISES} exercises"
        if not isinstance(tree, Seq):
            self._reject(tree, "exercises", rule)
            return None
        if not tree.items:
            self._fail(tree, "exercises", f"{rule}, got an empty list")
        elif len(tree.items) > MAX_EXERCISES:
            self._fail(tree, "exercises", f"{rule}, got {len(tree.items)} exercises")
        built = [
            self._exercise(item, f"exercises[{index}]", defaults)
            for index, item in enumerate(tree.items)
        ]
        exercises = tuple(exercise for exercise in built if exercise is not None)
        return exercises if len(exercises) == len(built) else None

    def _exercise(self, tree: Tree, path: str, defaults: _Fields | None) -> Exercise | None:
        if not isinstance(tree, Map):
            rule = "must be a mapping of exercise fields"
            text = tree.value if isinstance(tree, Scalar) and tree.tag == "str" else None
            glued = _GLUED.match(text) if isinstance(text, str) else None
            if glued:  # ``- name:Heel slides``: one piece of text to YAML
                space = f"put a space after the colon: '{glued[1]}: {glued[2]}'"
                self._fail(tree, path, f"{rule}, got {_describe(tree)} ({space})")
            else:
                self._reject(tree, path, rule)
            return None
        fields = self._fields(tree, path, self._exercise_checks)
        self._require(tree, path, fields, ("name",))
        # An exercise that says what it is ignores whatever kind the defaults give.
        own_kind = any(key in fields.entries for key in KIND_FIELDS)
        inherited: dict[str, Any] = dict(defaults.values) if defaults else {}
        if own_kind:
            for key in KIND_FIELDS:
                inherited.pop(key, None)
        elif defaults is None or not any(key in defaults.entries for key in KIND_FIELDS):
            misspelt = fields.suggested | (defaults.suggested if defaults else set())
            if (defaults is None or defaults.complete) and not misspelt & set(KIND_FIELDS):
                self._fail(tree, path, f"needs exactly one of {_KIND_CHOICE}")
            return None
        # Whatever is invalid has been reported, so nothing built here is returned
        # unless every value is present and sound.
        values = {**inherited, **fields.values}
        kind_field = next((key for key in KIND_FIELDS if key in values), None)
        if kind_field is None or "name" not in values:
            return None
        kind = KIND_FIELDS[kind_field]
        breathing: Breathing | None = values[kind_field] if kind == "breathe" else None
        tempo: Tempo | None = values[kind_field] if kind == "counted" else None
        by_side = self._by_side(tree, path, fields, values)
        if by_side is None:
            return None
        instructions = values.get("instructions", "")
        return Exercise(
            name=values["name"],
            kind=kind,
            seconds=None
            if kind == "button"
            else breathing.seconds
            if breathing is not None
            else tempo.seconds
            if tempo is not None
            else values[kind_field],
            instructions=instructions if isinstance(instructions, str) else "",
            sides=values.get("sides", ()),
            sets=values.get("sets", 1),
            reps=values.get("reps", 1),
            rest_seconds=values.get(
                "rest_seconds", HOLD_REST_DEFAULT_SECONDS if kind == "hold" else 0.0
            ),
            set_rest_seconds=values.get("set_rest_seconds", 0.0),
            ready=values.get("ready", READY_DEFAULT_SECONDS),
            after_set=values.get("after_set", ""),
            breathing=breathing,
            breathe_after=values.get("breathe_after"),
            calm=values.get("calm", False),
            check_in=values.get("check_in"),
            fetch=values.get("fetch", ""),
            tempo=tempo,
            alternate=values.get("alternate", False),
            side_instructions=by_side,
            line=tree.line,
        )

    def _by_side(
        self, tree: Map, path: str, fields: _Fields, values: dict[str, Any]
    ) -> tuple[tuple[str, str], ...] | None:
        """Check what needs the sides (``alternate``, instructions by side); ``None`` if wrong.

        Returns the instructions by side, empty when they are one text.
        """
        sides: tuple[str, ...] = values.get("sides", ())
        ok = True
        if values.get("alternate") and len(sides) < 2:
            rule = f"needs at least two sides to alternate, got {len(sides)}"
            self._fail_field(tree, path, fields, "alternate", rule)
            ok = False
        instructions = values.get("instructions", "")
        if isinstance(instructions, str):
            return () if ok else None
        named = [side for side, _ in instructions]
        if values.get("alternate"):
            rule = "must be one text when alternate is true, got a mapping by side"
            self._fail_field(tree, path, fields, "instructions", rule)
            return None
        if sorted(named) != sorted(sides):
            listed = ", ".join(sides) if sides else "no sides"
            rule = (
                f"a mapping by side must name every side of the exercise once ({listed}), "
                f"got {', '.join(named)}"
            )
            self._fail_field(tree, path, fields, "instructions", rule)
            return None
        return tuple(instructions) if ok else None

    def _fail_field(self, tree: Map, path: str, fields: _Fields, name: str, message: str) -> None:
        """Report ``message`` at field ``name`` where the mapping sets it, else at the mapping
        (the value came from the defaults).
        """
        if name in fields.entries:
            self._fail(fields.entries[name], join(path, name), message)
        else:
            self._fail(tree, path, message)

    # -- single values -----------------------------------------------------

    def _reject(self, tree: Tree, path: str, rule: str) -> None:
        """Report ``tree`` as breaking ``rule`` unless it was reported already."""
        if not isinstance(tree, Broken):
            self._fail(tree, path, f"{rule}, got {_describe(tree)}")

    def _seconds(self, low: float, high: float = MAX_SECONDS) -> _Check:
        rule = f"must be a number of seconds from {low} to {high}"
        return lambda tree, path: self._number(tree, path, low, rule, high)

    def _number(
        self, tree: Tree, path: str, low: float, rule: str, high: float = MAX_SECONDS
    ) -> float | None:
        # Tags, not isinstance: True is an int in Python but not a number of seconds.
        if isinstance(tree, Scalar) and tree.tag in ("int", "float"):
            value = tree.value
            assert isinstance(value, (int, float))
            # The range first: a huge whole number is out of it, and too big for isfinite.
            if low <= value <= high and math.isfinite(value):
                return float(value)
        self._reject(tree, path, rule)
        return None

    def _count(self, tree: Tree, path: str, most: int = MAX_COUNT) -> int | None:
        if (
            isinstance(tree, Scalar)
            and tree.tag == "int"
            and isinstance(tree.value, int)
            and 1 <= tree.value <= most
        ):
            return tree.value
        self._reject(tree, path, f"must be a whole number from 1 to {most}")
        return None

    def _switch(self, tree: Tree, path: str) -> bool | None:
        if isinstance(tree, Scalar) and tree.tag == "bool" and isinstance(tree.value, bool):
            return tree.value
        self._reject(tree, path, "must be true or false")
        return None

    def _until(self, tree: Tree, path: str) -> str | None:
        if isinstance(tree, Scalar) and tree.tag == "str" and tree.value == "button":
            return "button"
        self._reject(tree, path, "must be 'button'")
        return None

    def _breathing(self, tree: Tree, path: str) -> Breathing | None:
        if not isinstance(tree, Map):
            self._reject(tree, path, "must be a mapping of " + ", ".join(BREATH_FIELDS))
            return None
        half = self._seconds(MIN_HALF_BREATH_SECONDS, MAX_HALF_BREATH_SECONDS)
        checks: dict[str, _Check] = {
            "in_seconds": half,
            "out_seconds": half,
            "breaths": lambda t, p: self._count(t, p, MAX_BREATHS),
        }
        fields = self._fields(tree, path, checks)
        self._require(tree, path, fields, BREATH_FIELDS)
        if any(name not in fields.values for name in BREATH_FIELDS):
            return None
        return Breathing(
            fields.values["in_seconds"], fields.values["out_seconds"], fields.values["breaths"]
        )

    # -- the prescription ------------------------------------------------

    def _phase(self, tree: Tree, path: str) -> Phase | None:
        if not isinstance(tree, Map):
            self._reject(tree, path, "must be a mapping of " + ", ".join(PHASE_FIELDS))
            return None
        checks: dict[str, _Check] = {
            "number": lambda t, p: self._count(t, p, MAX_PHASES),
            "of": lambda t, p: self._count(t, p, MAX_PHASES),
            "name": lambda t, p: self._text(t, p, required=True, placeholders=False),
        }
        fields = self._fields(tree, path, checks)
        self._require(tree, path, fields, ("number",))
        number, of = fields.values.get("number"), fields.values.get("of")
        if number is not None and of is not None and number > of:
            at = fields.entries["number"].value
            self._fail(
                at,
                join(path, "number"),
                f"must be at most the number of phases (of: {of}), got {number}",
            )
            return None
        if len(fields.values) != len(fields.entries) or number is None:
            return None
        return Phase(number, of, fields.values.get("name", ""))

    def _prop(self, tree: Tree, path: str) -> str | None:
        """A prop to fetch, said as "Fetch {prop}, then press."."""
        text = self._text(tree, path, required=True, placeholders=False)
        if text is None:
            return None
        if len(text) > MAX_PROP_CHARS or "\n" in text:
            rule = f"must be one line of at most {MAX_PROP_CHARS} characters"
            self._fail(tree, path, f"{rule}, got {_describe(tree)}")
            return None
        return text.rstrip(".!").strip()

    def _instructions(self, tree: Tree, path: str) -> str | tuple[tuple[str, str], ...] | None:
        """One text, or a mapping from each side to its own text."""
        if not isinstance(tree, Map):
            return self._text(tree, path)
        if not tree.entries:
            self._reject(tree, path, "must be a string, or a mapping from each side to a string")
            return None
        problems = len(self.problems)
        by_side: list[tuple[str, str]] = []
        for entry in tree.entries:
            text = self._text(entry.value, join(path, entry.key))
            if text is not None:
                by_side.append((entry.key, text))
        return tuple(by_side) if len(self.problems) == problems else None

    def _tempo(self, tree: Tree, path: str) -> Tempo | None:
        """Seconds for each rep, or a mapping of its phases in order: ``{up: 2, down: 2}``."""
        single = f"must be seconds for each rep from {MIN_REP_SECONDS} to {MAX_REP_SECONDS}"
        allowed = ", ".join(TEMPO_PHASES)
        if not isinstance(tree, Map):
            rule = f"{single}, or a mapping of phases ({allowed}) to seconds"
            value = self._number(tree, path, MIN_REP_SECONDS, rule, MAX_REP_SECONDS)
            return None if value is None else Tempo((("", value),))
        seconds = self._seconds(MIN_PHASE_SECONDS, MAX_REP_SECONDS)
        problems = len(self.problems)
        fields = self._fields(tree, path, {name: seconds for name in TEMPO_PHASES})
        if not tree.entries:
            self._reject(tree, path, f"must name at least one phase ({allowed})")
        if len(self.problems) != problems:
            return None
        tempo = Tempo(tuple(fields.values.items()))
        if tempo.seconds < MIN_REP_SECONDS:
            self._fail(tree, path, f"a rep must take at least {MIN_REP_SECONDS} second, "
                       f"got {tempo.seconds:g}")  # fmt: skip
            return None
        return tempo

    def _ready(self, tree: Tree, path: str) -> float | str | None:
        if isinstance(tree, Scalar) and tree.tag == "str" and tree.value == "button":
            return "button"
        rule = f"must be a number of seconds from 0 to {MAX_SECONDS} or 'button'"
        return self._number(tree, path, 0, rule)

    def _name(self, tree: Tree, path: str) -> str | None:
        return self._text(tree, path, required=True)

    def _text(
        self, tree: Tree, path: str, *, required: bool = False, placeholders: bool = True
    ) -> str | None:
        rule = "must be a non-empty string" if required else "must be a string"
        if not (isinstance(tree, Scalar) and tree.tag == "str" and isinstance(tree.value, str)):
            self._reject(tree, path, rule)
            return None
        text = tree.value
        problems = len(self.problems)
        if required and not text.strip():
            self._fail(tree, path, f"{rule}, got {_describe(tree)}")
        if len(text) > MAX_TEXT_CHARS:
            self._fail(
                tree,
                path,
                f"must be at most {MAX_TEXT_CHARS} characters long, got {len(text)} characters",
            )
        if placeholders:
            for message in _placeholder_problems(text):
                self._fail(tree, path, f"{message}, got {_describe(tree)}")
        return text.strip() if len(self.problems) == problems else None

    def _sides(self, tree: Tree, path: str) -> tuple[str, ...] | None:
        rule = f"must be a list of 1 to {MAX_SIDES} different non-empty strings"
        if not isinstance(tree, Seq):
            self._reject(tree, path, rule)
            return None
        problems = len(self.problems)
        if not 1 <= len(tree.items) <= MAX_SIDES:
            got = f"{len(tree.items)} sides" if tree.items else "an empty list"
            self._fail(tree, path, f"{rule}, got {got}")
        sides: list[str] = []
        first: dict[str, int] = {}
        for index, item in enumerate(tree.items):
            side = self._text(item, f"{path}[{index}]", required=True, placeholders=False)
            if side is None:
                continue
            if side.casefold() in first:
                earlier = f"side {first[side.casefold()] + 1}"
                self._fail(
                    item, f"{path}[{index}]", f"must differ from {earlier}, got {_describe(item)}"
                )
            first.setdefault(side.casefold(), index)
            sides.append(side)
        return tuple(sides) if len(self.problems) == problems else None


def _largest(routine: Routine) -> str:
    """Which exercise of a routine too big to run plans the most, and how much."""
    sizes = [plan_size(dataclasses.replace(routine, exercises=(ex,))) for ex in routine.exercises]
    index = max(range(len(sizes)), key=lambda i: sizes[i].share)
    # Less the introduction and the summary, which a routine of one exercise has too.
    size = dataclasses.replace(sizes[index], steps=sizes[index].steps - 2)
    label = exercise_label(index + 1, routine.exercises[index].name)
    return f"; the largest is {label}, {size.shown}"


def _placeholder_problems(text: str) -> list[str]:
    """What is wrong with the ``{...}`` placeholders in ``text``, if anything."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return ["has a lone '{' or '}' (write '{{' or '}}' for a literal brace)"]
    unknown: list[str] = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        spelled = "{" + name + (f"!{conversion}" if conversion else "")
        spelled += (f":{spec}" if spec else "") + "}"
        if (name not in PLACEHOLDERS or spec or conversion) and spelled not in unknown:
            unknown.append(spelled)
    return [f"unknown placeholder {p!r}; allowed: {_ALLOWED_PLACEHOLDERS}" for p in unknown]
