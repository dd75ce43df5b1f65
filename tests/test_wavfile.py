"""WAV helpers: a file is only read when it is whole mono 16-bit PCM, and never through a link."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest

from coach.speech import wavfile


def good(path: Path, seconds: float = 0.5) -> Path:
    wavfile.write(path, wavfile.Pcm(16000, wavfile.silence(16000, seconds)))
    return path


def stereo() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00" * 400)
    return out.getvalue()


def test_a_whole_file_reads_back(tmp_path: Path) -> None:
    path = good(tmp_path / "a.wav")
    assert wavfile.seconds(path) == 0.5
    assert wavfile.read(path).seconds == 0.5
    assert path.read_bytes() == wavfile.encode(wavfile.read(path))


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda data: b"", "not a WAV file (empty)"),
        (lambda data: b"garbage" * 20, "not a WAV file (file does not start with RIFF id)"),
        (lambda data: data[: len(data) // 2], "cut short"),
        (lambda data: data[:30], "not a WAV file"),
        (lambda data: stereo(), "expected mono 16-bit PCM"),
    ],
    ids=["empty", "garbage", "cut-short", "header-cut", "stereo"],
)
def test_a_damaged_file_is_refused(tmp_path: Path, damage: object, problem: str) -> None:
    path = good(tmp_path / "a.wav")
    assert callable(damage)
    path.write_bytes(damage(path.read_bytes()))
    for read in (wavfile.seconds, wavfile.read):
        with pytest.raises(wavfile.BadWav) as caught:
            read(path)
        assert str(caught.value).startswith(f"a.wav: {problem}")


def test_a_link_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "link.wav").symlink_to(good(tmp_path / "real.wav"))
    with pytest.raises(OSError):
        wavfile.seconds(tmp_path / "link.wav")
