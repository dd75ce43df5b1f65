"""The cache folder's own files: which they are, what they weigh, clearing and evicting them.

The cache may share its folder with other files (``COACH_CACHE_DIR`` can name
any folder), the folder may be a mount point or a link, and another coach
process may be writing into it at the same moment. So only files named as
the cache names them are ever removed, by name inside the folder and never
through a link, and the folder itself only when it is left empty and is a
plain folder.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

#: A finished file: a phrase's speech, or a playable file (lead-in and tone added).
FINISHED = re.compile(r"[0-9a-f]{32}(?:-play)?\.wav")
#: A file being written, or left over from a write cut short: the coach's own
#: (see atomicfile), and the ``.part.wav`` files of earlier versions.
TEMPORARY = re.compile(
    r"\.(?:[0-9a-f]{32}(?:-play)?\.wav|probe)\.[\w-]+\.tmp|[0-9a-f]{32}(?:-play)?\.wav\.part\.wav"
)
#: A temporary file older than this was left by a crash or a power cut: no render takes an hour.
STALE_SECONDS = 3600.0


@dataclass(frozen=True)
class CacheStats:
    """What the cache holds, or what clearing or evicting removed.

    :param files: how many files.
    :param bytes: their size in all, in bytes.
    """

    files: int
    bytes: int

    def __add__(self, other: CacheStats) -> CacheStats:
        return CacheStats(self.files + other.files, self.bytes + other.bytes)


@dataclass(frozen=True)
class Cleared:
    """What :func:`clear` did.

    :param removed: the cache's files removed (finished and temporary).
    :param kept: entries left in the folder because they are not the cache's.
    :param failure: the first error that kept a file of the cache from being removed.
    """

    removed: CacheStats
    kept: int
    failure: OSError | None = None


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


def stats(root: Path) -> CacheStats:
    """How many finished cache files ``root`` holds, and their size in all."""
    with _folder(root) as fd:
        sizes = [st.st_size for name, st in _entries(fd) if _finished(name, st)]
    return CacheStats(len(sizes), sum(sizes))


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


def clear(root: Path) -> Cleared:
    """Remove the cache's own files from ``root``; the folder too if that leaves it empty.

    A folder that is a link or a mount point stays, as does everything not
    named as the cache names its files.
    """
    removed, kept, failure = CacheStats(0, 0), 0, None
    try:
        with _folder(root, missing_ok=False) as fd:
            for name, st in _entries(fd):
                ours = is_finished(name) or is_temporary(name)
                if not (ours and stat.S_ISREG(st.st_mode)):
                    kept += 1
                    continue
                try:
                    os.unlink(name, dir_fd=fd)
                except FileNotFoundError:
                    continue  # another process removed it first
                except OSError as exc:
                    failure = failure or exc
                    kept += 1
                    continue
                removed += CacheStats(1, st.st_size)
    except FileNotFoundError:
        return Cleared(removed, kept)
    except OSError as exc:
        return Cleared(removed, kept, exc)
    if kept == 0 and not root.is_symlink() and not os.path.ismount(root):
        with contextlib.suppress(OSError):
            root.rmdir()  # only ever empty: another process may have written since
    return Cleared(removed, kept, failure)


def evict(root: Path, limit_bytes: int, keep: Collection[str]) -> CacheStats:
    """Remove finished files, least recently used first, until ``root`` holds at most the limit.

    Files named in ``keep`` are never removed, even when that leaves the
    cache over its limit. Temporary files left over from a crash go too.
    """
    evicted = CacheStats(0, 0)
    with _folder(root) as fd:
        entries = _entries(fd)
        now = time.time()
        for name, st in entries:
            stale = now - st.st_mtime > STALE_SECONDS
            if is_temporary(name) and stat.S_ISREG(st.st_mode) and stale:
                with contextlib.suppress(OSError):
                    os.unlink(name, dir_fd=fd)
        own = [(name, st) for name, st in entries if _finished(name, st)]
        total = sum(st.st_size for _, st in own)
        # A file found ready is touched (atime may not be kept), so the newer time is last use.
        own.sort(key=lambda e: (max(e[1].st_atime, e[1].st_mtime), e[0]))
        for name, st in own:
            if total <= limit_bytes:
                break
            if name in keep:
                continue
            try:
                os.unlink(name, dir_fd=fd)
            except FileNotFoundError:
                pass  # another process evicted it: it is gone all the same
            except OSError:
                break  # a read-only folder: nothing more will go
            else:
                evicted += CacheStats(1, st.st_size)
            total -= st.st_size
    return evicted


def _finished(name: str, st: os.stat_result) -> bool:
    return is_finished(name) and stat.S_ISREG(st.st_mode)


@contextlib.contextmanager
def _folder(root: Path, missing_ok: bool = True) -> Iterator[int | None]:
    """The folder opened once, so every name is looked up in it and not through a swapped path.

    Gives ``None`` for a folder that is not there (or cannot be read) when ``missing_ok``.
    """
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        if not missing_ok:
            raise
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
