"""The phrase cache: rendered speech on disk, keyed by what makes it sound as it does.

A phrase is rendered once per (text, backend, voice, rate, volume); the file
the player gets may add a lead-in of silence and a tone in front, and is
cached under its own key. A second session of the same routine renders
nothing.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from coach.paths import user_path
from coach.speech import wavfile
from coach.tones import ToneName, synthesize


def default_cache_dir() -> Path:
    """``$COACH_CACHE_DIR``, else ``$XDG_CACHE_HOME/voice-coach/speech``, else ``~/.cache/...``."""
    return user_path("COACH_CACHE_DIR", "XDG_CACHE_HOME", ".cache", "speech")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class CacheStats:
    """What the cache holds, or what clearing it removed.

    :param files: how many WAV files.
    :param bytes: their size in all, in bytes.
    """

    files: int
    bytes: int


class PhraseCache:
    """Rendered phrases on disk: one speech file per text, and the playable files made of them.

    :param root: the folder the files are kept in; made when the first is written.
    :param identity: the backend's :meth:`~coach.speech.backend.SpeechBackend.identity`,
        part of every key, so a change of voice, rate or volume renders afresh.
    :param lead_in_seconds: silence before every playable file; default 0.
    """

    def __init__(self, root: Path, identity: str, lead_in_seconds: float = 0.0) -> None:
        self.root = root
        self.identity = identity
        self.lead_in_seconds = lead_in_seconds

    def speech_path(self, text: str) -> Path:
        """Where ``text`` spoken by this cache's backend is kept (whether or not it is yet)."""
        return self.root / f"{_digest(self.identity, text)}.wav"

    def playable_path(self, text: str | None, tone: ToneName | None, volume: float) -> Path:
        """The file the player is given; the speech file itself when nothing is added."""
        if text is not None and tone is None and self.lead_in_seconds == 0:
            return self.speech_path(text)
        key = _digest(
            self.identity, text or "", tone or "", f"{self.lead_in_seconds:g}", f"{volume:g}"
        )
        return self.root / f"{key}-play.wav"

    def build_playable(
        self, text: str | None, tone: ToneName | None, volume: float, rate: int | None = None
    ) -> Path:
        """Join lead-in, tone and speech into the playable file (speech must be rendered)."""
        target = self.playable_path(text, tone, volume)
        if target.is_file():
            return target
        speech = wavfile.read(self.speech_path(text)) if text is not None else None
        sample_rate = speech.rate if speech is not None else (rate or 22050)
        parts = [wavfile.Pcm(sample_rate, wavfile.silence(sample_rate, self.lead_in_seconds))]
        if tone is not None:
            parts.append(wavfile.Pcm(sample_rate, synthesize(tone, sample_rate, volume)))
        if speech is not None:
            parts.append(speech)
        self.root.mkdir(parents=True, exist_ok=True)
        wavfile.write(target, wavfile.join(*parts))
        return target

    def stats(self) -> CacheStats:
        """How many WAV files the cache holds and their size, whatever their identity."""
        if not self.root.is_dir():
            return CacheStats(0, 0)
        files = [p for p in self.root.iterdir() if p.suffix == ".wav" and p.is_file()]
        return CacheStats(len(files), sum(p.stat().st_size for p in files))

    def clear(self) -> CacheStats:
        """Remove every cached file; returns what was removed."""
        removed = self.stats()
        if self.root.is_dir():
            shutil.rmtree(self.root)
        return removed
