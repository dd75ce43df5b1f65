"""Writing a file so that no reader, crash or power cut ever sees half of it.

The box is switched off by pulling the plug: a file renamed into place before
its data reached the card can come back empty or cut short. And a temporary
name that is always the same is shared by two processes writing the same
file, and can be planted as a link to some other file. So every write goes
to a temporary file of its own (this process's id and a random part in its
name), created exclusively (an existing name, or a link, is refused), synced
to the card, renamed over the target, and then the folder is synced so that
the rename lasts too. Renaming onto a complete file of the same content, as
two processes rendering the same phrase do, is harmless.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

from coach.errors import FolderNotWritable

#: How temporary files end; the rest of their name is ``.<target>.<pid>-<random>``.
TEMPORARY_SUFFIX = ".tmp"
#: Names drawn before giving up (each draw is 32 random bits: only planted names collide).
ATTEMPTS = 100
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def temporary_name(target: Path) -> str:
    """A fresh name for a temporary file beside ``target``: hidden, per process, random."""
    return f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` as the file ``path``: whole, synced, or not at all.

    :raises FolderNotWritable: when the folder cannot take the file (read-only,
        missing, full); no temporary file is left behind.
    """
    folder = path.parent
    try:
        fd, temporary = _create_temporary(path)
    except OSError as exc:
        raise FolderNotWritable(folder, exc) from exc
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise FolderNotWritable(folder, exc) from exc
        raise
    sync_folder(folder)


def can_write(folder: Path) -> bool:
    """Whether a new file can be made in ``folder`` now (one is made and removed again)."""
    try:
        fd, temporary = _create_temporary(folder / "probe")
    except OSError:
        return False
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(temporary)
    return True


def sync_folder(folder: Path) -> None:
    """Make the names in ``folder`` last through a power cut (where the file system can)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the file itself is synced already
    finally:
        os.close(fd)


def _create_temporary(target: Path) -> tuple[int, Path]:
    for _ in range(ATTEMPTS):
        temporary = target.with_name(temporary_name(target))
        try:
            return os.open(temporary, _CREATE, 0o644), temporary
        except FileExistsError:
            continue  # taken, or a link planted there: never write through it, draw again
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(target.parent))
