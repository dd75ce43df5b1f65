"""The renderer: what is cached is not rendered again, and what is needed soon goes first."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from coach.phrases import Phrase
from coach.speech import wavfile
from coach.speech.cache import PhraseCache
from coach.speech.pyttsx3_backend import Pyttsx3Backend
from coach.speech.renderer import Renderer


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


class GatedBackend:
    """Renders silence, records the order, and holds its first render until let go."""

    name = "gated"

    def __init__(self) -> None:
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


class SilentBackend:
    """Renders a tenth of a second of silence for any text, and counts its renders."""

    name = "silent"

    def __init__(self) -> None:
        self.renders = 0

    def identity(self) -> str:
        return "silent"

    def render(self, text: str, path: Path) -> None:
        self.renders += 1
        wavfile.write(path, wavfile.Pcm(16000, wavfile.silence(16000, 0.1)))

    def voices(self) -> list[Any]:
        return []

    def close(self) -> None:
        return None


def test_a_damaged_cache_file_is_rendered_again(tmp_path: Path) -> None:
    backend = SilentBackend()
    warnings: list[str] = []
    cache = PhraseCache(tmp_path, backend.identity(), warn=warnings.append)
    renderer = Renderer(backend, cache, on_error=warnings.append)
    phrases: list[Phrase] = [("One.", None), ("Two.", "start")]
    assert renderer.render_now(phrases) == 2
    renderer.close()
    for phrase in phrases:
        path = renderer.ready(phrase)
        assert path is not None
        path.write_bytes(b"")  # as a power cut can leave it
    again = Renderer(backend, PhraseCache(tmp_path, backend.identity(), warn=warnings.append))
    assert again.missing(phrases) == phrases
    assert again.speech_seconds("One.") is None
    assert again.render_now(phrases) == 2
    assert again.missing(phrases) == []
    assert again.speech_seconds("One.") == 0.1
    again.close()
    assert len(warnings) == 1 and warnings[0].startswith("a damaged file in the speech cache (")
