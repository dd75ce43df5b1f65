"""What a speech backend is: something that renders a phrase to a WAV file.

Backends are slow (a Raspberry Pi needs about a second for a Piper phrase) and
often not thread-safe, so the coach calls them from one renderer thread, well
before a phrase is needed, and plays the files with a player it can stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

#: The speech engines: two that render audio, and ``text``, which prints.
ENGINES = ("pyttsx3", "piper", "text")
#: The engine used when none is chosen (``text`` for instant runs).
DEFAULT_ENGINE = "pyttsx3"


@dataclass(frozen=True)
class VoiceInfo:
    """One voice a backend offers: its ``id`` (what ``--voice`` takes), name and languages."""

    id: str
    name: str
    languages: tuple[str, ...] = ()


class SpeechBackend(Protocol):
    """Renders phrases to WAV files; made from the settings' voice, rate and volume."""

    name: str

    def identity(self) -> str:
        """Everything that changes the sound of a phrase (voice, rate, volume), as text.

        Part of the cache key, so changing any of them renders afresh.
        """

    def render(self, text: str, path: Path) -> None:
        """Write ``text`` spoken as a mono 16-bit WAV file at ``path``.

        Written whole or not at all (:func:`~coach.speech.wavfile.write` does
        that), raising :class:`~coach.errors.FolderNotWritable` when the
        folder cannot take it.
        """

    def voices(self) -> list[VoiceInfo]:
        """The voices this backend offers."""

    def close(self) -> None:
        """Release the engine."""
