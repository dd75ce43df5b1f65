"""Small WAV helpers: length, silence, and joining a tone to a phrase.

Everything the coach plays is mono 16-bit PCM, so joining files is joining
sample bytes; no audio library is needed. Files are made in memory and
written in one go (:func:`~coach.speech.atomicfile.write_atomically`), so a
full disk fails one write cleanly instead of leaving a half-made header.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path

from coach.speech.atomicfile import write_atomically


@dataclass(frozen=True)
class Pcm:
    """Mono 16-bit samples at ``rate`` Hz; ``frames`` holds them, little-endian."""

    rate: int
    frames: bytes

    @property
    def seconds(self) -> float:
        """How long the samples play."""
        return len(self.frames) / 2 / self.rate


def read(path: Path) -> Pcm:
    """The samples of a WAV file.

    :raises ValueError: unless the file is mono 16-bit PCM.
    """
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ValueError(f"{path}: expected mono 16-bit PCM")
        return Pcm(w.getframerate(), w.readframes(w.getnframes()))


def encode(pcm: Pcm) -> bytes:
    """The bytes of a WAV file holding ``pcm``."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(pcm.rate)
        w.writeframes(pcm.frames)
    return out.getvalue()


def write(path: Path, pcm: Pcm) -> None:
    """Write atomically and durably: a reader, a crash or a power cut never sees half a file.

    :raises FolderNotWritable: when the folder cannot take it; nothing is left behind.
    """
    write_atomically(path, encode(pcm))


def seconds(path: Path) -> float:
    """How long the WAV file at ``path`` plays, from its header alone."""
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def silence(rate: int, seconds: float) -> bytes:
    """``seconds`` of silence as 16-bit samples at ``rate`` Hz."""
    return b"\x00\x00" * round(rate * seconds)


def join(*parts: Pcm) -> Pcm:
    """The parts one after another, as one piece of audio.

    :raises ValueError: when the parts are at different rates.
    """
    rates = {p.rate for p in parts}
    if len(rates) != 1:
        raise ValueError(f"cannot join audio at different rates: {sorted(rates)}")
    return Pcm(parts[0].rate, b"".join(p.frames for p in parts))
