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

import json
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from coach import phrases
from coach.adherence import closing_lines
from coach.checkin import check_in_phrases
from coach.errors import HardwareError, SpeechUnavailable
from coach.hardware.audio import AudioPlayer
from coach.phrases import Phrase
from coach.plan import Plan, compile_plan
from coach.routine import Routine
from coach.settings import Settings
from coach.speech import cachefolder, wavfile
from coach.speech.backend import SpeechBackend
from coach.speech.cache import PhraseCache, default_cache_dir
from coach.speech.renderer import Renderer
from coach.speech.voice import SpeechVoice
from coach.tones import ToneName
from coach.voice import TextVoice, Voice

Printer = Callable[[str], None]

#: How long a session start waits for its first phrases to be rendered.
FIRST_STEP_WAIT_SECONDS = 30.0
#: The cache's limit is set in megabytes of 10**6 bytes, as sizes are shown.
MEGABYTE = 1_000_000


def load_backend(settings: Settings, engine: str) -> SpeechBackend:
    """The speech backend named ``engine``, with the settings' voice, rate and volume.

    :raises SpeechUnavailable: when it cannot be loaded here (the message names the fix).
    """
    if engine == "pyttsx3":
        from coach.speech.pyttsx3_backend import Pyttsx3Backend

        return Pyttsx3Backend(settings)
    if engine == "piper":
        from coach.speech.piper_backend import PiperBackend

        return PiperBackend(settings)
    raise SpeechUnavailable(f"'{engine}' is not a speech engine with voices")


def make_voice(
    settings: Settings,
    printer: Printer | None = None,
    warn: Printer = lambda _message: None,
    routine: Routine | None = None,
    *,
    instant: bool = False,
    cache_dir: Path | None = None,
    player_command: Sequence[str] | None = None,
    plays: bool = True,
) -> Voice:
    """The voice ``settings`` describe; the text voice when the engine cannot be loaded.

    :param settings: the engine, voice, rate, volume, sound device, lead-in and switches.
    :param printer: gets every phrase as text (a session without sound is
        still followed); default: nothing is printed.
    :param warn: gets one line when speech is off or the sound device fails.
    :param routine: the routine about to run; ``speech: false`` in it plays tones only.
    :param instant: an instant run (the text voice unless an engine was chosen).
    :param cache_dir: where rendered phrases are kept; default the user's cache.
    :param player_command: the player's command line before the file name;
        default ``aplay -q [-D device]``.
    :param plays: False for a voice that only renders (a preview): its player
        starts no process ahead, and so never holds the sound device.

    When the cache cannot be written, the voice says so once and keeps new
    speech in a temporary folder for as long as it lives.
    """
    if settings.engine(instant) != "text":
        try:
            return speaking_voice(
                settings,
                warn,
                printer,
                routine,
                instant=instant,
                cache_dir=cache_dir,
                player_command=player_command,
                spill=True,
                plays=plays,
            )
        except SpeechUnavailable as exc:
            warn(f"speech is off: {exc}")
    return TextVoice(words_per_minute=settings.rate, printer=printer or (lambda _line: None))


def speaking_voice(
    settings: Settings,
    warn: Printer,
    printer: Printer | None = None,
    routine: Routine | None = None,
    *,
    instant: bool = False,
    cache_dir: Path | None = None,
    player_command: Sequence[str] | None = None,
    spill: bool = False,
    plays: bool = True,
) -> SpeechVoice:
    """A voice that speaks with the settings' engine; as :func:`make_voice`, with no fallback.

    :param spill: when the cache cannot be written, say so and use a temporary
        folder; default: keep it in the renderer's ``write_error`` for the caller.
    :param plays: False for a voice that only renders: no player process ahead.
    :raises SpeechUnavailable: when the engine cannot be loaded here, or is ``text``.
    """
    backend = load_backend(settings, settings.engine(instant))
    speak = settings.speak and (routine is None or routine.speech)
    cache = PhraseCache(
        cache_dir or default_cache_dir(),
        backend.identity(),
        settings.lead_in,
        limit_bytes=settings.cache_limit_mb * MEGABYTE,
        warn=warn,
    )
    renderer = Renderer(backend, cache, settings.volume, speech=speak, on_error=warn, spill=spill)
    player = AudioPlayer(player_command, settings.audio_device, warn, ahead=plays)
    return SpeechVoice(renderer, player, printer, settings.rate)


