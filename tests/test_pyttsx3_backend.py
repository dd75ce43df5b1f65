"""The pyttsx3 backend: eSpeak NG renders for real, its identity, its voices."""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest

from coach.errors import SpeechUnavailable
from coach.settings import Settings
from coach.speech import wavfile
from coach.speech.pyttsx3_backend import DEFAULT_VOICE, WORD_GAP, Pyttsx3Backend


def peak(path: Path) -> int:
    samples = array("h", wavfile.read(path).frames)
    return max((abs(s) for s in samples), default=0)


def test_pyttsx3_renders_a_non_silent_wav_of_plausible_length(
    backend: Pyttsx3Backend, tmp_path: Path
) -> None:
    path = tmp_path / "hold.wav"
    backend.render("Hold your stretch for twenty seconds.", path)
    pcm = wavfile.read(path)
    assert 1.0 < pcm.seconds < 5.0
    assert peak(path) > 3000
    assert not list(tmp_path.glob("*.part.wav"))


def test_a_faster_rate_is_shorter(tmp_path: Path) -> None:
    text = "Lie on your back and pull your knee gently toward your chest."
    lengths = []
    for rate in (120, 240):
        b = Pyttsx3Backend(Settings.from_values(rate=rate))
        b.render(text, tmp_path / f"{rate}.wav")
        lengths.append(wavfile.seconds(tmp_path / f"{rate}.wav"))
    assert lengths[1] < lengths[0] * 0.75


def test_identity_changes_with_what_changes_the_sound() -> None:
    base = Settings.from_values()
    ids = {
        Pyttsx3Backend(s).identity()
        for s in (
            base,
            Settings.from_values(rate=200),
            Settings.from_values(volume=0.5),
            Settings.from_values(voice="gmw/en"),
        )
    }
    assert len(ids) == 4


def test_an_unknown_voice_names_the_fix() -> None:
    with pytest.raises(SpeechUnavailable, match="'coach voices' lists them"):
        Pyttsx3Backend(Settings.from_values(voice="no-such-voice"))


def test_voices_are_listed(backend: Pyttsx3Backend) -> None:
    ids = {v.id for v in backend.voices()}
    assert backend.voice in ids
    assert len(ids) > 10


def test_the_default_voice_is_american_english_with_gaps_between_words() -> None:
    # Measured as the better understood (README, Speech); ids differ in case by release.
    b = Pyttsx3Backend(Settings.from_values())
    assert b.voice.casefold() == DEFAULT_VOICE.casefold()
    assert b.identity().endswith(f"|gap={WORD_GAP}")
