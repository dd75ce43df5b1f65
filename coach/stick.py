"""Routines from a USB stick: notice a stick, check its routine files, copy the good ones.

A physiotherapist puts routine files in a folder named ``voice-coach`` at the
top of a USB stick. While the device menu waits, :class:`StickWatch` looks
at the mount points (glob patterns, the ``stick_mounts`` setting) every few
seconds for that folder, and reports each stick once per insertion. Then
:func:`copy_routines` reads every routine file on it, checks it as
``coach validate`` does, and copies each good one into the patient's
routines folder; :func:`summary` is what the box says about it.

Nothing here may stop the box: a stick that cannot be read, a file that is
wrong or unreadable, a stick pulled out half-way, a full card: each becomes
a line of the summary. A file is read once, checked from those bytes, and
those same bytes are written, whole or not at all, so what is copied is
what was checked, and a stick pulled out never leaves half a file.
"""

from __future__ import annotations

import errno
import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from coach.errors import FolderNotWritable, RoutineError
from coach.library import ROUTINE_SUFFIXES
from coach.loader import MAX_FILE_BYTES, parse_routine
from coach.phrases import number_word
from coach.speech.atomicfile import write_atomically
from coach.yamltree import open_regular, printable

#: The folder at the top of a stick that holds the routine files.
STICK_FOLDER = "voice-coach"
#: Where sticks are mounted: by udisks on a desktop, by a udev rule or usbmount on a Pi.
STICK_MOUNTS = (Path("/media/*"), Path("/media/*/*"), Path("/run/media/*/*"))
#: How often the menu looks for a stick while it waits.
POLL_SECONDS = 3.0


class StickWatch:
    """Finds the ``voice-coach`` folders on the sticks mounted at ``patterns``, once each.

    :param patterns: glob patterns of mount points (``/media/*/*``).

    ::

        watch = StickWatch([Path("/media/*/*")])
        watch.poll()  # [Path('/media/pi/STICK/voice-coach')] once it is plugged in
        watch.poll()  # [] while it stays in
    """

    def __init__(self, patterns: tuple[Path, ...] | list[Path]) -> None:
        self.patterns = [str(p) for p in patterns]
        self._seen: dict[str, tuple[int, int]] = {}

    def poll(self) -> list[Path]:
        """The stick folders that have appeared since the last poll (all of them, the first
        time); a stick taken out is forgotten, so it counts again when it comes back.
        """
        present: dict[str, tuple[int, int]] = {}
        for pattern in self.patterns:
            for mount in sorted(glob.glob(pattern)):
                folder = os.path.join(mount, STICK_FOLDER)
                try:
                    info = os.stat(folder)
                except OSError:
                    continue
                if os.path.isdir(folder):
                    present[folder] = (info.st_dev, info.st_ino)
        new = [Path(f) for f, key in present.items() if self._seen.get(f) != key]
        self._seen = present
        return new


