"""The renderer: one thread that owns the speech backend and fills the cache.

Backends are slow and not thread-safe, so every render happens here. Phrases
queued by :meth:`Renderer.prerender` are rendered in the order given (plan
order), so the first cue is ready long before the last; a phrase needed *now*
jumps the queue with :meth:`Renderer.urgent`. When the queue runs dry after
rendering, the cache is brought back within its size limit (least recently
used first, never a file this process has used), off the path of any cue.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import stat
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from coach.errors import FolderNotWritable
from coach.phrases import Phrase
from coach.speech import atomicfile
from coach.speech.backend import SpeechBackend
from coach.speech.cache import PhraseCache
from coach.speech.cachefolder import CacheStats

#: Queue order: a phrase due now, then the session about to start, then the rest
#: (the device renders every routine in the background from boot).
URGENT, SOON, BACKGROUND = 0, 1, 2
Done = Callable[[Phrase, Path | None], None]


class Renderer:
    """Renders phrases into the cache on its own thread, the only one that uses the backend.

    The thread starts at once; :meth:`close` ends it. A phrase that cannot be
    rendered is reported once through ``on_error``. A cache folder that cannot
    be written is kept in :attr:`write_error`; with ``spill`` the renderer
    says so once and writes to a temporary folder instead (what the cache
    holds still plays), and without it nothing is said (the caller reports).
    Until the folder takes files again, phrases fail at once, unrendered.

    :param backend: renders a text to a WAV file.
    :param cache: where the speech and playable files are kept.
    :param volume: the volume of the tones put into playable files, 0 to 1; default 1.
    :param speech: render speech; ``False`` makes each phrase its tone alone; default ``True``.
    :param on_error: gets a line for each phrase that cannot be rendered; default: nothing.
    :param owns_backend: :meth:`close` closes the backend too; default ``True``.
    :param spill: when the cache cannot be written, write to a temporary folder; default no.
    """

    def __init__(
        self,
        backend: SpeechBackend,
        cache: PhraseCache,
        volume: float = 1.0,
        speech: bool = True,
        on_error: Callable[[str], None] | None = None,
        owns_backend: bool = True,
        spill: bool = False,
    ) -> None:
        self.backend = backend
        self._owns_backend = owns_backend
        self.cache = cache
        self.volume = volume
        #: With speech off only tones are played: phrases render to their tone alone.
        self.speech = speech
        self._on_error = on_error or (lambda _message: None)
        self._spill = spill
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
        #: The phrases this renderer made (rather than found in the cache).
        self.made: set[Phrase] = set()
        #: Why the cache's folder could not be written, while it cannot.
        self.write_error: FolderNotWritable | None = None
        #: The files evicted from the cache so far.
        self.evicted = CacheStats(0, 0)
        #: The problems reported so far, by their message: each is said once.
        self._told: set[str] = set()
        #: What the engine said when a phrase could not be rendered, last time.
        self.engine_error: str | None = None
        self._told_write = False
        # Names of the cache files this process has used: eviction leaves them.
        self._used: set[str] = set()
        self._used_lock = threading.Lock()
        self._evicting = threading.Lock()
        self._wrote = False
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
        """The playable file if it is there; never renders.

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
        if wanted is None or (self.speech and phrase[0] and self.speech_seconds(phrase[0]) is None):
            return None  # the plan needs the words' own length too: render them again
        found = self.cache.find(wanted)
        if found is None:
            return None
        path = found[0]
        self.cache.touch(path)
        self._use(path)
        self._ready[phrase] = path
        return path

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
            self._use(found[0])
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

    def evict(self) -> CacheStats:
        """Bring the cache within its limit, least recently used first; returns what went.

        Files this process has used are never evicted; :attr:`evicted` counts
        every eviction so far.
        """
        with self._evicting:
            self._wrote = False
            with self._used_lock:
                keep = set(self._used)
            try:
                gone = self.cache.evict(keep)
            except OSError:
                gone = CacheStats(0, 0)  # an unreadable folder: nothing to evict from
            self.evicted += gone
        return gone

    def close(self) -> None:
        """Finish the phrase in hand, stop the thread, release the backend if ours."""
        if self._thread.is_alive():
            self._queue.put((-1, next(self._order), None, None))
            self._thread.join(timeout=5)
        if self._owns_backend:
            self.backend.close()
        self.cache.close()

    # -- the thread ---------------------------------------------------------------

    def _run(self) -> None:
        while True:
            _, _, phrase, done = self._queue.get()
            if phrase is None:
                return
            path: Path | None = None
            try:
                path = self.ready(phrase)
                if path is None:
                    path = self._render(phrase)
                    if path is not None:
                        self.phrases_made += 1
                        self.made.add(phrase)
                if done is not None:
                    done(phrase, path)
                if self._wrote and self._queue.empty():
                    self.evict()
            except Exception as exc:  # this thread must outlive anything: waiters rely on it
                self._report(f"speech: {type(exc).__name__}: {exc}")
            finally:
                with self._changed:
                    self._ready[phrase] = path
                    self._changed.notify_all()

    def _render(self, phrase: Phrase) -> Path | None:
        for _attempt in range(2):  # a second time only after a spill to a new folder
            try:
                return self._make(phrase)
            except FolderNotWritable as exc:
                if not self._cannot_write(exc):
                    return None
            except Exception as exc:  # a backend failure must not end the session
                # A broken engine fails every phrase the same way: one line says it.
                self.engine_error = str(exc)
                if str(exc) not in self._told:
                    self._told.add(str(exc))
                    self._report(f"could not render {phrase[0]!r}: {exc}")
                return None
        return None

    def _make(self, phrase: Phrase) -> Path | None:
        text, tone = phrase
        if self.write_error is not None and not self._writable():
            raise self.write_error  # still cannot write: not worth rendering for nothing
        if self.speech and text:
            speech = self.cache.speech_path(text)
            found = self.cache.find(speech)
            if found is None:
                self.cache.make_folder()
                self.backend.render(text, speech)
                self.rendered += 1
            self._use(found[0] if found is not None else speech)
            path = self.cache.build_playable(text, tone, self.volume)
        elif tone is not None:
            path = self.cache.build_playable(None, tone, self.volume)
        else:
            return None
        self._use(path)
        self.write_error = None
        self._wrote = True
        return path

    def _cannot_write(self, exc: FolderNotWritable) -> bool:
        """Note that the cache cannot be written; True when a spill makes trying again worth it."""
        self.write_error = exc
        if not self._spill:
            return False
        where = f"the speech cache cannot be written ({exc.folder}: {exc.reason})"
        if self.cache.root == self.cache.home:
            try:
                folder = self.cache.spill()
            except OSError:
                pass
            else:
                self.write_error = None
                self._tell(f"{where}; this session keeps new speech in {folder}")
                return True
        self._tell(f"{where}; what is not cached yet is shown in text only")
        return False

    def _writable(self) -> bool:
        """Whether the folder takes files again (cleared, remounted, space freed)."""
        try:
            self.cache.make_folder()
        except FolderNotWritable:
            return False
        return atomicfile.can_write(self.cache.root)

    def _tell(self, message: str) -> None:
        if not self._told_write:
            self._told_write = True
            self._report(message)

    def _report(self, message: str) -> None:
        # A warning that cannot be written (standard error closed, a broken
        # pipe) must not take the renderer down with it.
        with contextlib.suppress(Exception):
            self._on_error(message)

    def _use(self, path: Path) -> None:
        with self._used_lock:
            self._used.add(path.name)

    def _playable_path(self, phrase: Phrase) -> Path | None:
        text, tone = phrase
        if self.speech and text:
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
