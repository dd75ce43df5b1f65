"""Real speech: pyttsx3 renders for real, the cache, the voice, the player, fallbacks."""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import sys
import time
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach import library
from coach.errors import SpeechUnavailable
from coach.hardware.audio import AudioPlayer
from coach.loader import load_routine
from coach.phrases import Phrase
from coach.plan import Plan, compile_plan
from coach.speech import wavfile
from coach.speech.backend import SpeechSettings
from coach.speech.cache import PhraseCache
from coach.speech.pyttsx3_backend import Pyttsx3Backend
from coach.speech.renderer import Renderer
from coach.speech.setup import AudioSettings, make_voice, settle_plan, start_session
from coach.speech.voice import SpeechVoice
from coach.tones import tone_seconds
from coach.voice import TextVoice
from tests.test_plan import assert_no_overlap

FAKE_PLAYER = [sys.executable, str(Path(__file__).with_name("fake_player.py"))]


def peak(path: Path) -> int:
    samples = array("h", wavfile.read(path).frames)
    return max((abs(s) for s in samples), default=0)


@pytest.fixture(scope="module")
def backend() -> Iterator[Pyttsx3Backend]:
    b = Pyttsx3Backend(SpeechSettings())
    yield b
    b.close()


class RecordingPlayer(AudioPlayer):
    """The real player class, but nothing is started: we only see what it was asked."""

    def __init__(self) -> None:
        super().__init__(command=["unused"])
        self.played: list[Path] = []
        self.stops = 0

    def play(self, path: Path) -> bool:
        self.played.append(path)
        return True

    def stop(self) -> None:
        self.stops += 1


def speech_voice(tmp_path: Path, backend: Pyttsx3Backend, lead_in: float = 0.0) -> SpeechVoice:
    cache = PhraseCache(tmp_path / "cache", backend.identity(), lead_in)
    return SpeechVoice(Renderer(backend, cache, owns_backend=False), RecordingPlayer())


# -- rendering ------------------------------------------------------------------------


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
        b = Pyttsx3Backend(SpeechSettings(rate_wpm=rate))
        b.render(text, tmp_path / f"{rate}.wav")
        lengths.append(wavfile.seconds(tmp_path / f"{rate}.wav"))
    assert lengths[1] < lengths[0] * 0.75


def test_identity_changes_with_what_changes_the_sound() -> None:
    base = SpeechSettings()
    ids = {
        Pyttsx3Backend(s).identity()
        for s in (
            base,
            SpeechSettings(rate_wpm=200),
            SpeechSettings(volume=0.5),
            SpeechSettings(voice="gmw/en-us"),
        )
    }
    assert len(ids) == 4


def test_an_unknown_voice_names_the_fix() -> None:
    with pytest.raises(SpeechUnavailable, match="'coach voices' lists them"):
        Pyttsx3Backend(SpeechSettings(voice="no-such-voice"))


def test_voices_are_listed(backend: Pyttsx3Backend) -> None:
    ids = {v.id for v in backend.voices()}
    assert backend.voice in ids
    assert len(ids) > 10


# -- the cache and the renderer -----------------------------------------------------------


def test_second_session_renders_nothing(backend: Pyttsx3Backend, tmp_path: Path) -> None:
    phrases: list[Phrase] = [("Hold.", "start"), ("Release. Rest.", "end"), ("3", None)]
    first = Renderer(backend, PhraseCache(tmp_path, backend.identity()), owns_backend=False)
    assert first.render_now(phrases) == 3
    assert first.rendered == 3
    first.close()
    second = Renderer(backend, PhraseCache(tmp_path, backend.identity()), owns_backend=False)
    assert second.missing(phrases) == []
    assert second.render_now(phrases) == 0
    assert second.rendered == 0
    assert all(second.ready(p) is not None for p in phrases)
    second.close()


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
    (tmp_path / "speech" / "a.wav").write_bytes(b"RIFF....")
    assert cache.clear().files == 1
    assert cache.stats().files == 0


# -- the voice ---------------------------------------------------------------------------


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


# -- the player ------------------------------------------------------------------------------


def long_wav(tmp_path: Path, seconds: float = 10.0) -> Path:
    path = tmp_path / "long.wav"
    wavfile.write(path, wavfile.Pcm(16000, wavfile.silence(16000, seconds)))
    return path


