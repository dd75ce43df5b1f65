"""Session history: every session in a SQLite file in the user's data folder.

An adapter, as ``speech/`` and ``hardware/`` are: the core never imports it.
:mod:`coach.history.store` holds the file (schema, migrations, what goes
wrong with files), :mod:`coach.history.liveness` tells a session whose
process is gone from one still running, and :mod:`coach.history.recorder`
turns a session's events into rows, on a writer thread of its own.

This module imports no ``sqlite3``: commands that never touch the history
do not pay for it at start-up.

A session is recorded like this (``None``: history is off, or cannot be
written here, which has been warned about once)::

    store = open_history(settings, warn)
    if store is not None:
        recorder = HistoryRecorder.for_session(
            store, routine, session.plan, simulated, library=settings.library, warn=warn
        )
        runtime.listeners.append(recorder)
    ...  # the session runs
    if store is not None:
        recorder.close()  # waits for the last writes
        store.close()
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from coach.paths import user_path

if TYPE_CHECKING:
    from coach.history.store import HistoryStore, SessionRecord
    from coach.settings import Settings

#: The file's name in the data folder.
HISTORY_FILE = "history.sqlite3"


def data_dir() -> Path:
    """``$COACH_DATA_DIR``, else ``$XDG_DATA_HOME/voice-coach``, else ~/.local/share/voice-coach."""
    return user_path("COACH_DATA_DIR", "XDG_DATA_HOME", ".local/share")


def history_path() -> Path:
    """Where the history lives: ``history.sqlite3`` in :func:`data_dir`."""
    return data_dir() / HISTORY_FILE


def open_history(
    settings: Settings, warn: Callable[[str], None], path: Path | None = None
) -> HistoryStore | None:
    """The history store to record in; ``None`` when history is off or cannot be used.

    A store that cannot be opened (a read-only folder, a file of a newer
    version) has been warned about once through ``warn``: the session goes
    on, unrecorded.

    :param settings: its ``history`` setting turns recording on or off.
    :param warn: takes the one warning line.
    :param path: the file; default :func:`history_path`.
    """
    if not settings.history:
        return None
    from coach.errors import HistoryUnavailable
    from coach.history.store import HistoryStore

    try:
        return HistoryStore.open(path or history_path(), warn)
    except HistoryUnavailable as exc:
        warn(f"warning: {exc}; this session is not recorded")
        return None


def read_history(warn: Callable[[str], None], limit: int | None = None) -> list[SessionRecord]:
    """The sessions recorded, oldest first (the last ``limit`` only, if given).

    No file yet is no sessions, and no file is made. Reading marks the
    sessions whose process is gone as interrupted.

    :raises HistoryUnavailable: the file cannot be opened, or is of a newer version.
    """
    path = history_path()
    if not path.exists():
        return []
    from coach.history.store import HistoryStore

    store = HistoryStore.open(path, warn)
    try:
        return store.sessions(limit)
    finally:
        store.close()
