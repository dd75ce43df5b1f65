"""Voices: how the coach says things.

A voice knows how long a phrase takes (so the plan can keep cues apart before
anything is said), may render phrases ahead of time, starts a phrase without
blocking, and stops at once. Real speech backends render to audio and play it;
the voices here print or record text, with a deterministic length estimate.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from coach.phrases import Phrase
from coach.tones import ToneName, shown

WORDS_PER_MINUTE = 160.0
PHRASE_OVERHEAD_SECONDS = 0.2


def estimate_seconds(text: str, words_per_minute: float = WORDS_PER_MINUTE) -> float:
    """Speaking time of ``text``: 60 x words / rate + 0.2 s."""
    words = len(text.split())
    return 60.0 * words / words_per_minute + PHRASE_OVERHEAD_SECONDS


class Voice(Protocol):
    """How the coach says things: what the runtime, the session and the device use.

    A voice that renders audio ahead of time (:class:`~coach.speech.voice.SpeechVoice`)
    does real work in :meth:`missing`, :meth:`prepare`, :meth:`render` and
    :meth:`drain`; a voice that only prints has nothing to render, and those
    do nothing.
    """

    def duration(self, text: str) -> float:
        """Seconds that saying ``text`` takes: its real length once rendered, else an estimate."""

    def missing(self, phrases: Iterable[Phrase]) -> list[Phrase]:
        """The phrases that still have to be rendered before they can be played."""

    def prepare(self, phrases: Iterable[Phrase], soon: bool = False) -> None:
        """Render phrases ahead of use, in the background, in the order given.

        ``soon`` puts them ahead of phrases prepared earlier without it.
        Returns at once.
        """

    def render(self, phrases: Iterable[Phrase], timeout: float = 600.0) -> int:
        """Render what is missing of ``phrases`` now, waiting up to ``timeout`` seconds.

        Returns how many phrases were missing; their real lengths are known after.
        """

    def say(self, text: str, tone: ToneName | None = None) -> None:
        """Start ``tone`` (if any) then ``text`` now, cutting off anything still playing.

        Never blocks.
        """

    def stop(self) -> None:
        """Silence the current phrase at once."""

    def drain(self, timeout: float) -> None:
        """Let the phrase playing now finish, waiting at most ``timeout`` seconds."""

    def close(self) -> None:
        """Release whatever the voice holds (threads, child processes)."""


class TextVoice(Voice):
    """Prints what would be said, with a length estimated from its words.

    Used for instant runs, with ``--speech text``, and whenever no speech
    engine can be loaded. It has nothing to render.

    :param words_per_minute: the speaking rate of the estimate; default 160.
    :param printer: called with each phrase as printed; default: standard output.
    """

    def __init__(
        self,
        words_per_minute: float = WORDS_PER_MINUTE,
        printer: Callable[[str], None] | None = None,
    ) -> None:
        self._rate = words_per_minute
        self._printer = printer

    def duration(self, text: str) -> float:
        """Always the estimate from the words, at this voice's rate."""
        return estimate_seconds(text, self._rate)

    def missing(self, phrases: Iterable[Phrase]) -> list[Phrase]:
        return []

    def prepare(self, phrases: Iterable[Phrase], soon: bool = False) -> None:
        return None

    def render(self, phrases: Iterable[Phrase], timeout: float = 600.0) -> int:
        return 0

    def say(self, text: str, tone: ToneName | None = None) -> None:
        """Print the phrase, its tone (if any) in brackets before it."""
        line = shown(text, tone)
        if self._printer is not None:
            self._printer(line)
            return
        sys.stdout.write(f"{line}\n")
        sys.stdout.flush()

    def stop(self) -> None:
        return None

    def drain(self, timeout: float) -> None:
        return None

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class Said:
    """One phrase a :class:`RecordingVoice` was asked to say, at clock time ``t``."""

    t: float
    text: str
    tone: ToneName | None = None


class RecordingVoice(Voice):
    """Keeps every phrase with the clock time it started, and every stop; for tests.

    After a run, :attr:`said`, :attr:`stops` and :attr:`prepared` hold what happened.

    :param now: the clock to stamp phrases with.
    :param words_per_minute: the rate of the length estimate; default 160.
    :param durations: exact lengths for some phrases, overriding the estimate.
    """

    def __init__(
        self,
        now: Callable[[], float],
        words_per_minute: float = WORDS_PER_MINUTE,
        durations: dict[str, float] | None = None,
    ) -> None:
        self._now = now
        self._rate = words_per_minute
        self._durations = dict(durations or {})
        self.said: list[Said] = []
        self.stops: list[float] = []
        self.prepared: list[Phrase] = []

    def duration(self, text: str) -> float:
        """The exact length given for ``text`` in ``durations``, else the estimate."""
        if text in self._durations:
            return self._durations[text]
        return estimate_seconds(text, self._rate)

    def missing(self, phrases: Iterable[Phrase]) -> list[Phrase]:
        return []

    def prepare(self, phrases: Iterable[Phrase], soon: bool = False) -> None:
        """Add the phrases to :attr:`prepared`; nothing is rendered."""
        self.prepared.extend(phrases)

    def render(self, phrases: Iterable[Phrase], timeout: float = 600.0) -> int:
        return 0

    def say(self, text: str, tone: ToneName | None = None) -> None:
        """Add the phrase to :attr:`said`, stamped with the clock's time."""
        self.said.append(Said(self._now(), text, tone))

    def stop(self) -> None:
        """Add the clock's time to :attr:`stops`."""
        self.stops.append(self._now())

    def drain(self, timeout: float) -> None:
        return None

    def close(self) -> None:
        return None

    @property
    def texts(self) -> list[str]:
        """The words of every phrase said, in order."""
        return [s.text for s in self.said]
