"""The renderer: one thread that owns the speech backend and fills the cache.

Backends are slow and not thread-safe, so every render happens here. Phrases
queued by :meth:`Renderer.prerender` are rendered in the order given (plan
order), so the first cue is ready long before the last; a phrase needed *now*
jumps the queue with :meth:`Renderer.urgent`.
"""

from __future__ import annotations

import itertools
import os
import queue
import stat
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from coach.phrases import Phrase
from coach.speech.backend import SpeechBackend
from coach.speech.cache import PhraseCache

#: Queue order: a phrase due now, then the session about to start, then the rest
#: (the device renders every routine in the background from boot).
URGENT, SOON, BACKGROUND = 0, 1, 2
Done = Callable[[Phrase, Path | None], None]


class Renderer:
    """Renders phrases into the cache on its own thread, the only one that uses the backend.

    The thread starts at once; :meth:`close` ends it.

    :param backend: renders a text to a WAV file.
    :param cache: where the speech and playable files are kept.
    :param volume: the volume of the tones put into playable files, 0 to 1; default 1.
    :param speech: render speech; ``False`` makes each phrase its tone alone; default ``True``.
    :param on_error: gets a line for each phrase that cannot be rendered; default: nothing.
    :param owns_backend: :meth:`close` closes the backend too; default ``True``.
    """

    def __init__(
        self,
        backend: SpeechBackend,
        cache: PhraseCache,
        volume: float = 1.0,
        speech: bool = True,
        on_error: Callable[[str], None] | None = None,
        owns_backend: bool = True,
    ) -> None:
        self.backend = backend
        self._owns_backend = owns_backend
        self.cache = cache
        self.volume = volume
        #: With speech off only tones are played: phrases render to their tone alone.
        self.speech = speech
        self._on_error = on_error
        self._queue: queue.PriorityQueue[tuple[int, int, Phrase | None, Done | None]] = (
            queue.PriorityQueue()
        )
        self._order = itertools.count()
        self._ready: dict[Phrase, Path | None] = {}
        self._seconds: dict[str, float] = {}
        self._changed = threading.Condition()
        #: Speech files the backend rendered, and playable phrases made (a
        #: phrase with a tone reuses the speech of the same words).
        self.rendered = 0
        self.phrases_made = 0
        self._thread = threading.Thread(target=self._run, name="coach-renderer", daemon=True)
        self._thread.start()

    # -- asking -----------------------------------------------------------------

    def prerender(self, phrases: Iterable[Phrase], soon: bool = False) -> None:
        """Queue phrases in the order given; ``soon`` puts them ahead of the background."""
        priority = SOON if soon else BACKGROUND
        for phrase in phrases:
            self._queue.put((priority, next(self._order), phrase, None))

    def urgent(self, phrase: Phrase, done: Done) -> None:
        """Render ``phrase`` next, then call ``done`` (on the renderer's thread) with its file.

        The file is ``None`` when the phrase could not be rendered.
        """
        self._queue.put((URGENT, next(self._order), phrase, done))

    def ready(self, phrase: Phrase) -> Path | None:
        """The playable file if it is there, whole; never renders.

        A file found before that has gone since (the cache was cleared, or
        another process evicted it) is forgotten, so the phrase is rendered again.
        """
        if phrase in self._ready:
            known = self._ready[phrase]
            if known is None or _is_file(known):
                return known
            self._ready.pop(phrase, None)
            return None
        wanted = self._playable_path(phrase)
        if wanted is None or (self.speech and self.speech_seconds(phrase[0]) is None):
            return None  # the plan needs the words' own length too: render them again
        found = self.cache.find(wanted)
        if found is None:
            return None
        self._ready[phrase] = found[0]
        return found[0]

    def missing(self, phrases: Iterable[Phrase]) -> list[Phrase]:
        """The phrases that have something to play but are not rendered yet."""
        return [
            p
            for p in dict.fromkeys(phrases)
            if (self.speech or p[1] is not None) and self.ready(p) is None
        ]

    def speech_seconds(self, text: str) -> float | None:
        """Length of the rendered words, if rendered (read once from the file)."""
        if text not in self._seconds:
            found = self.cache.find(self.cache.speech_path(text))
            if found is None:
                return None
            self._seconds[text] = found[1]
        return self._seconds[text]

    def wait(self, phrases: Iterable[Phrase], timeout: float) -> bool:
        """Block until every phrase has been through the renderer, or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        pending = [p for p in self.missing(phrases) if p not in self._ready]
        with self._changed:
            while pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
                pending = [p for p in pending if p not in self._ready]
        return True

    def render_now(self, phrases: Iterable[Phrase], timeout: float = 600.0) -> int:
        """Queue what is missing and wait for it. Returns how many phrases that was."""
        todo = self.missing(phrases)
        self.prerender(todo, soon=True)  # someone is waiting for these
        self.wait(todo, timeout)
        return len(todo)

    def close(self) -> None:
        """Finish the phrase in hand, stop the thread, release the backend if ours."""
        if self._thread.is_alive():
            self._queue.put((-1, next(self._order), None, None))
            self._thread.join(timeout=5)
        if self._owns_backend:
            self.backend.close()

    # -- the thread ---------------------------------------------------------------

    def _run(self) -> None:
        while True:
            _, _, phrase, done = self._queue.get()
            if phrase is None:
                return
            path = self.ready(phrase)
            if path is None:
                path = self._render(phrase)
                self.phrases_made += path is not None
            with self._changed:
                self._ready[phrase] = path
                self._changed.notify_all()
            if done is not None:
                done(phrase, path)

    def _render(self, phrase: Phrase) -> Path | None:
        text, tone = phrase
        try:
            if self.speech:
                speech = self.cache.speech_path(text)
                if self.cache.find(speech) is None:
                    self.cache.make_folder()
                    self.backend.render(text, speech)
                    self.rendered += 1
                path = self.cache.build_playable(text, tone, self.volume)
            elif tone is not None:
                path = self.cache.build_playable(None, tone, self.volume)
            else:
                path = None
        except Exception as exc:  # a backend failure must not end the session
            if self._on_error is not None:
                self._on_error(f"could not render {text!r}: {exc}")
            return None
        return path

    def _playable_path(self, phrase: Phrase) -> Path | None:
        text, tone = phrase
        if self.speech:
            return self.cache.playable_path(text, tone, self.volume)
        if tone is not None:
            return self.cache.playable_path(None, tone, self.volume)
        return None


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a regular file (a stat of the name only; the hot path of a cue)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
