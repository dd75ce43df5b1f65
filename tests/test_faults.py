"""Faults during a whole session: the engine fails, the cache goes away, the disk fills.

Each runs a session as the command line does, on the virtual clock, and
checks that it ends as it should, with one line of warning and no traceback,
and that nothing of the user's is touched. (Signals at every kind of step are
in test_rig.py, the transcript's full disk in test_transcript.py and
test_cli.py, the player's faults in test_audio.py.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

from coach.events import Event
from coach.rig import RunOptions, build_session
from coach.settings import Settings
from coach.speech.backend import VoiceInfo
from coach.speech.cache import PhraseCache
from coach.speech.pyttsx3_backend import Pyttsx3Backend
from coach.speech.renderer import Renderer
from coach.speech.voice import SpeechVoice
from tests.conftest import exercise, routine
from tests.speech_helpers import RecordingPlayer

SHORT = routine(
    exercise("Reach", seconds=5.0, reps=2, rest_seconds=4.0, ready=3.0),
    exercise("Breathe", kind="activity", seconds=6.0),
    name="Short",
)
SETTINGS = Settings.from_values(speech="pyttsx3")


class FailingOn:
    """The real backend, except that it raises for phrases that contain ``word``."""

    def __init__(self, backend: Pyttsx3Backend, word: str) -> None:
        self.backend = backend
        self.word = word
        self.name = backend.name

    def identity(self) -> str:
        return self.backend.identity() + "|failing"

    def render(self, text: str, path: Path) -> None:
        if self.word in text:
            raise RuntimeError("the engine fell over")
        self.backend.render(text, path)

    def voices(self) -> list[VoiceInfo]:
        return self.backend.voices()

    def close(self) -> None:
        return None


class CheckingPlayer(RecordingPlayer):
    """Notes every file that was not there when it was handed over to be played."""

    def __init__(self) -> None:
        super().__init__()
        self.missing: list[Path] = []

    def play(self, path: Path) -> bool:
        if not path.is_file():
            self.missing.append(path)
        return super().play(path)


def session_with(voice: SpeechVoice, events: list[Event], warnings: list[str]) -> str:
    options = RunOptions(instant=True, listeners=[events.append], warn=warnings.append)
    return build_session(SHORT, SETTINGS, options, voice=voice).run()


def test_an_engine_that_fails_on_some_phrases_leaves_them_in_text(
    backend: Pyttsx3Backend, tmp_path: Path
) -> None:
    warnings: list[str] = []
    cache = PhraseCache(tmp_path / "cache", backend.identity() + "|failing")
    renderer = Renderer(FailingOn(backend, "Hold"), cache, on_error=warnings.append)
    player = RecordingPlayer()
    events: list[Event] = []
    assert session_with(SpeechVoice(renderer, player), events, warnings) == "finished"
    said = [e.data["text"] for e in events if e.type == "say"]
    assert said.count("Hold still.") == 2  # still said, in the transcript and in text
    assert warnings == ["could not render 'Hold still.': the engine fell over"]
    assert player.played  # every other phrase was played
    assert all("Hold" not in path.read_bytes().decode(errors="ignore") for path in player.played)


def test_a_cache_deleted_in_the_middle_of_a_session_is_made_again(
    backend: Pyttsx3Backend, tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    warnings: list[str] = []
    renderer = Renderer(backend, PhraseCache(folder, backend.identity()), owns_backend=False)
    player = CheckingPlayer()
    voice = SpeechVoice(renderer, player)
    events: list[Event] = []
    options = RunOptions(instant=True, listeners=[events.append], warn=warnings.append)
    session = build_session(SHORT, SETTINGS, options, voice=voice)
    session.clock.call_at(12.0, lambda: shutil.rmtree(folder))
    assert session.run() == "finished"
    assert warnings == []  # nothing blamed on the sound device, nothing went silent for good
    assert player.missing == []  # no file that had gone was ever handed to the player
    assert voice.late_renders > 0  # the phrases said after it went were rendered again


def test_nothing_outside_the_cache_is_touched_by_a_session(
    backend: Pyttsx3Backend, tmp_path: Path
) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    mine = folder / "notes.txt"
    mine.write_text("mine")
    renderer = Renderer(backend, PhraseCache(folder, backend.identity()), owns_backend=False)
    events: list[Event] = []
    session_with(SpeechVoice(renderer, RecordingPlayer()), events, [])
    assert mine.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]
