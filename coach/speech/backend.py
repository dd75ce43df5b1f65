"""What a speech backend is: something that renders a phrase to a WAV file.

Backends are slow (a Raspberry Pi needs about a second for a Piper phrase) and
often not thread-safe, so the coach calls them from one renderer thread, well
before a phrase is needed, and plays the files with a player it can stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

BACKENDS = ("pyttsx3", "piper", "text")
DEFAULT_RATE_WPM = 160
DEFAULT_VOLUME = 1.0


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class SpeechSettings:
    backend: str = "pyttsx3"
    #: A backend voice id (pyttsx3) or model name or path (piper); ``None``: the default.
    voice: str | None = None
    rate_wpm: int = DEFAULT_RATE_WPM
    volume: float = DEFAULT_VOLUME


class SpeechBackend(Protocol):
    name: str

    def identity(self) -> str:
        """Everything that changes the sound of a phrase (voice, rate, volume), as text.

        Part of the cache key, so changing any of them renders afresh.
        """

    def render(self, text: str, path: Path) -> None:
        """Write ``text`` spoken as a mono 16-bit WAV file at ``path``."""

    def voices(self) -> list[VoiceInfo]:
        """The voices this backend offers."""

    def close(self) -> None:
        """Release the engine."""
