"""Small WAV helpers: length, silence, joining a tone to a phrase, and checking a file is whole.

Everything the coach plays is mono 16-bit PCM, so joining files is joining
sample bytes; no audio library is needed. Files are made in memory and
written in one go (:func:`~coach.speech.atomicfile.write_atomically`), so a
full disk fails one write cleanly instead of leaving a half-made header.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from coach.speech.atomicfile import write_atomically

#: The header the wave module writes before the samples: RIFF, fmt and data chunk heads.
HEADER_BYTES = 44


class BadWav(ValueError):
    """A file that is not a whole mono 16-bit PCM WAV file: empty, cut short, or not a WAV."""


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
    """The samples of a WAV file, never through a link.

    :raises BadWav: unless the file is whole mono 16-bit PCM.
    :raises OSError: when it cannot be opened (missing, a link, unreadable).
    """
    with _open(path) as (w, _size):
        frames = w.readframes(w.getnframes())
        if len(frames) != w.getnframes() * 2:
            raise BadWav(f"{path.name}: cut short")
        return Pcm(w.getframerate(), frames)


def seconds(path: Path) -> float:
    """How long the WAV file at ``path`` plays, from its header; checks the samples are all there.

    :raises BadWav: unless the file is whole mono 16-bit PCM.
    :raises OSError: when it cannot be opened (missing, a link, unreadable).
    """
    with _open(path) as (w, size):
        if size < HEADER_BYTES + w.getnframes() * 2:
            raise BadWav(f"{path.name}: cut short")
        return w.getnframes() / w.getframerate()


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


@contextlib.contextmanager
def _open(path: Path) -> Iterator[tuple[wave.Wave_read, int]]:
    """A WAV file opened for reading without following a link, and its size; format checked."""
    # Non-blocking, so that a pipe put where a file should be is read as empty, not waited on.
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as file:
        try:
            w = wave.open(file, "rb")  # noqa: SIM115 -- it reads from `file`, closed below
        except (wave.Error, EOFError, struct.error, RuntimeError, ValueError) as exc:
            # RuntimeError: the wave module seeking past the end of a cut chunk.
            raise BadWav(f"{path.name}: not a WAV file ({str(exc) or 'empty'})") from exc
        if w.getsampwidth() != 2 or w.getnchannels() != 1 or w.getframerate() <= 0:
            raise BadWav(f"{path.name}: expected mono 16-bit PCM")
        yield w, os.fstat(fd).st_size
