"""Short tones made in code: no sound files to ship or lose.

A tone is always played straight before a phrase, as one piece of audio, so
it can never collide with speech on a sound card that plays one stream at a
time. Its length is fixed here and counted in the plan like speech.
"""

from __future__ import annotations

import math
from typing import Literal

ToneName = Literal["tick", "start", "end", "set_end", "soft"]
TONE_NAMES: tuple[ToneName, ...] = ("tick", "start", "end", "set_end", "soft")

#: Notes as (frequency in Hz, seconds). Start rises, end falls, the end of a
#: set is a three-note chime: told apart without looking. Soft is low and
#: slow, for the end of a calm step: it eases the person back, never startles.
NOTES: dict[ToneName, tuple[tuple[float, float], ...]] = {
    "tick": ((1500.0, 0.04),),
    "start": ((660.0, 0.1), (990.0, 0.15)),
    "end": ((990.0, 0.1), (660.0, 0.15)),
    "set_end": ((660.0, 0.1), (830.0, 0.1), (990.0, 0.25)),
    "soft": ((440.0, 0.3), (392.0, 0.4)),
}
#: Silence between a tone and the words that follow it. Less masks the
#: first sound of the word: with 0.08 s the speech judge (README, Speech)
#: heard "Hold it there." after the start tone as "Fold it to narrow" and
#: "Begin now." as "Big inhale"; with 0.25 s both were heard right.
GAP_SECONDS = 0.25
#: Fade in and out of every note, so notes start and stop without a click.
FADE_SECONDS = 0.008
AMPLITUDE = 0.5


def tone_seconds(name: ToneName | None) -> float:
    """How long tone ``name`` and the gap after it last; 0 for no tone."""
    if name is None:
        return 0.0
    return round(sum(d for _, d in NOTES[name]) + GAP_SECONDS, 3)


def synthesize(name: ToneName, rate: int, volume: float = 1.0) -> bytes:
    """The tone and its trailing gap as mono 16-bit little-endian samples."""
    samples: list[int] = []
    fade = max(1, round(FADE_SECONDS * rate))
    peak = 32767 * AMPLITUDE * max(0.0, min(1.0, volume))
    for frequency, seconds in NOTES[name]:
        count = round(seconds * rate)
        for i in range(count):
            envelope = min(1.0, i / fade, (count - 1 - i) / fade)
            samples.append(round(peak * envelope * math.sin(2 * math.pi * frequency * i / rate)))
    samples.extend([0] * round(GAP_SECONDS * rate))
    return b"".join(s.to_bytes(2, "little", signed=True) for s in samples)


def shown(text: str, tone: ToneName | None) -> str:
    """A phrase as printed: "(start tone) Hold." when a tone comes first; "(tick tone)" alone."""
    return text if tone is None else f"({tone.replace('_', ' ')} tone) {text}".rstrip()
