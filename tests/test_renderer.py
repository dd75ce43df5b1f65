"""The renderer: what is cached is not rendered again, and what is needed soon goes first."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from coach.errors import SpeechUnavailable
from coach.phrases import Phrase
from coach.speech import wavfile
from coach.speech.backend import VoiceInfo
from coach.speech.cache import PhraseCache
from coach.speech.cachefolder import CacheStats
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


def test_an_unwritable_cache_is_reported_once_and_fails_fast(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    backend = SilentBackend()
    errors: list[str] = []
    cache = PhraseCache(tmp_path / "file" / "cache", backend.identity())
    renderer = Renderer(backend, cache, on_error=errors.append)
    phrases: list[Phrase] = [(f"Phrase {n}.", None) for n in range(10)]
    renderer.render_now(phrases)
    assert renderer.missing(phrases) == phrases
    assert errors == []  # without a spill folder the caller reports it, in one line
    assert renderer.write_error is not None
    assert str(renderer.write_error) == f"cannot write in {cache.root}: Not a directory"
    assert backend.renders == 0  # the folder could not be made: nothing rendered for nothing
    renderer.close()


def test_a_session_whose_cache_cannot_be_written_speaks_from_a_temporary_folder(
    tmp_path: Path,
) -> None:
    (tmp_path / "file").write_text("not a folder")
    backend = SilentBackend()
    warnings: list[str] = []
    cache = PhraseCache(tmp_path / "file" / "cache", backend.identity())
    renderer = Renderer(backend, cache, on_error=warnings.append, spill=True)
    phrases: list[Phrase] = [(f"Phrase {n}.", "end") for n in range(5)]
    renderer.render_now(phrases)
    assert renderer.missing(phrases) == []
    spilled = renderer.ready(phrases[0])
    assert spilled is not None and spilled.parent == cache.root != cache.home
    assert warnings == [
        f"the speech cache cannot be written ({cache.home}: Not a directory); "
        f"this session keeps new speech in {cache.root}"
    ]
    renderer.close()
    assert not spilled.parent.exists()
    assert cache.root == cache.home


def test_a_read_only_cache_still_plays_what_it_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = SilentBackend()
    first = Renderer(backend, PhraseCache(tmp_path, backend.identity()))
    first.render_now([("Cached.", None)])
    first.close()
    opening = os.open

    def read_only(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT and Path(path).parent == tmp_path:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return opening(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    warnings: list[str] = []
    cache = PhraseCache(tmp_path, backend.identity())
    renderer = Renderer(backend, cache, on_error=warnings.append, spill=True)
    renderer.render_now([("New.", None)])
    cached, new = renderer.ready(("Cached.", None)), renderer.ready(("New.", None))
    assert cached is not None and cached.parent == tmp_path
    assert new is not None and new.parent == cache.root != tmp_path
    assert len(warnings) == 1 and "Read-only file system" in warnings[0]
    renderer.close()


def test_eviction_after_rendering_keeps_the_files_in_use(tmp_path: Path) -> None:
    backend = SilentBackend()
    old = Renderer(backend, PhraseCache(tmp_path, backend.identity()))
    stale: list[Phrase] = [(f"Old {n}.", None) for n in range(6)]
    old.render_now(stale)
    old.close()
    for phrase in stale:
        path = old.ready(phrase)
        assert path is not None
        os.utime(path, (1_000_000.0, 1_000_000.0))  # last used long ago
    size = PhraseCache(tmp_path, "").stats().bytes // len(stale)
    cache = PhraseCache(tmp_path, backend.identity(), limit_bytes=4 * size)
    renderer = Renderer(backend, cache)
    wanted: list[Phrase] = [(f"New {n}.", None) for n in range(3)]
    assert renderer.ready(stale[0]) is not None  # found ready: in use by this session
    renderer.render_now(wanted)
    renderer.close()
    renderer.evict()  # whatever the thread did not get to before it ended
    assert renderer.evicted == CacheStats(5, 5 * size)
    assert cache.stats() == CacheStats(4, 4 * size)
    assert renderer.missing([stale[0], *wanted]) == []


def test_rendering_resumes_once_the_folder_takes_files_again(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    backend = SilentBackend()
    renderer = Renderer(backend, PhraseCache(blocker / "cache", backend.identity()))
    renderer.render_now([("First.", None)])
    assert str(renderer.write_error).endswith("Not a directory")
    blocker.unlink()  # the folder can be made now
    renderer.render_now([("First.", None), ("Second.", None)])
    assert renderer.write_error is None
    assert renderer.missing([("First.", None), ("Second.", None)]) == []
    renderer.close()


class Broken:
    """An engine that cannot say anything, the same way every time (a broken model)."""

    name = "broken"

    def identity(self) -> str:
        return "broken"

    def render(self, text: str, path: Path) -> None:
        raise SpeechUnavailable("cannot load the voice model m.onnx: truncated; reinstall it")

    def voices(self) -> list[VoiceInfo]:
        return []

    def close(self) -> None:
        return None


def test_an_engine_that_fails_every_phrase_the_same_way_is_reported_once(tmp_path: Path) -> None:
    warnings: list[str] = []
    renderer = Renderer(Broken(), PhraseCache(tmp_path, "broken"), on_error=warnings.append)
    try:
        phrases: list[Phrase] = [("Hold.", None), ("Release.", None), ("Rest.", "start")]
        assert renderer.render_now(phrases, timeout=30) == 3
        assert [renderer.ready(p) for p in phrases] == [None, None, None]
    finally:
        renderer.close()
    assert warnings == [
        "could not render 'Hold.': cannot load the voice model m.onnx: truncated; reinstall it"
    ]
    assert renderer.engine_error is not None


def test_a_warning_that_cannot_be_written_does_not_stop_the_renderer(tmp_path: Path) -> None:
    def broken_pipe(_message: str) -> None:
        raise BrokenPipeError("standard error is gone")

    renderer = Renderer(Broken(), PhraseCache(tmp_path, "broken"), on_error=broken_pipe)
    try:
        assert renderer.render_now([("Hold.", None)], timeout=30) == 1
        # Still alive: a second phrase is taken, and answered (wait says True).
        renderer.prerender([("Release.", None)], soon=True)
        assert renderer.wait([("Release.", None)], timeout=30)
    finally:
        renderer.close()
