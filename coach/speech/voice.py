"""The speaking voice: cached phrases played on cue, text on the side.

``say`` never waits: a phrase that is already rendered starts playing at
once; one that is not (a late render) is handed to the renderer to jump the
queue and played when ready, unless something newer was said or a stop came
first. Every phrase is also printed, so a session without a sound device is
still followed in text.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from coach.hardware.audio import AudioPlayer
from coach.phrases import Phrase
from coach.speech.renderer import Renderer
from coach.tones import ToneName, shown
from coach.voice import WORDS_PER_MINUTE, estimate_seconds


class SpeechVoice:
    """Speaks through a speech engine: phrases rendered ahead, played on cue, stopped at once.

    :param renderer: renders phrases to the cache on its own thread.
    :param player: plays the rendered files; stops at once.
    :param printer: also called with every phrase as text (a session without
        sound is still followed); default: nothing printed.
    :param rate_wpm: the rate of the length estimate for phrases not rendered yet.
    """

    def __init__(
        self,
        renderer: Renderer,
        player: AudioPlayer,
        printer: Callable[[str], None] | None = None,
        rate_wpm: float = WORDS_PER_MINUTE,
    ) -> None:
        self.renderer = renderer
        self.player = player
        self._printer = printer
        self._rate = rate_wpm
        self._token = 0
        self._lock = threading.Lock()
        #: Phrases that were not ready when their cue came.
        self.late_renders = 0

    def duration(self, text: str) -> float:
        """The rendered length (with lead-in) when known, else an estimate at the set rate."""
        lead_in = self.renderer.cache.lead_in_seconds
        seconds = self.renderer.speech_seconds(text) if self.renderer.speech else None
        if seconds is None:
            seconds = estimate_seconds(text, self._rate)
        return round(lead_in + seconds, 3)

    def missing(self, phrases: Iterable[Phrase]) -> list[Phrase]:
        """Those not in the cache yet; with speech off, only phrases with a tone count."""
        return self.renderer.missing(phrases)

    def prepare(self, phrases: Iterable[Phrase], soon: bool = False) -> None:
        """Queue them on the renderer's thread."""
        self.renderer.prerender(phrases, soon)

    def render(self, phrases: Iterable[Phrase], timeout: float = 600.0) -> int:
        """Queue what is missing ahead of the background, and wait for the renderer."""
        return self.renderer.render_now(phrases, timeout)

    def drain(self, timeout: float) -> None:
        """Wait for the player to finish the file playing now."""
        self.player.wait(timeout)

    def say(self, text: str, tone: ToneName | None = None) -> None:
        """Print the phrase and play its file; one not rendered yet jumps the renderer's queue.

        A late phrase plays once rendered, unless something else was said, or a
        stop came, first; :attr:`late_renders` counts them.
        """
        if self._printer is not None:
            self._printer(shown(text, tone))
        if not self.renderer.speech and tone is None:
            self.player.stop()  # speech is off: nothing to play, but still cut the last phrase
            return
        with self._lock:
            self._token += 1
            token = self._token
        path = self.renderer.ready((text, tone))
        if path is not None:
            self.player.play(path)
            return
        self.player.stop()
        self.late_renders += 1
        self.renderer.urgent((text, tone), lambda _phrase, p: self._play_if_current(token, p))

    def _play_if_current(self, token: int, path: Path | None) -> None:
        with self._lock:
            if token == self._token and path is not None:
                self.player.play(path)

    def stop(self) -> None:
        """Stop the player, and keep a late phrase still being rendered from playing."""
        with self._lock:
            self._token += 1
        self.player.stop()

    def close(self) -> None:
        """Stop, end the player's processes, then the renderer's thread (and its backend)."""
        self.stop()
        self.player.close()
        self.renderer.close()
