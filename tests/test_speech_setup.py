"""Setting speech up: choosing the voice, its fallbacks, and plans settled on real lengths."""

from __future__ import annotations

import json
import queue
import sys
from pathlib import Path

import pytest

from coach import library
from coach.loader import load_routine
from coach.plan import Plan, compile_plan
from coach.settings import Settings
from coach.speech.pyttsx3_backend import Pyttsx3Backend
from coach.speech.setup import make_voice, settle_plan, start_session
from coach.speech.voice import SpeechVoice
from coach.tones import tone_seconds
from coach.voice import TextVoice
from tests.speech_helpers import FAKE_PLAYER, speech_voice
from tests.test_plan import assert_no_overlap

# -- choosing a voice ----------------------------------------------------------------------------


def test_without_a_speech_engine_the_coach_says_so_once_and_uses_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from coach.speech import pyttsx3_backend

    monkeypatch.setattr(pyttsx3_backend, "_state", {})  # as in a fresh process
    for name in ("pyttsx3", "pyttsx3.drivers", "pyttsx3.drivers._espeak"):
        monkeypatch.setitem(sys.modules, name, None)
    warnings: list[str] = []
    voice = make_voice(Settings.from_values(), None, warnings.append, cache_dir=tmp_path)
    assert isinstance(voice, TextVoice)
    assert warnings == [
        "speech is off: pyttsx3 is not installed; reinstall voice-coach: pip install voice-coach"
    ]


def test_make_voice_builds_real_speech(tmp_path: Path) -> None:
    voice = make_voice(
        Settings.from_values(audio_device="plughw:CARD=X", lead_in=0.2),
        None,
        print,
        cache_dir=tmp_path,
    )
    assert isinstance(voice, SpeechVoice)
    assert voice.player.command == ["aplay", "-q", "-D", "plughw:CARD=X"]
    assert voice.renderer.cache.lead_in_seconds == 0.2
    voice.close()


# -- plans on real lengths -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pinched-nerve-leg", "hip-piriformis", "quick-demo"])
def test_real_phrase_lengths_never_overlap(
    name: str, backend: Pyttsx3Backend, tmp_path: Path
) -> None:
    voice = speech_voice(tmp_path, backend)
    routine = load_routine(library.resolve(name))
    plan = settle_plan(routine, voice, tones=True)
    assert voice.renderer.missing(plan.phrases()) == []
    for step in plan.steps:
        for cue in step.cues:
            assert cue.duration_seconds == pytest.approx(
                voice.duration(cue.text) + tone_seconds(cue.tone), abs=1e-3
            )
    assert_no_overlap(plan)
    assert plan != compile_plan(routine, TextVoice().duration, tones=True)
    voice.close()


# -- sessions --------------------------------------------------------------------------------


def test_preview_total_matches_an_instant_session_with_the_same_voice(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from coach.cli import cli

    env = {"COACH_CACHE_DIR": str(tmp_path), "COACH_SPEECH": "pyttsx3", "PATH": "/nonexistent"}
    runner = CliRunner()
    preview = runner.invoke(cli, ["preview", "quick-demo", "--json"], env=env)
    assert preview.exit_code == 0, preview.output
    total = json.loads(preview.stdout)["total_seconds"]
    run = runner.invoke(cli, ["run", "quick-demo", "--instant", "--transcript", "-"], env=env)
    assert run.exit_code == 0, run.output
    events = [json.loads(line) for line in run.stdout.splitlines()]
    assert events[-1] == {"t": total, "type": "state", "state": "finished"}
    text_total = compile_plan(
        load_routine(library.resolve("quick-demo")), TextVoice().duration
    ).total_seconds
    assert total != round(text_total, 3)  # real lengths, not the text estimate


def test_a_live_session_starts_on_real_lengths_and_settles_the_rest(tmp_path: Path) -> None:
    routine = load_routine(library.resolve("quick-demo"))
    voice = make_voice(
        Settings.from_values(),
        None,
        lambda _message: None,
        cache_dir=tmp_path,
        player_command=FAKE_PLAYER,
    )
    settled: queue.Queue[Plan] = queue.Queue()
    try:
        plan = start_session(routine, voice, True, instant=False, post_plan=settled.put)
        for cue in plan.steps[0].cues:
            assert voice.missing([(cue.text, cue.tone)]) == []
            assert cue.duration_seconds == pytest.approx(voice.duration(cue.text), abs=1e-3)
        update = settled.get(timeout=30)
        assert voice.missing(update.phrases()) == []
        assert update == settle_plan(routine, voice, tones=True)
    finally:
        voice.close()


def test_a_session_with_a_cache_that_cannot_be_written_goes_on_with_one_warning(
    tmp_path: Path,
) -> None:
    (tmp_path / "file").write_text("not a folder")
    cache = tmp_path / "file" / "cache"
    routine = load_routine(library.resolve("quick-demo"))
    warnings: list[str] = []
    voice = make_voice(
        Settings.from_values(), None, warnings.append, routine, cache_dir=cache,
        player_command=FAKE_PLAYER,
    )  # fmt: skip
    assert isinstance(voice, SpeechVoice)
    try:
        plan = settle_plan(routine, voice, tones=True)
        assert voice.missing(plan.phrases()) == []  # spoken from a folder of its own
        spill = voice.renderer.cache.root
    finally:
        voice.close()
    assert warnings == [
        f"the speech cache cannot be written ({cache}: Not a directory); "
        f"this session keeps new speech in {spill}"
    ]
    assert not spill.exists()
