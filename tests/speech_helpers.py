"""Helpers shared by the speech tests: the fake player, a recording player, a speech voice.

The real pyttsx3 backend most of them take is the ``backend`` fixture in conftest.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

from coach.hardware.audio import AudioPlayer
from coach.speech.cache import PhraseCache
from coach.speech.pyttsx3_backend import Pyttsx3Backend
from coach.speech.renderer import Renderer
from coach.speech.voice import SpeechVoice

#: The command line of a stand-in for aplay (see fake_player.py).
FAKE_PLAYER = [sys.executable, str(Path(__file__).with_name("fake_player.py"))]


class RecordingPlayer(AudioPlayer):
    """The real player class, but nothing is started: we only see what it was asked."""

    def __init__(self) -> None:
        super().__init__(command=["unused"], ahead=False)
        self.played: list[Path] = []
        self.stops = 0

    def play(self, path: Path) -> bool:
        self.played.append(path)
        return True

    def stop(self) -> None:
        self.stops += 1


def speech_voice(tmp_path: Path, backend: Pyttsx3Backend, lead_in: float = 0.0) -> SpeechVoice:
    """A speech voice on ``backend`` with its cache in ``tmp_path`` and a recording player."""
    cache = PhraseCache(tmp_path / "cache", backend.identity(), lead_in)
    return SpeechVoice(Renderer(backend, cache, owns_backend=False), RecordingPlayer())
