"""Choosing and building the voice a session speaks with, from settings.

When the chosen speech engine cannot be loaded the coach says so once, in one
line that names the fix, and carries on with the text voice: it never stops
for lack of speech.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from coach import phrases
from coach.hardware.audio import AudioPlayer
from coach.plan import Phrase, Plan, compile_plan
from coach.routine import Routine
from coach.speech.backend import SpeechBackend, SpeechSettings, SpeechUnavailable
from coach.speech.cache import PhraseCache, default_cache_dir
from coach.speech.renderer import Renderer
from coach.speech.voice import SpeechVoice
from coach.tones import ToneName
from coach.voice import TextVoice, Voice

Printer = Callable[[str], None]


@dataclass(frozen=True)
class AudioSettings:
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    #: Speak the words; off leaves the tones (and the printed text).
    speak: bool = True
    tones: bool = True
    audio_device: str | None = None
    lead_in_seconds: float = 0.0
    cache_dir: Path = field(default_factory=default_cache_dir)
    #: The player's command line before the file name; default ``aplay -q [-D device]``.
    player_command: tuple[str, ...] | None = None


def load_backend(settings: SpeechSettings) -> SpeechBackend:
    if settings.backend == "pyttsx3":
        from coach.speech.pyttsx3_backend import Pyttsx3Backend

        return Pyttsx3Backend(settings)
    if settings.backend == "piper":
        from coach.speech.piper_backend import PiperBackend

        return PiperBackend(settings)
    raise SpeechUnavailable(f"'{settings.backend}' is not a speech engine with voices")


def make_voice(
    audio: AudioSettings,
    printer: Printer | None,
    warn: Printer,
    routine: Routine | None = None,
) -> Voice:
    """The voice for ``audio``; the text voice when the engine cannot be loaded."""
    rate = audio.speech.rate_wpm
    if audio.speech.backend == "text":
        return TextVoice(words_per_minute=rate, printer=printer or (lambda _line: None))
    try:
        backend = load_backend(audio.speech)
    except SpeechUnavailable as exc:
        warn(f"speech is off: {exc}")
        return TextVoice(words_per_minute=rate, printer=printer or (lambda _line: None))
    speak = audio.speak and (routine is None or routine.speech)
    cache = PhraseCache(audio.cache_dir, backend.identity(), audio.lead_in_seconds)
    renderer = Renderer(backend, cache, audio.speech.volume, speech=speak, on_error=warn)
    player = AudioPlayer(audio.player_command, audio.audio_device, warn)
    return SpeechVoice(renderer, player, printer, rate)


def engine_phrases(tones: bool) -> list[Phrase]:
    """What the engine may say outside the plan (pauses, the held button)."""
    said: list[Phrase] = [(text, None) for text in phrases.ENGINE_PHRASES]
    tick: ToneName | None = "tick" if tones else None
    said += [(phrases.THRESHOLD_LONG, tick), (phrases.THRESHOLD_STOP, tick)]
    said += [(phrases.MENU_NEXT, tick), (phrases.MENU_REPEAT, tick)]
    return said


def settle_plan(routine: Routine, voice: Voice, tones: bool, render: bool = True) -> Plan:
    """Compile with real phrase lengths: render what is missing and compile again.

    Real lengths can change the plan's own text (a cue shortened to fit, the
    minutes in the summary), so this repeats until nothing new is needed.
    """
    plan = compile_plan(routine, voice.duration, tones)
    if not isinstance(voice, SpeechVoice) or not render:
        return plan
    for _ in range(4):
        missing = voice.renderer.missing(all_phrases(plan, tones))
        if not missing:
            break
        voice.renderer.render_now(missing)
        plan = compile_plan(routine, voice.duration, tones)
    return plan


def all_phrases(plan: Plan, tones: bool) -> list[Phrase]:
    return list(dict.fromkeys([*plan.phrases(), *engine_phrases(tones)]))


def prerender(routines: Iterable[Routine], voice: Voice, tones: bool) -> tuple[int, int]:
    """Fill the cache for ``routines``; returns (phrases, rendered now)."""
    if not isinstance(voice, SpeechVoice):
        return 0, 0
    before = voice.renderer.phrases_made
    total: set[Phrase] = set()
    for routine in routines:
        plan = settle_plan(routine, voice, tones)
        total.update(all_phrases(plan, tones))
    return len(total), voice.renderer.phrases_made - before