def test_stop_ends_the_player_process_at_once(tmp_path: Path) -> None:
    player = AudioPlayer(command=FAKE_PLAYER)
    assert player.play(long_wav(tmp_path))
    proc = player._proc
    assert proc is not None
    time.sleep(0.3)  # let it get into "playing"
    assert proc.poll() is None
    started = time.monotonic()
    player.stop()
    took = time.monotonic() - started
    assert proc.returncode is not None  # gone, and reaped
    assert took < 0.05
    assert not player.playing


def test_a_new_phrase_cuts_the_last_one(tmp_path: Path) -> None:
    player = AudioPlayer(command=FAKE_PLAYER)
    wav = long_wav(tmp_path)
    player.play(wav)
    first = player._proc
    player.play(wav)
    assert first is not None and first.returncode is not None
    assert player.playing
    player.stop()


def test_missing_sound_device_warns_once_and_keeps_trying(tmp_path: Path) -> None:
    warnings: list[str] = []
    player = AudioPlayer(command=[*FAKE_PLAYER, "--fail"], warn=warnings.append)
    wav = long_wav(tmp_path, 0.1)
    for _ in range(3):
        assert player.play(wav)  # it is tried on every cue
        proc = player._proc
        assert proc is not None
        proc.wait()
    player.wait()
    assert len(warnings) == 1
    assert warnings[0].startswith("no audio device (")
    assert warnings[0].endswith(
        "audio open error: No such file or directory); "
        "carrying on in text, and trying again on every cue"
    )
    assert player.failing


def test_missing_player_program_names_the_fix(tmp_path: Path) -> None:
    warnings: list[str] = []
    player = AudioPlayer(command=["no-such-player-program"], warn=warnings.append)
    assert not player.play(long_wav(tmp_path, 0.1))
    assert not player.play(long_wav(tmp_path, 0.1))
    assert warnings == [
        "no audio player: 'no-such-player-program' was not found; install it with: "
        "sudo apt install alsa-utils; carrying on in text, and trying again on every cue"
    ]


def test_the_player_recovers_and_says_so(tmp_path: Path) -> None:
    warnings: list[str] = []
    player = AudioPlayer(command=[*FAKE_PLAYER, "--fail"], warn=warnings.append)
    wav = long_wav(tmp_path, 0.05)
    player.play(wav)
    player.wait()
    player.command = FAKE_PLAYER  # the sound card has come up
    player.play(wav)
    player.wait()
    assert len(warnings) == 2 and warnings[1] == "audio is playing again"


@pytest.mark.skipif(shutil.which("aplay") is None, reason="aplay (alsa-utils) is not installed")
def test_aplay_plays_to_the_null_device(tmp_path: Path) -> None:
    warnings: list[str] = []
    player = AudioPlayer(device="null", warn=warnings.append)
    assert player.command == ["aplay", "-q", "-D", "null"]
    assert player.play(long_wav(tmp_path, 0.2))
    player.wait(5)
    assert warnings == []


@pytest.mark.skipif(shutil.which("aplay") is None, reason="aplay (alsa-utils) is not installed")
def test_aplay_with_a_missing_device_degrades(tmp_path: Path) -> None:
    warnings: list[str] = []
    player = AudioPlayer(device="plughw:CARD=NoSuchCard", warn=warnings.append)
    player.play(long_wav(tmp_path, 0.2))
    player.wait(5)
    assert len(warnings) == 1 and warnings[0].startswith("no audio device (aplay: ")


# -- choosing a voice ----------------------------------------------------------------------------


def test_without_a_speech_engine_the_coach_says_so_once_and_uses_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from coach.speech import pyttsx3_backend

    monkeypatch.setattr(pyttsx3_backend, "_state", {})  # as in a fresh process
    for name in ("pyttsx3", "pyttsx3.drivers", "pyttsx3.drivers._espeak"):
        monkeypatch.setitem(sys.modules, name, None)
    warnings: list[str] = []
    voice = make_voice(AudioSettings(cache_dir=tmp_path), None, warnings.append)
    assert isinstance(voice, TextVoice)
    assert warnings == [
        "speech is off: pyttsx3 is not installed; reinstall voice-coach: pip install voice-coach"
    ]


