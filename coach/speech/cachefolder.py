"""The cache folder's own files: which they are, and removing one of them safely.

The cache may share its folder with other files (``COACH_CACHE_DIR`` can name
any folder), the folder may be a mount point or a link, and another coach
process may be writing into it at the same moment. So only files named as
the cache names them are ever removed, by name inside the folder and never
through a link.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

#: A finished file: a phrase's speech, or a playable file (lead-in and tone added).
FINISHED = re.compile(r"[0-9a-f]{32}(?:-play)?\.wav")
#: A file being written, or left over from a write cut short: the coach's own
#: (see atomicfile), and the ``.part.wav`` files of earlier versions.
TEMPORARY = re.compile(
    r"\.[0-9a-f]{32}(?:-play)?\.wav\.[\w-]+\.tmp|[0-9a-f]{32}(?:-play)?\.wav\.part\.wav"
)


def is_finished(name: str) -> bool:
    """Whether ``name`` is the name of a finished cache file."""
    return FINISHED.fullmatch(name) is not None


def is_temporary(name: str) -> bool:
    """Whether ``name`` is the name of a cache file being written (or left from a crash)."""
    return TEMPORARY.fullmatch(name) is not None


def finished_names(root: Path) -> list[str]:
    """The finished cache files in ``root`` (regular files only, links left out)."""
    with _folder(root) as fd:
        return [name for name, st in _entries(fd) if _finished(name, st)]


def remove(path: Path) -> bool:
    """Remove ``path`` if it is a cache file (a regular file named as one); True if it was."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    ours = is_finished(path.name) or is_temporary(path.name)
    if not (ours and stat.S_ISREG(st.st_mode)):
        return False
    try:
        os.unlink(path)  # removes the name, never what a link would point to
    except OSError:
        return False
    return True


def _finished(name: str, st: os.stat_result) -> bool:
    return is_finished(name) and stat.S_ISREG(st.st_mode)


@contextlib.contextmanager
def _folder(root: Path) -> Iterator[int | None]:
    """The folder opened once, so every name is looked up in it and not through a swapped path.

    Gives ``None`` for a folder that is not there (or cannot be read).
    """
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield None
        return
    try:
        yield fd
    finally:
        os.close(fd)


def _entries(fd: int | None) -> list[tuple[str, os.stat_result]]:
    """Every entry's name and its own status (a link's, not its target's)."""
    if fd is None:
        return []
    found = []
    with os.scandir(fd) as scan:
        for entry in scan:
            with contextlib.suppress(FileNotFoundError):  # removed while we looked
                found.append((entry.name, entry.stat(follow_symlinks=False)))
    return found
