"""``coach doctor``: check, piece by piece, that ``coach device`` can work here.

Each check is a plain function returning :class:`Check` rows; the command
runs them in order and prints one table for an 80-column terminal (it is read
over SSH on a Pi), with a fix under it for each failure. The checks build
what ``coach device`` builds, the same way (:class:`ButtonSource`,
:func:`make_voice`, :class:`AudioPlayer`), so a pass means the device's own
code path works, not a look-alike of it.
"""

from __future__ import annotations

import os
import queue
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from coach import settings as settings_file
from coach.clock import VirtualClock
from coach.errors import (
    CoachError,
    HardwareError,
    HistoryNewer,
    RoutineError,
    RoutineNotFound,
    SettingsError,
    SpeechUnavailable,
)
from coach.gestures import Edge
from coach.hardware.audio import AudioPlayer
from coach.hardware.button import ButtonSource
from coach.hardware.gpio import check_pins, mock_factory
from coach.hardware.indicators import StatusLed, TonePlayer
from coach.history import history_path
from coach.library import Library
from coach.loader import load_routine
from coach.settings import Settings
from coach.speech import wavfile
from coach.speech.cache import PhraseCache, default_cache_dir
from coach.speech.setup import time_render
from coach.tones import synthesize
from coach.yamltree import printable

Status = Literal["ok", "FAIL", "warn", "skip"]

MIN_PYTHON = (3, 10)
PACKAGES = ("voice-coach", "gpiozero", "click", "PyYAML", "pyttsx3")
TEST_PHRASE = "This is voice coach."
TONE_RATE = 22050
#: A short phrase that takes longer than this to render will make the first session late.
SLOW_RENDER_SECONDS = 3.0
RENDER_TIMEOUT_SECONDS = 120.0
PLAY_TIMEOUT_SECONDS = 10.0
WIDTH = 80
NAME_WIDTH = 9
STATUS_WIDTH = 6
#: What AudioPlayer adds for a session; the doctor does not carry on, so it is cut.
_SESSION_TAIL = "; carrying on in text, and trying again on every cue"

FIX_NO_PIN_LIBRARY = (
    "sudo apt install python3-lgpio, and make the venv with --system-site-packages "
    "(see hardware/README.md); on a machine with no GPIO, add --simulate"
)
FIX_PIN_IN_USE = (
    "another program holds the pin: if the boot service runs, "
    "sudo systemctl stop voice-coach; otherwise stop the other program, or move the "
    "part to a free pin (--button-pin, --led-pin, --buzzer-pin or the settings file)"
)
FIX_NO_CHIP = (
    "on a Raspberry Pi, check that your account is in the gpio group (groups; "
    "sudo usermod -aG gpio $USER, then log in again); elsewhere, add --simulate"
)
FIX_NO_PLAYER = "install aplay: sudo apt install alsa-utils"
FIX_NO_DEVICE = (
    "list the sound cards with 'aplay -l', then name one: --audio-device "
    "plughw:CARD=NAME, or audio_device: plughw:CARD=NAME in the settings file"
)
#: A running coach holds its sound device (a player waits on it for the next
#: phrase), and plughw and hw devices take one program at a time.
FIX_DEVICE_BUSY = (
    "another program holds the sound device: if the boot service runs, "
    "sudo systemctl stop voice-coach; otherwise stop the other program"
)


@dataclass(frozen=True)
class Check:
    """One row of the report.

    :param name: what was checked (``GPIO``, ``speech``, ...).
    :param status: ``ok``, ``FAIL``, ``warn`` or ``skip``.
    :param detail: what was found; may run to several lines.
    :param fix: what to do when it is not ok; default none.
    """

    name: str
    status: Status
    detail: str
    fix: str = ""


# -- the checks ----------------------------------------------------------------------


