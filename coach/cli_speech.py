"""Speech settings on the command line, and the commands about speech.

Every speech setting is a flag with an environment variable of the same name
(``--rate`` and ``COACH_RATE``); a flag wins over the environment.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from coach import library
from coach.errors import HardwareError
from coach.loader import load_routine
from coach.speech.backend import BACKENDS, DEFAULT_RATE_WPM, SpeechSettings
from coach.speech.cache import PhraseCache, default_cache_dir
from coach.speech.setup import AudioSettings, load_backend, make_voice, prerender
from coach.speech.voice import SpeechVoice

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_BACKEND = "pyttsx3"


def warn(message: str) -> None:
    click.echo(f"coach: {message}", err=True)


@dataclass(frozen=True)
class SpeechChoice:
    """The speech flags as given; ``backend`` is ``None`` when nobody chose one."""

    backend: str | None
    voice: str | None
    rate: int
    volume: float
    audio_device: str | None
    lead_in: float
    tones: bool
    speak: bool

    def settings(self, instant: bool = False) -> AudioSettings:
        # Virtual time has no room for real audio: instant runs print unless told otherwise.
        backend = self.backend or ("text" if instant else DEFAULT_BACKEND)
        return AudioSettings(
            speech=SpeechSettings(backend, self.voice, self.rate, self.volume),
            speak=self.speak,
            tones=self.tones,
            audio_device=self.audio_device,
            lead_in_seconds=self.lead_in,
            cache_dir=default_cache_dir(),
        )


def speech_options(function: F) -> F:
    """Add the speech flags; the command gets them as one ``speech: SpeechChoice``."""
    options = [
        click.option(
            "--speech",
            "backend",
            type=click.Choice(BACKENDS),
            envvar="COACH_SPEECH",
            help=f"Speech engine. Default: {DEFAULT_BACKEND} (text for --instant runs).",
        ),
        click.option(
            "--voice",
            envvar="COACH_VOICE",
            help="A voice of the engine ('coach voices' lists them); for piper, a model file.",
        ),
        click.option(
            "--rate",
            type=click.IntRange(80, 400),
            default=DEFAULT_RATE_WPM,
            show_default=True,
            envvar="COACH_RATE",
            help="Speaking rate in words per minute.",
        ),
        click.option(
            "--volume",
            type=click.FloatRange(0.0, 1.0),
            default=1.0,
            show_default=True,
            envvar="COACH_VOLUME",
            help="Volume of speech and tones, 0 to 1.",
        ),
        click.option(
            "--audio-device",
            envvar="COACH_AUDIO_DEVICE",
            help="ALSA device to play to, e.g. plughw:CARD=Headphones. Default: the system's.",
        ),
        click.option(
            "--lead-in",
            type=click.FloatRange(0.0, 2.0),
            default=0.0,
            show_default=True,
            envvar="COACH_LEAD_IN",
            help="Seconds of silence before each phrase, for sinks that swallow the first "
            "syllable (some HDMI and Bluetooth speakers).",
        ),
        click.option(
            "--tones/--no-tones",
            default=True,
            show_default=True,
            envvar="COACH_TONES",
            help="Tones at the start and end of holds and at the end of a set.",
        ),
        click.option(
            "--speak/--no-speak",
            default=True,
            show_default=True,
            envvar="COACH_SPEAK",
            help="Speak the cues; --no-speak plays only the tones.",
        ),
    ]

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["speech"] = SpeechChoice(
            kwargs.pop("backend"),
            kwargs.pop("voice"),
            kwargs.pop("rate"),
            kwargs.pop("volume"),
            kwargs.pop("audio_device"),
            kwargs.pop("lead_in"),
            kwargs.pop("tones"),
            kwargs.pop("speak"),
        )
        return function(*args, **kwargs)

    decorated: Any = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


@click.command()
@speech_options
def voices(speech: SpeechChoice) -> None:
    """List the voices the chosen speech engine offers."""
    settings = speech.settings().speech
    if settings.backend == "text":
        click.echo("the text voice prints what it would say; it has no voices to choose")
        return
    backend = load_backend(settings)
    try:
        found = backend.voices()
    finally:
        backend.close()
    rows = [(v.id, v.name, ", ".join(v.languages)) for v in found]
    widths = [max(len(r[i]) for r in [("ID", "NAME", ""), *rows]) for i in range(2)]
    click.echo(f"{'ID':<{widths[0]}}  {'NAME':<{widths[1]}}  LANGUAGES")
    for ident, name, languages in rows:
        click.echo(f"{ident:<{widths[0]}}  {name:<{widths[1]}}  {languages}".rstrip())


@click.command()
@click.argument("text")
@speech_options
def say(text: str, speech: SpeechChoice) -> None:
    """Say TEXT through the same path a session uses: render, cache, play."""
    voice = make_voice(speech.settings(), click.echo, warn)
    try:
        if not isinstance(voice, SpeechVoice):
            voice.say(text)
            return
        voice.renderer.render_now([(text, None)])
        path = voice.renderer.ready((text, None))
        if path is None:
            raise HardwareError(f"could not render {text!r}")
        voice.say(text)
        voice.player.wait(timeout=120)
        if voice.player.failing:
            raise HardwareError("the phrase was rendered but could not be played")
    finally:
        voice.close()


@click.group("speech-cache")
def speech_cache() -> None:
    """Manage the cache of rendered phrases."""


@speech_cache.command("prerender")
@click.argument("routines", nargs=-1, metavar="[ROUTINE]...")
@speech_options
def prerender_cmd(routines: Sequence[str], speech: SpeechChoice) -> None:
    """Render every phrase of ROUTINEs ahead of time (all bundled routines when none).

    Useful on a slow Raspberry Pi before the first session.
    """
    settings = speech.settings()
    voice = make_voice(settings, None, warn)
    if not isinstance(voice, SpeechVoice):
        raise click.UsageError(
            "the text voice has nothing to render; choose --speech pyttsx3 or piper"
        )
    names = list(routines) or [e.slug for e in library.entries()]
    try:
        for name in names:
            loaded = load_routine(library.resolve(name))
            started = time.perf_counter()
            count, rendered = prerender([loaded], voice, settings.tones)
            took = time.perf_counter() - started
            click.echo(
                f"{name}: {count} phrases, {rendered} rendered now, "
                f"{count - rendered} already cached ({took:.1f} s)"
            )
    finally:
        voice.close()
    click.echo(f"cache: {voice.renderer.cache.root}")


@speech_cache.command("clear")
def clear_cmd() -> None:
    """Delete every rendered phrase."""
    cache = PhraseCache(default_cache_dir(), identity="")
    removed = cache.clear()
    click.echo(f"removed {removed.files} files ({removed.bytes / 1e6:.1f} MB) from {cache.root}")


COMMANDS = (voices, say, speech_cache)
