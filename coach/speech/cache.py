"""The phrase cache: rendered speech on disk, keyed by what makes it sound as it does.

A phrase is rendered once per (text, backend, voice, rate, volume); the file
the player gets may add a lead-in of silence and a tone in front, and is
cached under its own key. A second session of the same routine renders
nothing.

A file in the cache is only trusted once it reads as a whole WAV file: a
power cut, a full disk or another program can leave one empty or cut short,
and such a file is removed and rendered again. When the cache's folder
cannot be written, a session may move its writing to a temporary folder of
its own (:meth:`PhraseCache.spill`) while still playing what the cache holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Collection
from pathlib import Path

from coach.errors import FolderNotWritable
from coach.paths import user_path
from coach.speech import cachefolder, wavfile
from coach.speech.cachefolder import CacheStats, Cleared
from coach.tones import ToneName, synthesize


def default_cache_dir() -> Path:
    """``$COACH_CACHE_DIR``, else ``$XDG_CACHE_HOME/voice-coach/speech``, else ``~/.cache/...``."""
    return user_path("COACH_CACHE_DIR", "XDG_CACHE_HOME", ".cache", "speech")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


class PhraseCache:
    """Rendered phrases on disk: one speech file per text, and the playable files made of them.

    :param root: the folder the files are kept in; made when the first is written.
    :param identity: the backend's :meth:`~coach.speech.backend.SpeechBackend.identity`,
        part of every key, so a change of voice, rate or volume renders afresh.
    :param lead_in_seconds: silence before every playable file; default 0.
    :param limit_bytes: how much the cache's files may hold after :meth:`evict`;
        default no limit.
    :param warn: gets one line the first time a damaged file is found; default: nothing.
    """

    def __init__(
        self,
        root: Path,
        identity: str,
        lead_in_seconds: float = 0.0,
        limit_bytes: int | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        #: Where new files are written: :attr:`home`, or a temporary folder after :meth:`spill`.
        self.root = root
        #: The cache's own folder, which outlives the process.
        self.home = root
        self.identity = identity
        self.lead_in_seconds = lead_in_seconds
        self.limit_bytes = limit_bytes
        self._warn = warn
        #: Damaged files found (and removed, where they were the cache's own).
        self.damaged = 0
        self._lock = threading.Lock()

    # -- names ----------------------------------------------------------------------

    def speech_path(self, text: str) -> Path:
        """Where ``text`` spoken by this cache's backend is written (whether or not it is yet)."""
        return self.root / f"{_digest(self.identity, text)}.wav"

    def playable_path(self, text: str | None, tone: ToneName | None, volume: float) -> Path:
        """The file the player is given; the speech file itself when nothing is added."""
        if text is not None and tone is None and self.lead_in_seconds == 0:
            return self.speech_path(text)
        key = _digest(
            self.identity, text or "", tone or "", f"{self.lead_in_seconds:g}", f"{volume:g}"
        )
        return self.root / f"{key}-play.wav"

    # -- reading --------------------------------------------------------------------

    def find(self, path: Path) -> tuple[Path, float] | None:
        """The whole file of ``path``'s name, and how long it plays; ``None`` when there is none.

        After a :meth:`spill` the cache's own folder is looked in too.
        """
        folders = [self.root] if self.root == self.home else [self.root, self.home]
        for folder in folders:
            candidate = folder / path.name
            seconds = self.check(candidate)
            if seconds is not None:
                return candidate, seconds
        return None

    def check(self, path: Path) -> float | None:
        """How long the file at ``path`` plays; ``None`` when it is missing or damaged.

        A damaged file (empty, cut short, not a WAV) is removed if it is the
        cache's own, so it is rendered again. Links are never followed.
        """
        try:
            return wavfile.seconds(path)
        except wavfile.BadWav as exc:
            self._found_damaged(path, exc)
        except OSError:
            pass  # missing, a link, a folder, unreadable: nothing to play either way
        return None

    def touch(self, path: Path) -> None:
        """Mark ``path`` as just used, for least-recently-used eviction."""
        with contextlib.suppress(OSError):  # a read-only cache still plays
            os.utime(path, follow_symlinks=False)

    def repair(self) -> int:
        """Check every file in the cache's folder; remove the damaged ones. Returns how many."""
        before = self.damaged
        for name in cachefolder.finished_names(self.home):
            self.check(self.home / name)
        return self.damaged - before

    def _found_damaged(self, path: Path, problem: wavfile.BadWav) -> None:
        removed = cachefolder.remove(path)
        with self._lock:
            self.damaged += 1
            first = self.damaged == 1
        if first and self._warn is not None:
            done = "removed it; it is rendered again" if removed else "it cannot be removed"
            self._warn(f"a damaged file in the speech cache ({problem}): {done}")

    # -- writing --------------------------------------------------------------------

    def make_folder(self) -> None:
        """Make the folder files are written to, if it is not there.

        :raises FolderNotWritable: when it cannot be made.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FolderNotWritable(self.root, exc) from exc

    def build_playable(
        self, text: str | None, tone: ToneName | None, volume: float, rate: int | None = None
    ) -> Path:
        """Join lead-in, tone and speech into the playable file (speech must be rendered).

        :raises FileNotFoundError: when the speech is not rendered.
        :raises FolderNotWritable: when the file cannot be written.
        """
        target = self.playable_path(text, tone, volume)
        found = self.find(target)
        if found is not None:
            return found[0]
        speech = None
        if text is not None:
            located = self.find(self.speech_path(text))
            if located is None:
                raise FileNotFoundError(f"the speech of {text!r} is not in the cache")
            speech = wavfile.read(located[0])
        sample_rate = speech.rate if speech is not None else (rate or 22050)
        parts = [wavfile.Pcm(sample_rate, wavfile.silence(sample_rate, self.lead_in_seconds))]
        if tone is not None:
            parts.append(wavfile.Pcm(sample_rate, synthesize(tone, sample_rate, volume)))
        if speech is not None:
            parts.append(speech)
        self.make_folder()
        wavfile.write(target, wavfile.join(*parts))
        return target

    def spill(self) -> Path:
        """Write new files to a temporary folder of this process from now on; returns it.

        For a session whose cache cannot be written: what the cache holds still
        plays, and :meth:`close` removes the temporary folder.

        :raises OSError: when no temporary folder can be made either.
        """
        folder = Path(tempfile.mkdtemp(prefix="coach-speech-"))
        self.root = folder
        return folder

    def close(self) -> None:
        """Remove the temporary folder of a :meth:`spill`, if any; the cache itself stays."""
        if self.root != self.home:
            cachefolder.clear(self.root)
            self.root = self.home

    # -- the folder as a whole ------------------------------------------------------

    def stats(self) -> CacheStats:
        """How many finished files the cache holds and their size, whatever their identity."""
        return cachefolder.stats(self.home)

    def clear(self) -> Cleared:
        """Remove the cache's own files, and its folder when that leaves it empty."""
        return cachefolder.clear(self.home)

    def evict(self, keep: Collection[str] = ()) -> CacheStats:
        """Remove least recently used files until the cache is within its limit; returns them.

        :param keep: names of files never to remove (those the running session uses).
        """
        if self.limit_bytes is None:
            return CacheStats(0, 0)
        return cachefolder.evict(self.home, self.limit_bytes, keep)
