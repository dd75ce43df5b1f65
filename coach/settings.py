"""Settings: one table that gives every setting its flag, variable, default and help.

A setting comes from the command line, else the environment (``COACH_...``),
else the settings file (``config.yaml`` in the user's config folder), else
its default. The command line and the environment are click's own; the file
is handed to click as its ``default_map``, which click consults after both,
so the precedence is click's and ``coach config show`` can ask click where
each value came from.

What a command gets is one :class:`Settings` object, built from the table by
name; it flows from the command line to the rig, the speech set-up and the
doctor unchanged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import errno
import functools
import math
import os
import secrets
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from coach.checkin import CHECK_IN_CHOICES, with_check_ins
from coach.errors import SettingsError
from coach.gestures import LONG_SECONDS, STOP_SECONDS, Thresholds
from coach.hardware.gpio import check_pins
from coach.library import DEFAULT_ROUTINE, Library
from coach.paths import patient_routines_dir, user_path
from coach.plan import COUNT_CHOICES
from coach.reminders import parse_time, time_problem
from coach.routine import Routine
from coach.session import PAUSE_END_MINUTES, PAUSE_RESTART_SECONDS
from coach.speech.backend import DEFAULT_ENGINE, ENGINES
from coach.stick import STICK_FOLDER, STICK_MOUNTS
from coach.voice import WORDS_PER_MINUTE
from coach.yamltree import (
    Broken,
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
    text_problem,
)

F = TypeVar("F", bound=Callable[..., Any])

MAX_SETTINGS_BYTES = 64 * 1024
#: How many hours an interrupted session is offered to carry on, by default.
RESUME_HOURS = 6.0
GPIO_PINS = range(0, 28)


def env_list(value: str, split: Callable[[str], Sequence[str]]) -> Sequence[str]:
    """The items of a list setting's environment variable: a YAML flow list, as the
    settings file writes it (``[knee-rehab, mckenzie]``, ``["08:00", "18:30"]``), or
    else as ``split`` (click's) cuts it: at spaces, or at ``:`` for paths.

    :raises click.BadParameter: for a ``[`` that does not start a list of plain values.
    """
    if not value.strip().startswith("["):
        return split(value)
    try:
        tree, problems = read_tree(value)
    except TreeError as exc:
        tree, problems = None, exc.problems
    if problems or not isinstance(tree, Seq) or not all(isinstance(i, Scalar) for i in tree.items):
        rule = problems[0].message if problems else "each item must be a plain value"
        raise click.BadParameter(f"not a list like [a, b]: {rule}, got {shown(value)}")
    return [
        i.value if isinstance(i.value, str) else i.text for i in tree.items if isinstance(i, Scalar)
    ]


class PathType(click.Path):
    """A path, as click's; a list of them in a variable is a YAML flow list or ``:``-separated."""

    def split_envvar_value(self, rv: str) -> Sequence[str]:
        """The paths in ``rv``: see :func:`env_list`."""
        return env_list(rv, super().split_envvar_value)


class PinType(click.ParamType):  # type: ignore[type-arg]
    """A BCM GPIO number, or ``off``."""

    name = "pin"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The pin as an int from 0 to 27; ``None`` for ``off``, ``none`` or nothing."""
        if value is None:
            return None
        if isinstance(value, str):
            word = value.strip().lower()
            if word in ("off", "none", ""):
                return None
            value = int(word) if word.isdigit() else value
        if isinstance(value, int) and not isinstance(value, bool) and value in GPIO_PINS:
            return value
        self.fail(f"must be a GPIO number from 0 to 27 or 'off', got {value!r}", param, ctx)


class NumberRange(click.FloatRange):
    """A finite number from ``low`` to ``high``.

    click's ``FloatRange`` lets NaN through, since every comparison with it is
    false; a NaN lead-in or volume would break every phrase.
    """

    def __init__(self, low: float, high: float) -> None:
        super().__init__(low, high)
        self.low = low
        self.high = high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The number as a float; NaN, infinities and numbers out of range fail."""
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{number} is not a number from {self.low:g} to {self.high:g}", param, ctx)
        return super().convert(number, param, ctx)


class TextType(click.ParamType):  # type: ignore[type-arg]
    """Text that can be printed and spoken: see :func:`coach.yamltree.text_problem`."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The text as it is, unless it cannot be encoded as UTF-8 or has control characters."""
        if not isinstance(value, str):
            self.fail(f"must be a string, got {value!r}", param, ctx)
        problem = text_problem(value)
        if problem is not None:
            rule, at = problem
            self.fail(f"{rule}, got {shown(value, at)}", param, ctx)
        return value

    def split_envvar_value(self, rv: str) -> Sequence[str]:
        """The texts in ``rv``: see :func:`env_list`."""
        return env_list(rv, super().split_envvar_value)


TEXT = TextType()


class TimeOfDayType(click.ParamType):  # type: ignore[type-arg]
    """A time of day, ``HH:MM`` on the 24-hour clock; given back with two digits each."""

    name = "HH:MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The time as ``HH:MM`` ("8:00" is "08:00"); anything else fails with the rule."""
        problem = time_problem(value) if isinstance(value, str) else "must be a time of day HH:MM"
        if problem is not None:
            self.fail(f"{problem}, got {value!r}", param, ctx)
        return parse_time(value)

    def split_envvar_value(self, rv: str) -> Sequence[str]:
        """The times in ``rv``: see :func:`env_list`."""
        return env_list(rv, super().split_envvar_value)


TIME_OF_DAY = TimeOfDayType()


@dataclass(frozen=True)
class Setting:
    """One row of the settings table: a setting's flags, variable, default and help.

    :param key: its name in the settings file and in :class:`Settings`.
    :param flags: its command-line flags (``--button-pin``, ``--pin``).
    :param type: click's type, which checks flags, variables and the file alike.
    :param default: its value when nothing sets it.
    :param help: the help of its flag and of its line in the settings file.
    :param section: the group it is listed in: ``pins``, ``button``, ``speech``,
        ``routines``, ``device``, ``history`` or ``check-ins``.
    :param is_flag_pair: an on/off pair of flags (``--tones/--no-tones``); default no.
    :param multiple: a repeatable flag, and a list in the file; default no.
    """

    key: str
    flags: tuple[str, ...]
    type: Any
    default: Any
    help: str
    section: str
    is_flag_pair: bool = False
    multiple: bool = False

    @property
    def envvar(self) -> str:
        """The environment variable that sets it: ``COACH_`` and the key in capitals."""
        return "COACH_" + self.key.upper()

    def option(self) -> Callable[[F], F]:
        """The click option for it, as a decorator for a command."""
        extra: dict[str, Any] = {}
        if self.multiple:
            extra["multiple"] = True
        return click.option(
            *self.flags,
            self.key,
            type=None if self.is_flag_pair else self.type,
            default=self.default,
            show_default=self.default not in (None, (), ""),
            envvar=self.envvar,
            help=f"{self.help} [env: {self.envvar}]",
            **extra,
        )


SETTINGS: tuple[Setting, ...] = (
    Setting("button_pin", ("--button-pin", "--pin"), PinType(), 17,
            "BCM number of the button's GPIO pin (other leg to ground).", "pins"),
    Setting("led_pin", ("--led-pin",), PinType(), None,
            "BCM number of the status LED's pin (27 in the wiring diagram), or off.", "pins"),
    Setting("buzzer_pin", ("--buzzer-pin",), PinType(), None,
            "BCM number of the buzzer's pin (22 in the wiring diagram), or off.", "pins"),
    Setting("buzzer_type", ("--buzzer-type",), click.Choice(["active", "passive"]), "active",
            "active: a buzzer that beeps by itself; passive: a piezo that plays notes.", "pins"),
    Setting("long_seconds", ("--long-seconds",), NumberRange(0.1, 10.0), LONG_SECONDS,
            "Hold the button this long for a long press (skip; next routine).", "button"),
    Setting("stop_seconds", ("--stop-seconds",), NumberRange(0.2, 20.0), STOP_SECONDS,
            "Hold the button this long to stop.", "button"),
    Setting("pause_restart_seconds", ("--pause-restart-seconds",), NumberRange(10.0, 3600.0),
            PAUSE_RESTART_SECONDS,
            "After a pause longer than this, a hold starts again from its beginning.", "button"),
    Setting("pause_end_minutes", ("--pause-end-minutes",), NumberRange(1.0, 240.0),
            PAUSE_END_MINUTES,
            "A pause, or a wait for the button, this long ends the session.", "button"),
    Setting("speech", ("--speech",), click.Choice(ENGINES), None,
            f"Speech engine: {DEFAULT_ENGINE} (default), "
            f"{', '.join(e for e in ENGINES if e not in (DEFAULT_ENGINE, 'text'))} or text "
            "(text for --instant runs).", "speech"),
    Setting("voice", ("--voice",), TEXT, None,
            "A voice of the engine ('coach voices' lists them); for piper, a model file.",
            "speech"),
    Setting("rate", ("--rate",), click.IntRange(80, 400), int(WORDS_PER_MINUTE),
            "Speaking rate in words per minute.", "speech"),
    Setting("volume", ("--volume",), NumberRange(0.0, 1.0), 1.0,
            "Volume of speech and tones, 0 to 1.", "speech"),
    Setting("audio_device", ("--audio-device",), TEXT, None,
            "ALSA device to play to, e.g. plughw:CARD=Headphones (default: the system's).",
            "speech"),
    Setting("lead_in", ("--lead-in",), NumberRange(0.0, 2.0), 0.0,
            "Seconds of silence before each phrase, for sinks that swallow the first "
            "syllable (some HDMI and Bluetooth speakers).", "speech"),
    Setting("tones", ("--tones/--no-tones",), bool, True,
            "Tones as holds start and end, a chime at the end of a set.", "speech",
            is_flag_pair=True),
    Setting("count", ("--count",), click.Choice(COUNT_CHOICES), "all",
            "How much is counted aloud: all (the 3-2-1 of holds, rests and lead-ins, "
            "'halfway', '10 seconds left'), end (only the 3-2-1 at the end of holds) or "
            "tones (a short tick instead of each spoken digit).", "speech"),
    Setting("speak", ("--speak/--no-speak",), bool, True,
            "Speak the cues; --no-speak plays only the tones.", "speech", is_flag_pair=True),
    Setting("cache_limit_mb", ("--cache-limit-mb",), click.IntRange(1, 100000), 200,
            "Most megabytes the speech cache may hold; the least recently used phrases "
            "go first.", "speech"),
    Setting("default_routine", ("--default-routine",), TEXT, None,
            "The routine used when none is named, and the first one the device menu "
            "offers; default: the first of menu_routines that is in a routine folder, else "
            f"{DEFAULT_ROUTINE}.",
            "routines"),
    Setting("routines_dirs", ("--routines-dir",), PathType(file_okay=False, path_type=Path),
            (), "An extra folder of routine files (repeatable).", "routines", multiple=True),
    Setting("menu_routines", ("--menu-routine",), TEXT, (),
            "The patient's menu: the routines 'coach list' and the device menu offer, in "
            "this order, the first being the default; the bundled routines are hidden "
            "unless named. Routines in the patient's folder that it does not name come "
            'after them (repeatable; in the settings file a list, e.g. [knee-rehab, '
            "mckenzie-extensions]).", "routines", multiple=True),
    Setting("bundled_routines", ("--bundled-routines/--no-bundled-routines",), bool, True,
            "Whether the bundled routines are in the library at all.", "routines",
            is_flag_pair=True),
    Setting("stick_mounts", ("--stick-mount",), PathType(path_type=Path), STICK_MOUNTS,
            "Where USB sticks are mounted: glob patterns of their mount points, watched "
            f"while the device menu waits for a '{STICK_FOLDER}' folder of routines "
            "(repeatable; none: do not watch).", "routines", multiple=True),
    Setting("reminders", ("--reminder",), TIME_OF_DAY, (),
            "A time of day, HH:MM, at which the device reminds you of your stretches unless "
            "a session has started since the reminder before (repeatable; in the settings "
            'file a list, e.g. ["08:00", "18:30"]).', "device", multiple=True),
    Setting("history", ("--history/--no-history",), bool, True,
            "Record every session in the history file (see 'coach history').", "history",
            is_flag_pair=True),
    Setting("resume_hours", ("--resume-hours",), NumberRange(0.0, 168.0), RESUME_HOURS,
            "How many hours an interrupted session (a power cut) is offered to carry on.",
            "history"),
    Setting("pain_check", ("--pain-check",), click.Choice(CHECK_IN_CHOICES), "routine",
            "Ask for pain from 0 to 10 before the first exercise and after the last: "
            "routine (as the routine file says), on or off.", "check-ins"),
    Setting("check_in", ("--check-in",), click.Choice(CHECK_IN_CHOICES), "routine",
            "Ask 'did that hurt?' after each exercise: routine (as the routine file and "
            "its exercises say), on or off.", "check-ins"),
)  # fmt: skip

BY_KEY = {s.key: s for s in SETTINGS}
#: Each part of the box and the setting that gives its pin.
PIN_SETTINGS = {"button": "button_pin", "status LED": "led_pin", "buzzer": "buzzer_pin"}
#: The gesture thresholds, which must be in order (see :class:`Thresholds`).
THRESHOLD_SETTINGS = ("long_seconds", "stop_seconds")


def keys(*sections: str) -> tuple[str, ...]:
    """The settings of ``sections`` ("pins", "button", "speech", ...), in table order."""
    return tuple(s.key for s in SETTINGS if s.section in sections)


@dataclass(frozen=True)
class Settings:
    """The value of every setting in :data:`SETTINGS`, as one object.

    Build it by name with :meth:`from_values` (what is not given is at its
    default from the table); never by position. Each field is the setting of
    the same name: see ``coach config init`` or the README for what each does.

    ::

        settings = Settings.from_values({"rate": 140})
        settings.thresholds  # Thresholds(long_seconds=1.0, stop_seconds=3.0, ...)
    """

    button_pin: int | None
    led_pin: int | None
    buzzer_pin: int | None
    buzzer_type: str
    long_seconds: float
    stop_seconds: float
    pause_restart_seconds: float
    pause_end_minutes: float
    speech: str | None
    voice: str | None
    rate: int
    volume: float
    audio_device: str | None
    lead_in: float
    tones: bool
    count: str
    speak: bool
    cache_limit_mb: int
    default_routine: str | None
    routines_dirs: tuple[Path, ...]
    menu_routines: tuple[str, ...]
    bundled_routines: bool
    stick_mounts: tuple[Path, ...]
    reminders: tuple[str, ...]
    history: bool
    resume_hours: float
    pain_check: str
    check_in: str

    @classmethod
    def from_values(cls, values: Mapping[str, Any] | None = None, **more: Any) -> Settings:
        """Settings with ``values`` (and ``more``) by name, the rest at their defaults.

        :raises TypeError: for a name that is not a setting.
        """
        merged = {s.key: s.default for s in SETTINGS}
        for key, value in {**(values or {}), **more}.items():
            if key not in merged:
                raise TypeError(f"'{key}' is not a setting")
            merged[key] = tuple(value) if BY_KEY[key].multiple else value
        return cls(**merged)

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` by name."""
        return dataclasses.replace(self, **changes)

    def check_ins(self, routine: Routine) -> Routine:
        """``routine`` with the ``pain_check`` and ``check_in`` settings applied, as it runs."""
        return with_check_ins(routine, self.pain_check, self.check_in)

    @property
    def thresholds(self) -> Thresholds:
        """The gesture thresholds; :class:`ValueError` unless long is under stop."""
        return Thresholds(long_seconds=self.long_seconds, stop_seconds=self.stop_seconds)

    def engine(self, instant: bool = False) -> str:
        """The speech engine to use: the chosen one, else text for instant runs, else the default.

        Virtual time has no room for real audio, so instant runs print unless told otherwise.
        """
        return self.speech or ("text" if instant else DEFAULT_ENGINE)

    @property
    def library(self) -> Library:
        """The routine library: the patient's folder, the extra folders, the bundled
        routines (unless off), the patient's menu and the default.

        :raises SettingsError: when ``default_routine`` is not on the patient's menu.
        """
        problem = menu_problem(self.default_routine, self.menu_routines)
        if problem is not None:
            raise SettingsError([problem])
        default = self.default_routine or next(iter(self.menu_routines), DEFAULT_ROUTINE)
        library = Library(
            self.routines_dirs,
            default,
            self.bundled_routines,
            self.menu_routines,
            patient_routines_dir(),
        )
        if self.default_routine is None and (self.menu_routines or not self.bundled_routines):
            library = dataclasses.replace(library, default=_first_offered(library))
        return library

    @property
    def pins(self) -> dict[str, int | None]:
        """Each part of the box and its BCM pin (``None``: not fitted)."""
        return {part: getattr(self, key) for part, key in PIN_SETTINGS.items()}


def _first_offered(library: Library) -> str:
    """The default when ``default_routine`` is not set: the first routine the menu offers.

    That is the menu's first routine that is in a folder (a name not copied yet is
    passed over, as the device menu passes it over); when it names none that is,
    or there is no menu and no bundled routines, the first routine there is.
    """
    offered = library.offered()
    return offered[0].slug if offered else library.default


def menu_problem(default: str | None, menu: Sequence[str]) -> str | None:
    """What is wrong with ``default_routine`` against ``menu_routines``; ``None``: nothing."""
    if default is None or not menu or default in menu:
        return None
    return (
        f"default_routine: {printable(default)!r} is not in menu_routines "
        f"({', '.join(printable(m) for m in menu)}), so the menu would hide it; name one of "
        "them, or leave default_routine out to start with the menu's first routine"
    )


def setting_options(*keys: str) -> Callable[[F], F]:
    """Add the options for ``keys`` (every setting when none are named) as separate parameters."""
    chosen = [BY_KEY[k] for k in keys] if keys else list(SETTINGS)

    def decorate(function: F) -> F:
        for setting in reversed(chosen):
            function = setting.option()(function)
        return function

    return decorate


def settings_options(*keys: str) -> Callable[[F], F]:
    """Add the options for ``keys`` (all when none are named); the command gets ``settings``.

    The command receives one :class:`Settings` built by name from the options
    it declares; settings it does not take stay at their defaults.
    """
    names = keys or tuple(BY_KEY)

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs["settings"] = Settings.from_values({k: kwargs.pop(k) for k in names})
            return function(*args, **kwargs)

        return setting_options(*names)(wrapper)  # type: ignore[return-value]

    return decorate


# -- the file ----------------------------------------------------------------------


#: The environment variable that names the settings file.
CONFIG_VARIABLE = "COACH_CONFIG"


def config_path() -> Path:
    """``$COACH_CONFIG``, else ``$XDG_CONFIG_HOME/voice-coach/config.yaml``, else ~/.config."""
    return user_path(CONFIG_VARIABLE, "XDG_CONFIG_HOME", ".config", "config.yaml")


@dataclass(frozen=True)
class SettingsFile:
    """What a settings file sets, and where in it each setting is written.

    :param source: the file, as messages name it.
    :param values: the settings it sets, by key.
    :param places: the line and column of each value, by key.
    :param found: whether there is a file at all; default yes.
    """

    source: str
    values: dict[str, Any]
    places: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)
    found: bool = True

    def where(self, key: str) -> str:
        """``file:line:column`` of the value of ``key``; the file alone if it is not there."""
        if key not in self.places:
            return self.source
        line, column = self.places[key]
        return f"{self.source}:{line}:{column}"


def read_file(path: Path) -> SettingsFile:
    """The settings file at ``path``: an absent file sets nothing, and so does ``/dev/null``.

    :raises SettingsError: when the file cannot be read or breaks a rule.
    """
    source = printable(str(path))
    if str(path) == os.devnull:
        return SettingsFile(source, {})  # COACH_CONFIG=/dev/null: no settings, and say nothing
    try:
        with open_regular(str(path)) as file:
            data = file.read(MAX_SETTINGS_BYTES + 1)
    except FileNotFoundError:
        return SettingsFile(source, {}, found=False)
    except NotRegularFile as exc:
        raise SettingsError([f"{source}: is {exc.kind}, not a settings file"]) from None
    except OSError as exc:
        raise SettingsError([f"{source}: cannot read the settings file: {exc.strerror}"]) from exc
    if len(data) > MAX_SETTINGS_BYTES:
        raise SettingsError([f"{source}: the settings file is larger than 64 KiB"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettingsError([f"{source}: the settings file is not UTF-8 text"]) from exc
    return parse_file(text, source)


def load_file(path: Path) -> dict[str, Any]:
    """The settings the file sets; an absent file sets none. See :func:`read_file`."""
    return read_file(path).values


def parse(text: str, source: str) -> dict[str, Any]:
    """The settings that the text of a settings file sets; ``source`` names it in messages.

    A file with nothing but comments sets none.

    :raises SettingsError: listing every problem, as ``file:line:column: key: rule`` lines.
    """
    return parse_file(text, source).values


def parse_file(text: str, source: str) -> SettingsFile:
    """The text of a settings file as a :class:`SettingsFile`; see :func:`parse`."""
    try:
        tree, problems = read_tree(text)
    except TreeError as exc:
        if exc.problem.line is None and exc.problem.message == "file is empty":
            return SettingsFile(source, {})  # only comments, as 'coach config init' writes it
        raise SettingsError([_line(source, problem) for problem in exc.problems]) from None
    lines = [_line(source, p) for p in problems]
    values: dict[str, Any] = {}
    places: dict[str, tuple[int, int]] = {}
    if isinstance(tree, Map):
        for entry in tree.entries:
            setting = BY_KEY.get(entry.key)
            if setting is None:
                close = difflib.get_close_matches(entry.key, list(BY_KEY), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "see 'coach config init'"
                lines.append(
                    f"{source}:{entry.line}:{entry.column}: {join('', entry.key)}: "
                    f"unknown setting; {hint}"
                )
                continue
            value, rule = _convert(setting, entry.value)
            if rule is None:
                values[setting.key] = value
                places[setting.key] = (entry.value.line, entry.value.column)
            elif not _reported(entry.value):
                at, name = entry.value, setting.key
                item = _bad_item(setting, entry.value)
                if item is not None and isinstance(entry.value, Seq):
                    at, name = item, f"{name}[{entry.value.items.index(item)}]"
                got = _shown(at)
                lines.append(f"{source}:{at.line}:{at.column}: {name}: {rule}, got {got}")
    elif not isinstance(tree, Broken):
        where = f"{source}:{tree.line}:{tree.column}"
        lines.append(f"{where}: the settings file must be a mapping of 'setting: value' lines")
    if lines:
        raise SettingsError(lines)
    return SettingsFile(source, values, places)


def _line(source: str, problem: Problem) -> str:
    if problem.line:
        return f"{source}:{problem.line}:{problem.column}: {problem.message}"
    return f"{source}: {problem.message}"


def _reported(tree: Tree) -> bool:
    """Whether ``tree``, or an item of it, was reported already as it was read."""
    return isinstance(tree, Broken) or (
        isinstance(tree, Seq) and any(isinstance(i, Broken) for i in tree.items)
    )


def _shown(tree: Tree) -> str:
    if isinstance(tree, Scalar):
        return shown(tree.value) if isinstance(tree.value, str) else str(tree.value).lower()
    return "a list" if isinstance(tree, Seq) else "a mapping"


def _time_text(tree: Tree) -> str | None:
    """A time of day as written: YAML reads an unquoted 18:30 as the number 1110."""
    if isinstance(tree, Scalar) and isinstance(tree.value, (str, int)):
        return tree.text if isinstance(tree.value, int) else tree.value
    return None


def _bad_item(setting: Setting, tree: Tree) -> Tree | None:
    """The first item of a list of times of day that is not one; ``None``: none."""
    if setting.type is not TIME_OF_DAY or not isinstance(tree, Seq):
        return None
    for item in tree.items:
        text = _time_text(item)
        if text is None or time_problem(text) is not None:
            return item
    return None


def _convert(setting: Setting, tree: Tree) -> tuple[Any, str | None]:
    """The value, or the rule it broke."""
    if setting.type is TIME_OF_DAY:
        if not isinstance(tree, Seq):
            return None, 'must be a list of times of day, e.g. ["08:00", "18:30"]'
        bad = _bad_item(setting, tree)
        if bad is not None:
            text = _time_text(bad)
            return None, time_problem(text) if text is not None else "must be a time of day HH:MM"
        return tuple(parse_time(str(_time_text(i))) for i in tree.items), None
    if setting.multiple and setting.type is TEXT:
        if not isinstance(tree, Seq) or not all(
            isinstance(i, Scalar) and isinstance(i.value, str) and text_problem(i.value) is None
            for i in tree.items
        ):
            return None, "must be a list of routine names, e.g. [knee-rehab, mckenzie]"
        return tuple(str(i.value) for i in tree.items if isinstance(i, Scalar)), None
    if setting.multiple:
        if not isinstance(tree, Seq) or not all(
            isinstance(i, Scalar) and isinstance(i.value, str) for i in tree.items
        ):
            return None, "must be a list of folder paths"
        folders = [str(i.value) for i in tree.items if isinstance(i, Scalar)]
        return tuple(Path(os.path.expanduser(f)) for f in folders), None
    if not isinstance(tree, Scalar):
        return None, _rule(setting)
    value = tree.value
    if setting.is_flag_pair:
        return (value, None) if isinstance(value, bool) else (None, "must be true or false")
    if isinstance(setting.type, PinType) and value is False:
        return None, None  # YAML reads a bare "off" as false
    if value is None:
        return (None, None) if setting.default is None or isinstance(setting.type, PinType) else (
            None, _rule(setting))  # fmt: skip
    if isinstance(value, bool) or (setting.type is TEXT and not isinstance(value, str)):
        return None, _rule(setting)
    try:
        converted = setting.type.convert(value, None, None)
    except (click.BadParameter, OverflowError):  # OverflowError: an infinite whole number
        return None, _rule(setting)
    return converted, None


def _rule(setting: Setting) -> str:
    kind = setting.type
    if isinstance(kind, PinType):
        return "must be a GPIO number from 0 to 27 or off"
    if isinstance(kind, click.Choice):
        return "must be one of " + ", ".join(str(c) for c in kind.choices)
    if isinstance(kind, (click.IntRange, click.FloatRange)):
        noun = "a whole number" if isinstance(kind, click.IntRange) else "a number"
        return f"must be {noun} from {kind.min:g} to {kind.max:g}"
    return "must be a string"


def write_default(path: Path) -> None:
    """A commented settings file with every setting at its default, ready to edit.

    The text goes to a new file in the same folder, which then takes the
    place of ``path`` in one step: a failure leaves the old file, or none,
    never half a file. A symbolic link is followed, so the file it points
    to is replaced. A file that cannot be written (read-only) is left alone.

    :raises OSError: when the folder cannot be made or the file cannot be
        written; its ``filename`` is the file or folder at fault.
    """
    write_whole(path, default_text())


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all, as :func:`write_default` does.

    :raises OSError: as :func:`write_default`.
    """
    target = Path(os.path.realpath(path))
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if target.exists() and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    temporary = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        # 0o666 less the umask, as any new file gets.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        exc.filename = str(folder)
        raise
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def default_text() -> str:
    """What :func:`write_default` writes: every setting with its help, commented out."""
    out = [
        "# voice-coach settings. Every line below is commented out and shows the",
        "# default; remove the '# ' before a setting to change it. A flag on the",
        "# command line or a COACH_... environment variable wins over this file.",
    ]
    section = ""
    for s in SETTINGS:
        if s.section != section:
            section = s.section
            out += ["", f"# -- {section} " + "-" * (60 - len(section))]
        out.append("")
        out += ["# " + line for line in textwrap.wrap(s.help, 76)]
        out.append(f"# {s.key}: {_yaml_value(s)}")
    return "\n".join(out) + "\n"


def _yaml_value(setting: Setting) -> str:
    value = setting.default
    if value is None:
        return "off" if isinstance(setting.type, PinType) else "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[]" if not value else "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def default_map(command: click.Command, values: dict[str, Any]) -> dict[str, Any]:
    """The file's values for ``command`` and, for a group, each of its commands by name."""
    mapping: dict[str, Any] = dict(values)
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            mapping[name] = default_map(sub, values)
    return mapping


def sources(ctx: click.Context, keys: Sequence[str]) -> dict[str, str]:
    """Where each value came from: flag, environment, file or default."""
    names = {
        click.core.ParameterSource.COMMANDLINE: "flag",
        click.core.ParameterSource.ENVIRONMENT: "environment",
        click.core.ParameterSource.DEFAULT_MAP: "file",
        click.core.ParameterSource.DEFAULT: "default",
    }
    return {k: names.get(ctx.get_parameter_source(k), "default") for k in keys}  # type: ignore[arg-type]


def origins(ctx: click.Context, keys: Sequence[str], file: SettingsFile | None) -> dict[str, str]:
    """Where each value came from, as a message names it.

    Its flag (``--led-pin``), its variable (``COACH_LED_PIN``), its place in
    the settings file (``config.yaml:3:10``), or ``default``.
    """
    found = sources(ctx, keys)
    named = {}
    for key in keys:
        if found[key] == "flag":
            named[key] = BY_KEY[key].flags[0]
        elif found[key] == "environment":
            named[key] = BY_KEY[key].envvar
        elif found[key] == "file":
            named[key] = file.where(key) if file is not None else "the settings file"
        else:
            named[key] = "default"
    return named


def check_together(ctx: click.Context, settings: Settings, file: SettingsFile | None) -> None:
    """The rules that tie settings together, each broken rule blamed where its values came from.

    :raises click.UsageError: for gesture thresholds out of order when a flag
        or variable set one of them.
    :raises SettingsError: for thresholds out of order that come from the
        settings file (at the line of the one written last), and for two parts
        on one pin, naming where each pin came from.
    """
    try:
        settings.thresholds  # noqa: B018 -- builds the thresholds, which checks their order
    except ValueError as exc:
        found = sources(ctx, THRESHOLD_SETTINGS)
        in_file = [key for key in THRESHOLD_SETTINGS if found[key] == "file"]
        by_hand = any(found[key] in ("flag", "environment") for key in THRESHOLD_SETTINGS)
        if by_hand or not in_file or file is None:
            raise click.UsageError(str(exc)) from exc
        key = max(in_file, key=lambda k: file.places.get(k, (0, 0)))
        raise SettingsError([f"{file.where(key)}: {key}: {exc}"]) from exc
    where = origins(ctx, list(PIN_SETTINGS.values()), file)
    check_pins(settings.pins, {part: where[key] for part, key in PIN_SETTINGS.items()})
