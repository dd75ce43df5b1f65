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
from coach.cli_common import warn
from coach.errors import HardwareError
from coach.loader import load_routine
from coach.settings import setting_options
from coach.speech.backend import SpeechSettings
from coach.speech.cache import PhraseCache, default_cache_dir
from coach.speech.setup import AudioSettings, load_backend, make_voice, prerender
from coach.speech.voice import SpeechVoice

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_BACKEND = "pyttsx3"


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


SPEECH_KEYS = ("speech", "voice", "rate", "volume", "audio_device", "lead_in", "tones", "speak")


def speech_options(function: F) -> F:
    """Add the speech settings; the command gets them as one ``speech: SpeechChoice``."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["speech"] = SpeechChoice(*(kwargs.pop(key) for key in SPEECH_KEYS))
        return function(*args, **kwargs)

    return setting_options(*SPEECH_KEYS)(wrapper)  # type: ignore[return-value]


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
