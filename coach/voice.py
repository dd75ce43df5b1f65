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
from typing import TYPE_CHECKING, Protocol

from coach.tones import ToneName, shown

if TYPE_CHECKING:
    from coach.plan import Phrase

WORDS_PER_MINUTE = 160.0
PHRASE_OVERHEAD_SECONDS = 0.2


def estimate_seconds(text: str, words_per_minute: float = WORDS_PER_MINUTE) -> float:
    """Speaking time of ``text``: 60 x words / rate + 0.2 s."""
    words = len(text.split())
    return 60.0 * words / words_per_minute + PHRASE_OVERHEAD_SECONDS


class Voice(Protocol):
    def duration(self, text: str) -> float:
        """Seconds that saying ``text`` takes."""

    def prepare(self, phrases: Iterable[Phrase]) -> None:
        """Render phrases ahead of use; may return before they are all ready."""

    def say(self, text: str, tone: ToneName | None = None) -> None:
        """Start ``tone`` (if any) then ``text`` now, cutting off anything still playing.

        Never blocks.
        """

    def stop(self) -> None:
        """Silence the current phrase at once."""

    def close(self) -> None:
        """Release whatever the voice holds (threads, child processes)."""


class TextVoice:
    """Prints what would be said; used until (and whenever) no speech engine is available."""

    def __init__(
        self,
        words_per_minute: float = WORDS_PER_MINUTE,
        printer: Callable[[str], None] | None = None,
    ) -> None:
        self._rate = words_per_minute
        self._printer = printer

    def duration(self, text: str) -> float:
        return estimate_seconds(text, self._rate)

    def prepare(self, phrases: Iterable[Phrase]) -> None:
        return None

    def say(self, text: str, tone: ToneName | None = None) -> None:
        line = shown(text, tone)
        if self._printer is not None:
            self._printer(line)
            return
        sys.stdout.write(f"{line}\n")
        sys.stdout.flush()

    def stop(self) -> None:
        return None

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class Said:
    t: float
    text: str
    tone: ToneName | None = None


class RecordingVoice:
    """Keeps every phrase with the clock time it started, and every stop; for tests."""

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
        if text in self._durations:
            return self._durations[text]
        return estimate_seconds(text, self._rate)

    def prepare(self, phrases: Iterable[Phrase]) -> None:
        self.prepared.extend(phrases)

    def say(self, text: str, tone: ToneName | None = None) -> None:
        self.said.append(Said(self._now(), text, tone))

    def stop(self) -> None:
        self.stops.append(self._now())

    def close(self) -> None:
        return None

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.said]
