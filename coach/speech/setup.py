"""Choosing and building the voice a session speaks with, and starting it up.

When the chosen speech engine cannot be loaded the coach says so once, in one
line that names the fix, and carries on with the text voice: it never stops
for lack of speech.

Start-up happens here and only here: :func:`start_session` for a session that
is about to begin, :func:`warm_up` for the device at boot. Both work through
the :class:`~coach.voice.Voice` protocol, so a voice with nothing to render
costs nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coach import phrases
from coach.errors import SpeechUnavailable
from coach.hardware.audio import AudioPlayer
from coach.phrases import Phrase
from coach.plan import Plan, compile_plan
from coach.routine import Routine
from coach.speech.backend import SpeechBackend, SpeechSettings
from coach.speech.cache import PhraseCache, default_cache_dir
from coach.speech.renderer import Renderer
from coach.speech.voice import SpeechVoice
from coach.tones import ToneName
from coach.voice import TextVoice, Voice

Printer = Callable[[str], None]

#: How long a session start waits for its first phrases to be rendered.
FIRST_STEP_WAIT_SECONDS = 30.0


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
    With ``render=False`` it compiles once with the lengths known now.
    """
    plan = compile_plan(routine, voice.duration, tones)
    if not render:
        return plan
    for _ in range(4):
        if not voice.render(all_phrases(plan, tones)):
            break
        plan = compile_plan(routine, voice.duration, tones)
    return plan


def start_session(
    routine: Routine,
    voice: Voice,
    tones: bool,
    instant: bool,
    post_plan: Callable[[Plan], None],
) -> Plan:
    """The plan a session starts with; renders the rest in plan order in the background.

    An instant run renders everything first (virtual time outruns any
    renderer), so it is timed exactly as 'coach preview' shows it. A live
    session starts once its first step is rendered; when the rest is in, the
    plan laid out again with real lengths goes to ``post_plan`` (from another
    thread), for every step not begun yet.
    """
    if instant:
        return settle_plan(routine, voice, tones)
    plan = compile_plan(routine, voice.duration, tones)
    wanted = all_phrases(plan, tones)
    if not voice.missing(wanted):
        return plan
    voice.render([(c.text, c.tone) for c in plan.steps[0].cues], FIRST_STEP_WAIT_SECONDS)
    voice.prepare(wanted, soon=True)

    def settle() -> None:
        post_plan(settle_plan(routine, voice, tones))

    threading.Thread(target=settle, name="coach-settle", daemon=True).start()
    return compile_plan(routine, voice.duration, tones)


def warm_up(
    voice: Voice, first: Iterable[Phrase], routines: Sequence[Routine], tones: bool, instant: bool
) -> None:
    """Fill the cache for the device: ``first`` (the menu), what the runtime says, then routines.

    A live device renders in the background; an instant one renders
    everything now, and settles every plan, so virtual time never outruns it.
    """
    wanted = [*first, *engine_phrases(tones)]
    for routine in routines:
        wanted += compile_plan(routine, voice.duration, tones).phrases()
    if not instant:
        voice.prepare(wanted)
        return
    voice.render(wanted)
    for routine in routines:
        settle_plan(routine, voice, tones)


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
