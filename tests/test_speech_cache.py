"""The phrase cache: keys that follow the settings, playable files, clearing."""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest

from coach.speech import wavfile
from coach.speech.cache import PhraseCache
from coach.speech.pyttsx3_backend import Pyttsx3Backend
from coach.tones import tone_seconds


def test_cache_key_follows_the_settings(tmp_path: Path) -> None:
    a = PhraseCache(tmp_path, "pyttsx3|gmw/en|160|1")
    b = PhraseCache(tmp_path, "pyttsx3|gmw/en|200|1")
    assert a.speech_path("Hold.") != b.speech_path("Hold.")
    assert a.speech_path("Hold.") == PhraseCache(tmp_path, a.identity).speech_path("Hold.")
    assert a.playable_path("Hold.", None, 1.0) == a.speech_path("Hold.")
    assert a.playable_path("Hold.", "start", 1.0) != a.speech_path("Hold.")


def test_playable_file_is_lead_in_then_tone_then_speech(
    backend: Pyttsx3Backend, tmp_path: Path
) -> None:
    cache = PhraseCache(tmp_path, backend.identity(), lead_in_seconds=0.25)
    backend.render("Hold.", cache.speech_path("Hold."))
    speech = wavfile.read(cache.speech_path("Hold."))
    played = wavfile.read(cache.build_playable("Hold.", "start", 1.0))
    assert played.seconds == pytest.approx(0.25 + tone_seconds("start") + speech.seconds, abs=2e-3)
    lead = array("h", played.frames[: int(0.25 * played.rate) * 2])
    assert max(abs(s) for s in lead) == 0
    tone = array("h", played.frames[int(0.26 * played.rate) * 2 : int(0.3 * played.rate) * 2])
    assert max(abs(s) for s in tone) > 5000


def test_clear_empties_the_cache(tmp_path: Path) -> None:
    cache = PhraseCache(tmp_path / "speech", "x")
    (tmp_path / "speech").mkdir()
    (tmp_path / "speech" / f"{'a' * 32}.wav").write_bytes(b"RIFF....")
    assert cache.clear().removed.files == 1
    assert cache.stats().files == 0


def test_a_damaged_file_counts_as_missing_and_is_removed_with_one_warning(tmp_path: Path) -> None:
    warnings: list[str] = []
    cache = PhraseCache(tmp_path, "x", warn=warnings.append)
    empty, garbage = cache.speech_path("One."), cache.speech_path("Two.")
    empty.write_bytes(b"")  # what a power cut after an unsynced rename leaves
    garbage.write_bytes(b"garbage" * 10)
    assert cache.find(empty) is None
    assert cache.find(garbage) is None
    assert not empty.exists() and not garbage.exists()
    assert cache.damaged == 2
    assert warnings == [
        f"a damaged file in the speech cache ({empty.name}: not a WAV file (empty)): "
        "removed it; it is rendered again"
    ]


def test_a_link_in_place_of_a_cache_file_is_neither_followed_nor_removed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.wav"
    wavfile.write(elsewhere, wavfile.Pcm(16000, wavfile.silence(16000, 0.2)))
    cache = PhraseCache(tmp_path / "cache", "x")
    cache.make_folder()
    link = cache.speech_path("One.")
    link.symlink_to(elsewhere)
    assert cache.find(link) is None
    assert link.is_symlink()
    assert wavfile.seconds(elsewhere) == 0.2


def test_repair_removes_every_damaged_file_and_leaves_the_rest(tmp_path: Path) -> None:
    cache = PhraseCache(tmp_path, "x")
    whole = cache.speech_path("Whole.")
    wavfile.write(whole, wavfile.Pcm(16000, wavfile.silence(16000, 0.2)))
    cache.speech_path("Empty.").write_bytes(b"")
    cut = cache.playable_path("Cut.", "start", 1.0)
    cut.write_bytes(whole.read_bytes()[:100])
    (tmp_path / "notes.txt").write_text("not the cache's")
    assert cache.repair() == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([whole.name, "notes.txt"])
    assert cache.repair() == 0