@dataclass
class Copied:
    """What :func:`copy_routines` did with a stick's folder; names are the routines' own.

    :param added: routines new to the box.
    :param updated: routines that replaced a changed file of the same name.
    :param unchanged: routines the box has already, the same.
    :param wrong: files that break a rule: their name, the line of the first problem, and
        that problem in a few words to be said (see :func:`spoken_reason`).
    :param problems: every problem of the wrong files, as ``coach validate`` says them.
    :param unreadable: files that could not be read.
    :param not_copied: routines that could not be written to the box.
    :param full: whether the box had no room for one.
    :param taken_out: whether the stick went away before every file was read.
    :param no_folder: whether the folder could not be listed at all.
    """

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    wrong: list[tuple[str, int | None, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    not_copied: list[str] = field(default_factory=list)
    full: bool = False
    taken_out: bool = False
    no_folder: bool = False

    @property
    def changed(self) -> bool:
        """Whether the patient's folder has a new or changed routine."""
        return bool(self.added or self.updated)


def routine_files(folder: Path) -> list[Path]:
    """The routine files in a stick's folder, by name; hidden files (a Mac's ``._knee.yaml``),
    folders and links are left out.

    :raises OSError: when the folder cannot be listed.
    """
    with os.scandir(folder) as found:
        names = [
            e.name
            for e in found
            if not e.name.startswith(".")
            and os.path.splitext(e.name)[1] in ROUTINE_SUFFIXES
            and e.is_file(follow_symlinks=False)
        ]
    return [folder / name for name in sorted(names)]


def read_file(path: Path) -> bytes:
    """The bytes of a file on the stick, one past the size cap at most.

    :raises OSError: when it cannot be read (or the stick has gone), or it is no
        longer a regular file (a pipe would block the box for ever).
    """
    with open_regular(str(path)) as file:
        return file.read(MAX_FILE_BYTES + 1)


def copy_routines(folder: Path, target: Path) -> Copied:
    """Check every routine file in the stick's ``folder``; copy the good ones to ``target``.

    A file whose name is in ``target`` already is replaced only when it has changed.
    Never raises for a bad file, a bad stick or a full card: see :class:`Copied`.
    """
    copied = Copied()
    try:
        files = routine_files(folder)
    except OSError:
        copied.no_folder = True
        return copied
    for path in files:
        try:
            data = read_file(path)
        except OSError:
            if not os.path.isdir(folder):
                copied.taken_out = True
                break
            copied.unreadable.append(path.name)
            continue
        try:
            routine = parse_routine(data, path.name)
        except RoutineError as exc:
            line, first = _first_line(path.name, exc.problems)
            copied.wrong.append((path.name, line, spoken_reason(path.name, first)))
            copied.problems.extend(exc.problems)
            continue
        name = routine.name.strip().rstrip(".")
        destination = target / path.name
        try:
            old = destination.read_bytes()
        except OSError:
            old = None
        if old == data:
            copied.unchanged.append(name)
            continue
        try:
            target.mkdir(parents=True, exist_ok=True)
            write_atomically(destination, data)
        except OSError as exc:  # FolderNotWritable is one, its cause the system's error
            copied.not_copied.append(name)
            reason = exc.__cause__ if isinstance(exc, FolderNotWritable) else exc
            copied.full = copied.full or getattr(reason, "errno", None) == errno.ENOSPC
            continue
        (copied.added if old is None else copied.updated).append(name)
    return copied


def _first_line(source: str, problems: list[str]) -> tuple[int | None, str]:
    """The first problem that has a line (``knee.yaml:7:3: ...``), and that line; else the
    first problem, without one.
    """
    pattern = re.compile(re.escape(source) + r":(\d+):")
    for problem in problems:
        match = pattern.match(problem)
        if match:
            return int(match.group(1)), problem
    return None, problems[0] if problems else ""


#: The most characters of a wrong file's reason the box says; the journal has it all.
REASON_CHARS = 70
_PREFIX = r"(?::\d+)*: "  # ``:7:3: `` after the file's name
_EXERCISE = re.compile(r"^exercise \d+(?: \(.*?\))?: ")  # the line says where it is
_ASIDE = re.compile(r" ?\([^()]*\)")  # "(did you mean ...?)", "(up, hold, ...)"
_FIELD = re.compile(r"^([A-Za-z_][\w.\[\]]*): ")  # "tempo.up: must be ..."


def spoken_reason(source: str, problem: str) -> str:
    """A problem of the loader's (``knee.yaml:7:5: exercise 1 (Quad sets): unknown field
    'hold_secnds' (did you mean 'hold_seconds'?)``) in a few words to be said: the rule
    without the file, line and exercise, the lists and asides, quote marks and
    underscores ("unknown field hold secnds", "hold seconds must be a number of
    seconds from 1 to 3600, got -5"); cut to :data:`REASON_CHARS` at a comma, else a word.
    """
    text = re.sub("^" + re.escape(source) + _PREFIX, "", problem)
    text = _EXERCISE.sub("", text, count=1)
    text = text.split(";", 1)[0]
    text = _ASIDE.sub("", text)
    text = _FIELD.sub(lambda m: re.sub(r"[.\[\]]+", " ", m.group(1)).strip() + " ", text)
    text = re.sub(r"[\"'`<>]", "", text).replace("_", " ")
    text = " ".join(printable(text).strip("'").split())
    if len(text) > REASON_CHARS:
        head = text[: REASON_CHARS + 1]
        comma = head.rfind(", ")
        cut = head[:comma] if comma > REASON_CHARS // 2 else head.rsplit(" ", 1)[0]
        text = cut or text[:REASON_CHARS]
    return text.rstrip(" .,:?!")


def _count(n: int) -> str:
    """A count at the start of a sentence: "Two"; digits past ten."""
    return number_word(n).capitalize() if n <= 10 else str(n)


def _routines(n: int) -> str:
    return f"{_count(n)} routine" if n == 1 else f"{_count(n)} routines"


def summary(copied: Copied) -> str:
    """What the box says about a stick, sentence by sentence.

    "Two new routines from the stick: Knee rehab, McKenzie extensions. One
    routine on the stick is wrong: knee.yaml, line 7: unknown field hold secnds.
    It was not copied."
    """
    said: list[str] = []
    if copied.no_folder:
        return "This stick could not be read."
    if copied.added:
        new = "new routine" if len(copied.added) == 1 else "new routines"
        said.append(f"{_count(len(copied.added))} {new} from the stick: {_names(copied.added)}.")
    if copied.updated:
        said.append(
            f"{_routines(len(copied.updated))} updated from the stick: {_names(copied.updated)}."
        )
    if copied.wrong:
        one = len(copied.wrong) == 1
        files = "; ".join(_wrong(f, line, reason) for f, line, reason in copied.wrong)
        verb = "is" if one else "are"
        after = "It was not copied." if one else "They were not copied."
        said.append(f"{_routines(len(copied.wrong))} on the stick {verb} wrong: {files}. {after}")
    if copied.unreadable:
        files = "file" if len(copied.unreadable) == 1 else "files"
        names = ", ".join(printable(f) for f in copied.unreadable)
        said.append(f"{_count(len(copied.unreadable))} {files} on the stick could not be read: "
                    f"{names}.")  # fmt: skip
    if copied.not_copied:
        why = "there is no room left on the box" if copied.full else "the box could not save it"
        were = "was" if len(copied.not_copied) == 1 else "were"
        said.append(f"{_names(copied.not_copied)} {were} not copied, {why}.")
    if copied.taken_out:
        said.append("The stick was taken out too soon. Put it back in to copy the rest.")
    if not said:
        if copied.unchanged:
            said.append("The routines on the stick are already here.")
        else:
            said.append(f"The stick has no routines in its {STICK_FOLDER} folder.")
    return " ".join(said)


def _wrong(name: str, line: int | None, reason: str) -> str:
    """A wrong file as the summary says it: ``knee.yaml, line 7: unknown field hold secnds``."""
    said = printable(name) if line is None else f"{printable(name)}, line {line}"
    return f"{said}: {reason}" if reason else said


def _names(names: list[str]) -> str:
    return ", ".join(printable(n) for n in names)