def check_python() -> Check:
    """Python is new enough and every package the coach needs is installed (with versions)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    shown = [f"{name} {version or 'MISSING'}" for name, version in versions.items()]
    python = ".".join(str(n) for n in sys.version_info[:3])
    # The coach with Python, its dependencies on a line of their own: wrapping
    # never parts a version from its name.
    detail = f"Python {python}, {shown[0]}\n" + ", ".join(shown[1:])
    if sys.version_info < MIN_PYTHON:
        return Check("python", "FAIL", detail, "make the venv with Python 3.10 or newer")
    if None in versions.values():
        return Check("python", "FAIL", detail, "reinstall voice-coach: pip install voice-coach")
    return Check("python", "ok", detail)


def check_settings(path: Path, settings: Settings) -> Check:
    """The settings file reads, and the thresholds it (or a flag) sets are in order."""
    try:
        values = settings_file.load_file(path)
    except SettingsError as exc:
        more = len(exc.problems) - 1
        detail = exc.problems[0] + (f" (and {more} more)" if more > 0 else "")
        fix = f"edit {path}, or start afresh with: coach config init --force"
        return Check("settings", "FAIL", detail, fix)
    try:
        settings.thresholds  # noqa: B018 -- builds the thresholds, which checks their order
    except ValueError as exc:
        fix = "make long_seconds shorter than stop_seconds (flags or the settings file)"
        return Check("settings", "FAIL", str(exc), fix)
    if not path.is_file():
        return Check("settings", "ok", f"{path}: not found (defaults)")
    return Check("settings", "ok", f"{path}: {len(values)} setting(s)")


def check_gpio(settings: Settings, simulate: bool, press_seconds: float = 0.0) -> list[Check]:
    """The pin factory and the button; then the LED and the buzzer, on the same factory.

    With ``press_seconds``, also wait that long for a press of the button, which
    checks its wiring; with simulated pins the doctor presses the mock pin itself.
    """
    parts = {"LED": settings.led_pin, "buzzer": settings.buzzer_pin}
    unchecked = [_unchecked(name, pin) for name, pin in parts.items()]
    try:
        check_pins(settings.pins)
    except SettingsError as exc:
        fix = "set button_pin, led_pin and buzzer_pin to different GPIOs ('coach config show')"
        return [Check("GPIO", "FAIL", str(exc), fix), *unchecked]
    if settings.button_pin is None:
        fix = "set button_pin (or --button-pin N, BCM numbering)"
        return [Check("GPIO", "FAIL", "no pin is set for the button", fix), *unchecked]
    factory = mock_factory() if simulate else None
    claimed: list[Any] = []
    try:
        edges: queue.Queue[Edge] = queue.Queue()
        try:
            button = ButtonSource(settings.button_pin, edges.put, time.monotonic, factory)
        except Exception as exc:  # lgpio raises its own error type for a busy pin
            return [_pin_failure("GPIO", exc), *unchecked]
        claimed.append(button)
        factory = button.button.pin_factory  # the one gpiozero picked, when left to it
        mode = " (simulated pins)" if simulate else ""
        rows = [
            Check("GPIO", "ok", f"{type(factory).__name__}{mode}; GPIO{settings.button_pin} free")
        ]
        if press_seconds > 0:
            if simulate:
                pin = factory.pin(settings.button_pin)
                pin.drive_low()
                pin.drive_high()
            rows.append(press_test(edges, settings.button_pin, press_seconds))
        clock = VirtualClock()  # nothing is scheduled: the parts are only claimed and let go
        passive = settings.buzzer_type == "passive"
        makers: dict[str, Callable[[int], Any]] = {
            "LED": lambda pin: StatusLed(pin, clock, factory),
            "buzzer": lambda pin: TonePlayer(pin, clock, passive, factory),
        }
        for name, pin in parts.items():
            if pin is None:
                rows.append(_unchecked(name, pin))
                continue
            try:
                claimed.append(makers[name](pin))
            except Exception as exc:
                rows.append(_pin_failure(name, exc))
                continue
            kind = f" ({settings.buzzer_type})" if name == "buzzer" else ""
            rows.append(Check(name, "ok", f"GPIO{pin}{kind} free"))
        return rows
    finally:
        for part in reversed(claimed):
            part.close()


def press_test(edges: queue.Queue[Edge], pin: int, seconds: float) -> Check:
    """Wait up to ``seconds`` for one press and release of the button on ``pin``.

    :param edges: where the button's edges arrive.
    """
    deadline = time.monotonic() + seconds
    down: float | None = None
    while True:
        try:
            edge = edges.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if edge.pressed:
            down = edge.t
        elif down is not None:
            return Check("button", "ok", f"pressed and let go (held {edge.t - down:.2f} s)")
    seen = "pressed but not let go" if down is not None else "no press"
    fix = (
        f"check the wiring: one leg of the button to GPIO{pin}, the other to a ground pin "
        "(see hardware/README.md); a button that stays pressed is wired to 3.3 V or shorted"
    )
    return Check("button", "FAIL", f"{seen} within {seconds:g} s", fix)


def _unchecked(name: str, pin: int | None) -> Check:
    if pin is None:
        return Check(name, "skip", f"none fitted ({'led' if name == 'LED' else name}_pin: off)")
    return Check(name, "skip", f"GPIO{pin}: not checked")


def _pin_failure(name: str, exc: Exception) -> Check:
    from gpiozero.exc import BadPinFactory, GPIOPinInUse

    # A hardware error's hint is what the fix line says in full.
    text = (exc.message if isinstance(exc, HardwareError) else str(exc)) or type(exc).__name__
    cause = exc.__cause__ or exc
    if isinstance(cause, (BadPinFactory, ImportError)):
        fix = FIX_NO_PIN_LIBRARY
    elif isinstance(cause, GPIOPinInUse) or "busy" in text.lower():
        fix = FIX_PIN_IN_USE
    else:
        fix = FIX_NO_CHIP
    return Check(name, "FAIL", text, fix)


def check_speech(settings: Settings) -> Check:
    """The speech engine loads and renders a test phrase, in good time."""
    engine = settings.engine()
    if engine == "text":
        return Check("speech", "skip", "--speech text: the device will print, not speak")
    try:
        timing = time_render(settings, TEST_PHRASE, RENDER_TIMEOUT_SECONDS)
    except SpeechUnavailable as exc:
        detail = f"{engine} cannot be loaded; the device would print, not speak"
        return Check("speech", "FAIL", detail, str(exc))
    if timing is None:
        return Check("speech", "skip", f"{engine} loads; --no-speak: only tones play")
    if timing.seconds is None:
        if timing.in_cache:
            fix = f"check that {default_cache_dir()} is writable and has room"
        else:
            fix = "reinstall the engine or try another voice ('coach voices'), as the detail says"
        return Check("speech", "FAIL", timing.problem, fix)
    took = timing.took_seconds
    spent = f"{took * 1000:.0f} ms" if took < 1 else f"{took:.1f} s"
    detail = f"{timing.identity}: a {timing.seconds:.1f} s phrase rendered in {spent}"
    # A power cut while a phrase was written can leave a damaged file behind.
    damaged = PhraseCache(default_cache_dir(), timing.identity).repair()
    if damaged:
        detail += f"\nremoved {damaged} damaged file(s) from the speech cache"
        fix = "render them again now: coach speech-cache prerender (same speech flags)"
        return Check("speech", "warn", detail, fix)
    if took > SLOW_RENDER_SECONDS:
        fix = "render ahead of time: coach speech-cache prerender (same speech flags)"
        return Check("speech", "warn", detail, fix)
    return Check("speech", "ok", detail)


def check_audio(settings: Settings, player_command: Sequence[str] | None = None) -> Check:
    """The player plays a short tone on the sound device.

    :param player_command: the player's command line; default ``aplay``.
    """
    if settings.engine() == "text":
        return Check("audio", "skip", "--speech text plays nothing")
    warnings: list[str] = []
    player = AudioPlayer(player_command, settings.audio_device, warnings.append)
    device = settings.audio_device or "the default sound device"
    with tempfile.TemporaryDirectory(prefix="coach-doctor-") as folder:
        tone = wavfile.Pcm(TONE_RATE, synthesize("start", TONE_RATE, settings.volume))
        path = Path(folder) / "tone.wav"
        wavfile.write(path, tone)
        try:
            # As a session's cue: the tone goes to the player started ahead.
            player.ready(PLAY_TIMEOUT_SECONDS)
            started = player.play(path)
            if started:
                player.wait(PLAY_TIMEOUT_SECONDS)
                if player.playing:
                    detail = f"{player.command[0]} did not finish a short tone in 10 s"
                    return Check("audio", "FAIL", detail, FIX_NO_DEVICE)
        finally:
            player.close()
    problem = warnings[0].removesuffix(_SESSION_TAIL) if warnings else ""
    if not started:
        missing = problem.startswith("no audio player")
        return Check("audio", "FAIL", problem, FIX_NO_PLAYER if missing else FIX_NO_DEVICE)
    if player.failing:
        fix = FIX_DEVICE_BUSY if "busy" in problem else FIX_NO_DEVICE
        return Check("audio", "FAIL", f"{device}: {problem}", fix)
    program = Path(player.command[0]).name
    return Check("audio", "ok", f"a {tone.seconds:.2f} s tone played on {device} ({program})")


def check_library(library: Library) -> Check:
    """Every routine file in the library loads, and so does the default routine."""
    entries = library.entries()
    if not entries:
        folders = ", ".join(str(f) for f in library.folders)
        return Check("routines", "FAIL", f"no routine files in {folders}", "add a routine file")
    problems = []
    for entry in entries:
        try:
            load_routine(entry.path)
        except RoutineError as exc:
            problems.append(exc.problems[0] if exc.problems else f"{entry.path}: invalid")
    fix = "'coach validate' lists every problem; mend the file or move it out of the folder"
    try:
        default = library.resolve(None)
        if default not in {e.path for e in entries}:  # a path, not a name in the library
            load_routine(default)
    except RoutineNotFound:
        names = ", ".join(printable(e.slug) for e in entries)
        problems.append(f"the default routine {library.default!r} is not in the library")
        fix = f"set default_routine to one of: {names}"
    except RoutineError as exc:
        problems.append(exc.problems[0] if exc.problems else f"{library.default}: invalid")
    if problems:
        return Check("routines", "FAIL", "\n".join(problems), fix)
    return Check("routines", "ok", f"{len(entries)} routines load; default: {library.default}")


def check_history(settings: Settings, path: Path | None = None) -> Check:
    """The history file opens and passes SQLite's quick check, or its folder can be written.

    :param path: the history file; default the one in the data folder.
    """
    path = path or history_path()
    if not settings.history:
        return Check("history", "skip", "off (history: false): sessions are not recorded")
    if not path.exists():
        folder = next((p for p in [path.parent, *path.parents] if p.exists()), None)
        if folder is None or not os.access(folder, os.W_OK | os.X_OK):
            fix = f"make {folder} writable, or set COACH_DATA_DIR to a folder that is"
            return Check("history", "FAIL", f"{path}: cannot be made", fix)
        return Check("history", "ok", f"{path}: no sessions yet (will be made)")
    from coach.history.store import SCHEMA_VERSION, HistoryStore

    moved: list[str] = []
    try:
        store = HistoryStore.open(path, moved.append)
    except HistoryNewer as exc:
        fix = "update the coach, or move the file away to start a new history"
        return Check("history", "warn", f"{exc}; sessions are not recorded", fix)
    except CoachError as exc:
        fix = f"make {path.parent} and its files writable by this user, or set COACH_DATA_DIR"
        return Check("history", "FAIL", str(exc), fix)
    try:
        problems = [p for p in store.quick_check() if p != "ok"]
        count, version = store.count(), store.version
    finally:
        store.close()
    if problems:
        fix = f"move {path} away; the coach starts a new one (sqlite3's .recover may mend the old)"
        return Check("history", "FAIL", f"{path}: damaged: {problems[0]}", fix)
    detail = f"{path}: {count} session(s), schema {version} of {SCHEMA_VERSION}"
    if moved:
        fix = "nothing to do: the damaged file is kept beside the new one, for a look"
        return Check("history", "warn", f"{moved[0].removeprefix('warning: ')}\n{detail}", fix)
    return Check("history", "ok", detail)


# -- running them ----------------------------------------------------------------------


def run_checks(
    settings: Settings,
    settings_path: Path,
    simulate: bool = False,
    debug: bool = False,
    press_seconds: float = 0.0,
    player_command: Sequence[str] | None = None,
) -> list[Check]:
    """Every check in order; a check that raises becomes a FAIL row, unless debugging.

    :param settings: what ``coach device`` would run with.
    :param settings_path: the settings file to read and report on.
    :param simulate: check gpiozero's mock pins instead of real ones.
    :param debug: let a check's unexpected error through, with its traceback.
    :param press_seconds: also wait this long for a press of the button.
    :param player_command: the audio player's command line; default ``aplay``.
    """
    steps: list[tuple[str, Callable[[], Check | list[Check]]]] = [
        ("python", check_python),
        ("settings", lambda: check_settings(settings_path, settings)),
        ("GPIO", lambda: check_gpio(settings, simulate, press_seconds)),
        ("speech", lambda: check_speech(settings)),
        ("audio", lambda: check_audio(settings, player_command)),
        ("routines", lambda: check_library(settings.library)),
        ("history", lambda: check_history(settings)),
    ]
    rows: list[Check] = []
    for name, step in steps:
        try:
            result = step()
        except Exception as exc:
            if debug:
                raise
            fix = "unexpected: 'coach --debug doctor' shows where it happened"
            result = Check(name, "FAIL", f"{type(exc).__name__}: {exc}", fix)
        rows.extend(result if isinstance(result, list) else [result])
    return rows


def format_report(checks: Sequence[Check], width: int = WIDTH) -> str:
    """The checks as a table for an 80-column terminal, a fix under it for each failure."""
    indent = " " * (NAME_WIDTH + 1 + STATUS_WIDTH + 2)
    lines = [f"{'CHECK':<{NAME_WIDTH}} {'RESULT':<{STATUS_WIDTH}}  DETAIL"]
    for check in checks:
        detail: list[str] = []
        for part in check.detail.splitlines() or [""]:
            detail += _wrap(part, width - len(indent)) or [""]
        head = f"{check.name:<{NAME_WIDTH}} {check.status:<{STATUS_WIDTH}}  {detail[0]}"
        lines += [head.rstrip(), *(indent + line for line in detail[1:])]
    for check in [c for c in checks if c.fix and c.status in ("FAIL", "warn")]:
        lines += ["", *_wrap(check.fix, width, f"FIX {check.name}: ", "    ")]
    lines.append("")
    failed = sum(c.status == "FAIL" for c in checks)
    if failed:
        lines.append(f"{failed} check(s) failed: 'coach device' will not work until they pass")
    else:
        lines.append("every check passed: 'coach device' should work")
    return "\n".join(lines)


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    # Paths and commands stay whole, so they can be copied.
    return textwrap.wrap(
        text, width, initial_indent=first, subsequent_indent=rest,
        break_long_words=False, break_on_hyphens=False,
    )  # fmt: skip