def say_once(
    settings: Settings,
    text: str,
    printer: Printer,
    warn: Printer,
    *,
    cache_dir: Path | None = None,
    player_command: Sequence[str] | None = None,
    timeout: float = 120.0,
) -> None:
    """Say ``text`` through the path a session uses (render, cache, play) and wait for it.

    With no speech engine it is printed instead.

    :raises HardwareError: when the phrase cannot be rendered or played.
    """
    voice = make_voice(settings, printer, warn, cache_dir=cache_dir, player_command=player_command)
    try:
        if not isinstance(voice, SpeechVoice):
            voice.say(text)
            return
        voice.render([(text, None)])
        if voice.missing([(text, None)]):
            raise HardwareError(f"could not render {text!r}")
        voice.say(text)
        voice.drain(timeout)
        if voice.player.failing:
            raise HardwareError("the phrase was rendered but could not be played")
    finally:
        voice.close()


@dataclass(frozen=True)
class RenderTiming:
    """How a test phrase rendered: the engine's identity, the phrase's length, the time taken.

    ``seconds`` is ``None`` when the phrase could not be rendered; ``problem``
    says why, and ``in_cache`` whether the cache folder was to blame (rather
    than the engine).
    """

    identity: str
    seconds: float | None
    took_seconds: float
    problem: str = ""
    in_cache: bool = False


def time_render(
    settings: Settings, text: str, timeout: float, cache_dir: Path | None = None
) -> RenderTiming | None:
    """Render ``text`` afresh with the settings' engine and time it (for ``coach doctor``).

    Returns ``None`` when the engine loads but speech is off (``--no-speak``).

    :raises SpeechUnavailable: when the engine cannot be loaded; the message says why.
    """
    problems: list[str] = []
    voice = speaking_voice(settings, problems.append, cache_dir=cache_dir, plays=False)
    try:
        renderer = voice.renderer
        if not renderer.speech:
            return None
        # A phrase already in the cache would pass without the engine rendering anything.
        cache = renderer.cache
        cachefolder.remove(cache.speech_path(text))
        cachefolder.remove(cache.playable_path(text, None, renderer.volume))
        started = time.perf_counter()
        renderer.render_now([(text, None)], timeout)
        took = time.perf_counter() - started
        path = renderer.ready((text, None))
        if path is None:
            error = renderer.write_error
            problem = "; ".join(problems) or (str(error) if error else f"could not render {text!r}")
            return RenderTiming(cache.identity, None, took, problem, in_cache=error is not None)
        return RenderTiming(cache.identity, wavfile.seconds(path), took)
    finally:
        voice.close()


def engine_phrases(tones: bool) -> list[Phrase]:
    """What the engine may say outside the plan (pauses, the held button)."""
    said: list[Phrase] = [(text, None) for text in phrases.ENGINE_PHRASES]
    tick: ToneName | None = "tick" if tones else None
    said += [(phrases.THRESHOLD_LONG, tick), (phrases.THRESHOLD_STOP, tick)]
    said += [(phrases.THRESHOLD_SKIP_EXERCISE, tick)]
    said += [(phrases.MENU_NEXT, tick), (phrases.MENU_REPEAT, tick)]
    return said


def settle_plan(
    routine: Routine, voice: Voice, tones: bool, render: bool = True, *, count: str = "all"
) -> Plan:
    """Compile with real phrase lengths: render what is missing and compile again.

    Real lengths can change the plan's own text (a cue shortened to fit, the
    minutes in the summary), so this repeats until nothing new is needed.
    With ``render=False`` it compiles once with the lengths known now.
    ``count`` is the setting of that name (see :func:`~coach.plan.compile_plan`).
    """
    plan = compile_plan(routine, voice.duration, tones, count)
    if not render:
        return plan
    for _ in range(4):
        if not voice.render(all_phrases(plan, tones)):
            break
        plan = compile_plan(routine, voice.duration, tones, count)
    return plan


def start_session(
    routine: Routine,
    voice: Voice,
    tones: bool,
    instant: bool,
    post_plan: Callable[[Plan], None],
    *,
    count: str = "all",
) -> Plan:
    """The plan a session starts with; renders the rest in plan order in the background.

    An instant run renders everything first (virtual time outruns any
    renderer), so it is timed exactly as 'coach preview' shows it. A live
    session starts once its first step is rendered; when the rest is in, the
    plan laid out again with real lengths goes to ``post_plan`` (from another
    thread), for every step not begun yet.
    """
    if instant:
        return settle_plan(routine, voice, tones, count=count)
    plan = compile_plan(routine, voice.duration, tones, count)
    wanted = all_phrases(plan, tones)
    if not voice.missing(wanted):
        return plan
    voice.render([(c.text, c.tone) for c in plan.steps[0].cues], FIRST_STEP_WAIT_SECONDS)
    voice.prepare(wanted, soon=True)

    def settle() -> None:
        post_plan(settle_plan(routine, voice, tones, count=count))

    threading.Thread(target=settle, name="coach-settle", daemon=True).start()
    return compile_plan(routine, voice.duration, tones, count)


