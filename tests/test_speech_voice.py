"""The speech voice: ready phrases play at once, late ones are rendered on the spot."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from coach.phrases import Phrase
from coach.speech import wavfile
from coach.speech.cache import PhraseCache
from coach.speech.pyttsx3_backend import Pyttsx3Backend
from coach.speech.renderer import Renderer
from coach.speech.voice import SpeechVoice
from coach.tones import tone_seconds
from tests.speech_helpers import RecordingPlayer, speech_voice


def test_ready_phrases_play_at_once(backend: Pyttsx3Backend, tmp_path: Path) -> None:
    voice = speech_voice(tmp_path, backend)
    voice.renderer.render_now([("Hold.", "start")])
    voice.say("Hold.", "start")
    player = voice.player
    assert isinstance(player, RecordingPlayer)
    assert player.played == [voice.renderer.ready(("Hold.", "start"))]
    assert voice.late_renders == 0
    voice.close()


def test_a_late_phrase_is_rendered_on_the_spot_and_counted(
    backend: Pyttsx3Backend, tmp_path: Path
) -> None:
    voice = speech_voice(tmp_path, backend)
    voice.say("Not rendered yet.")
    assert voice.late_renders == 1
    voice.renderer.wait([("Not rendered yet.", None)], timeout=10)
    deadline = time.monotonic() + 5
    player = voice.player
    assert isinstance(player, RecordingPlayer)
    while not player.played and time.monotonic() < deadline:
        time.sleep(0.01)
    assert player.played == [voice.renderer.ready(("Not rendered yet.", None))]
    voice.close()


def test_a_late_phrase_is_not_played_after_a_stop(backend: Pyttsx3Backend, tmp_path: Path) -> None:
    voice = speech_voice(tmp_path, backend)
    voice.say("Too late to matter.")
    voice.stop()
    voice.renderer.wait([("Too late to matter.", None)], timeout=10)
    voice.renderer.close()  # the render callback has run by now
    player = voice.player
    assert isinstance(player, RecordingPlayer)
    assert player.played == []
    voice.close()


def test_durations_are_real_once_rendered(backend: Pyttsx3Backend, tmp_path: Path) -> None:
    voice = speech_voice(tmp_path, backend, lead_in=0.1)
    estimate = voice.duration("Exercise 1 of 2: Side stretch.")
    voice.renderer.render_now([("Exercise 1 of 2: Side stretch.", None)])
    real = wavfile.seconds(voice.renderer.cache.speech_path("Exercise 1 of 2: Side stretch."))
    assert voice.duration("Exercise 1 of 2: Side stretch.") == pytest.approx(0.1 + real, abs=1e-3)
    assert voice.duration("Exercise 1 of 2: Side stretch.") != estimate
    voice.close()


def test_speech_off_plays_only_tones(backend: Pyttsx3Backend, tmp_path: Path) -> None:
    cache = PhraseCache(tmp_path, backend.identity())
    voice = SpeechVoice(
        Renderer(backend, cache, speech=False, owns_backend=False), RecordingPlayer()
    )
    voice.renderer.render_now([("Hold.", "start"), ("3", None)])
    voice.say("3")
    voice.say("Hold.", "start")
    player = voice.player
    assert isinstance(player, RecordingPlayer)
    assert len(player.played) == 1
    assert wavfile.seconds(player.played[0]) == pytest.approx(tone_seconds("start"), abs=2e-3)
    assert not cache.speech_path("Hold.").exists()
    voice.close()


def test_a_phrase_whose_file_was_cleared_is_rendered_again_not_handed_to_the_player(
    backend: Pyttsx3Backend, tmp_path: Path
) -> None:
    voice = speech_voice(tmp_path, backend)
    phrases: list[Phrase] = [("Hold.", "start"), ("Release.", None)]
    voice.renderer.render_now(phrases)
    voice.say("Hold.", "start")
    assert voice.renderer.cache.clear().removed.files == 3  # 'coach speech-cache clear', meanwhile
    player = voice.player
    assert isinstance(player, RecordingPlayer)
    for text, tone in phrases:
        voice.say(text, tone)
    assert voice.late_renders == 2
    assert voice.renderer.wait(phrases, timeout=10)
    voice.renderer.close()  # the late renders' callbacks have run by now
    assert len(player.played) == 2  # the first 'Hold.', then only the newest phrase
    assert player.played[-1] == voice.renderer.ready(("Release.", None))
    assert all(path.is_file() for path in player.played)
    voice.close()
