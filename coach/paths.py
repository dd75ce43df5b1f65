"""Where the coach keeps things in a user's home, by the XDG rules."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "voice-coach"


def user_path(override: str, xdg_variable: str, fallback: str, *parts: str) -> Path:
    """``$override`` if set, else ``$xdg_variable/voice-coach/...``, else ``~/fallback/...``."""
    explicit = os.environ.get(override)
    if explicit:
        return Path(explicit)
    base = os.environ.get(xdg_variable) or str(Path.home() / fallback)
    return Path(base, APP_NAME, *parts)


def patient_routines_dir() -> Path:
    """The patient's own routines, copied from a USB stick or by hand: ``routines/`` in the
    data folder (``$COACH_DATA_DIR``, else ``$XDG_DATA_HOME/voice-coach``, else
    ``~/.local/share/voice-coach``).
    """
    return user_path("COACH_DATA_DIR", "XDG_DATA_HOME", ".local/share") / "routines"