def warm_up(
    voice: Voice,
    first: Iterable[Phrase],
    routines: Sequence[Routine],
    tones: bool,
    instant: bool,
    *,
    count: str = "all",
    last: Iterable[Phrase] = (),
) -> None:
    """Fill the cache for the device: ``first`` (the menu), what the runtime says, then routines.

    ``last`` (lines said rarely) come after the routines. A live device
    renders in the background; an instant one renders everything now, and
    settles every plan, so virtual time never outruns it.
    """
    wanted = [*first, *engine_phrases(tones)]
    for routine in routines:
        plan = compile_plan(routine, voice.duration, tones, count)
        wanted += [*plan.phrases(), *check_in_phrases(plan, tones)]
    wanted += last
    for routine in routines:
        wanted += [(line, None) for line in closing_lines(routine.times_a_day)]
    if not instant:
        voice.prepare(wanted)
        return
    voice.render(wanted)
    for routine in routines:
        settle_plan(routine, voice, tones, count=count)


def all_phrases(plan: Plan, tones: bool) -> list[Phrase]:
    """Everything a session of ``plan`` may say, once each: its cues, the runtime's words,
    then its check-ins' lines and the lines of its sessions a day.
    """
    closing = [(line, None) for line in closing_lines(plan.times_a_day)]
    return list(
        dict.fromkeys(
            [*plan.phrases(), *engine_phrases(tones), *check_in_phrases(plan, tones), *closing]
        )
    )


@dataclass(frozen=True)
class PrerenderCount:
    """What :func:`prerender` found: every phrase is rendered now, already cached, or failed."""

    phrases: int
    rendered: int
    cached: int
    failed: int


def prerender(
    routines: Iterable[Routine], voice: SpeechVoice, tones: bool, *, count: str = "all"
) -> PrerenderCount:
    """Fill the cache for ``routines``; returns what each of their phrases came to."""
    renderer = voice.renderer
    made_before = set(renderer.made)
    total: set[Phrase] = set()
    for routine in routines:
        plan = settle_plan(routine, voice, tones, count=count)
        total.update(all_phrases(plan, tones))
    failed = set(renderer.missing(total))
    rendered = len((total & renderer.made) - made_before - failed)
    return PrerenderCount(len(total), rendered, len(total) - rendered - len(failed), len(failed))


@dataclass(frozen=True)
class ExportedPhrase:
    """One phrase written by :func:`export_phrases`: its file's name, its words, its length."""

    file: str
    text: str
    seconds: float


def export_phrases(
    routine: Routine, voice: SpeechVoice, tones: bool, folder: Path
) -> list[ExportedPhrase]:
    """Write every phrase a session of ``routine`` may say as ``folder/0001.wav``, ... .

    The phrases are those :func:`all_phrases` gives for the settled plan, in
    the order first said; each file is the one the player would get (lead-in,
    tone and speech), and ``folder/index.json`` lists them. ``folder`` must
    exist; numbered WAV files and an index.json already in it are replaced,
    so what is left there is this export alone.

    :raises HardwareError: when a phrase cannot be rendered.
    """
    plan = settle_plan(routine, voice, tones)
    wanted = all_phrases(plan, tones)
    voice.render(wanted)
    renderer = voice.renderer
    for old in [*folder.glob("[0-9][0-9][0-9][0-9].wav"), folder / "index.json"]:
        if old.is_file() and not old.is_symlink():
            old.unlink()
    written: list[ExportedPhrase] = []
    for number, phrase in enumerate(wanted, start=1):
        path = renderer.ready(phrase)
        if path is None:
            why = renderer.engine_error or renderer.write_error or "the engine gave nothing"
            raise HardwareError(f"could not render {phrase[0]!r}: {why}")
        name = f"{number:04d}.wav"
        shutil.copyfile(path, folder / name)
        written.append(ExportedPhrase(name, phrase[0], round(wavfile.seconds(folder / name), 3)))
    index = [{"file": e.file, "text": e.text, "seconds": e.seconds} for e in written]
    (folder / "index.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    return written