def test_make_voice_builds_real_speech(tmp_path: Path) -> None:
    voice = make_voice(
        AudioSettings(cache_dir=tmp_path, audio_device="plughw:CARD=X", lead_in_seconds=0.2),
        None,
        print,
    )
    assert isinstance(voice, SpeechVoice)
    assert voice.player.command == ["aplay", "-q", "-D", "plughw:CARD=X"]
    assert voice.renderer.cache.lead_in_seconds == 0.2
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


def test_coach_say_renders_and_tries_to_play(tmp_path: Path) -> None:
    env = {"COACH_CACHE_DIR": str(tmp_path), "PATH": "/nonexistent"}
    done = subprocess.run(
        [sys.executable, "-m", "coach", "say", "Hello there."],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 4, done.stderr
    assert "no audio player: 'aplay' was not found" in done.stderr
    assert len(list(tmp_path.glob("*.wav"))) == 1


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
    audio = AudioSettings(cache_dir=tmp_path, player_command=tuple(FAKE_PLAYER))
    voice = make_voice(audio, None, lambda _message: None)
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


# -- speech commands -----------------------------------------------------------------------------


def cli_run(*args: str, cache: Path) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from coach.cli import cli

    result = CliRunner().invoke(cli, list(args), env={"COACH_CACHE_DIR": str(cache)})
    return result.exit_code, result.stdout, result.stderr


def test_voices_lists_the_engine_voices(tmp_path: Path) -> None:
    code, out, _ = cli_run("voices", cache=tmp_path)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "LANGUAGES"]
    assert any(line.startswith("gmw/en ") for line in lines)
    code, out, _ = cli_run("voices", "--speech", "text", cache=tmp_path)
    assert out == "the text voice prints what it would say; it has no voices to choose\n"


def test_speech_cache_prerender_then_clear(tmp_path: Path) -> None:
    code, out, err = cli_run("speech-cache", "prerender", "quick-demo", cache=tmp_path)
    assert code == 0, err
    first = out.splitlines()[0]
    count = int(first.split()[1])
    assert first.startswith(f"quick-demo: {count} phrases, {count} rendered now, 0 already cached")
    assert out.splitlines()[-1] == f"cache: {tmp_path}"
    code, out, _ = cli_run("speech-cache", "prerender", "quick-demo", cache=tmp_path)
    assert out.startswith(f"quick-demo: {count} phrases, 0 rendered now, {count} already cached")
    files = len(list(tmp_path.glob("*.wav")))
    code, out, _ = cli_run("speech-cache", "clear", cache=tmp_path)
    assert code == 0
    assert out.startswith(f"removed {files} files (")
    assert not tmp_path.exists()


def test_prerender_needs_a_speech_engine(tmp_path: Path) -> None:
    code, _, err = cli_run("speech-cache", "prerender", "--speech", "text", cache=tmp_path)
    assert code == 2
    assert "the text voice has nothing to render" in err


class GatedBackend:
    """Renders silence, records the order, and holds its first render until let go."""

    name = "gated"

    def __init__(self) -> None:
        import threading

        self.order: list[str] = []
        self.gate = threading.Event()
        self.entered = threading.Event()

    def identity(self) -> str:
        return "gated"

    def render(self, text: str, path: Path) -> None:
        self.entered.set()
        self.gate.wait(10)
        self.order.append(text)
        wavfile.write(path, wavfile.Pcm(16000, wavfile.silence(16000, 0.1)))

    def voices(self) -> list[Any]:
        return []

    def close(self) -> None:
        return None


def test_the_session_about_to_start_goes_ahead_of_the_background(tmp_path: Path) -> None:
    backend = GatedBackend()
    renderer = Renderer(backend, PhraseCache(tmp_path, backend.identity()))
    renderer.prerender([("one", None), ("two", None), ("three", None)])
    assert backend.entered.wait(10)  # the renderer has taken "one" and waits at the gate
    renderer.prerender([("now", None)], soon=True)
    renderer.urgent(("at once", None), lambda phrase, path: None)
    backend.gate.set()
    assert renderer.wait([(t, None) for t in ("one", "two", "three", "now", "at once")], 10)
    assert backend.order == ["one", "at once", "now", "two", "three"]
    renderer.close()
